import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { HideReason, ReportReason, ReportStatus, ReportTarget } from '../domain/moderation-rules.js';
import type { Queryable } from '@ataa/database';

export interface ModerationCampaign {
  id: string;
  organizationId: string;
  slug: string;
  status: string;
  language: 'en' | 'ar';
  suspendedAt: Date | null;
  suspensionReason: string | null;
}

export interface StoredReport {
  id: string;
  campaignId: string;
  campaignSlug: string;
  target: ReportTarget;
  entryIndex: number | null;
  reason: ReportReason;
  details: string | null;
  status: ReportStatus;
  createdAt: Date;
  resolvedAt: Date | null;
  resolvedBy: string | null;
}

export interface HiddenMessage {
  campaignId: string;
  entryIndex: number;
  reason: HideReason;
  note: string | null;
  actor: string;
  createdAt: Date;
}

/** A gift's message the automatic filter held, waiting for review. */
export interface HeldMessage {
  campaignId: string;
  campaignSlug: string;
  entryIndex: number;
  message: string;
  heldAt: Date;
}

const toCampaign = (r: Record<string, any>): ModerationCampaign => ({
  id: r.id, organizationId: r.organization_id, slug: r.slug, status: r.status, language: r.language === 'ar' ? 'ar' : 'en', suspendedAt: r.suspended_at, suspensionReason: r.suspension_reason,
});

const toReport = (r: Record<string, any>): StoredReport => ({
  id: r.id, campaignId: r.campaign_id, campaignSlug: r.slug, target: r.target, entryIndex: r.entry_index === null ? null : Number(r.entry_index),
  reason: r.reason, details: r.details, status: r.status, createdAt: r.created_at, resolvedAt: r.resolved_at, resolvedBy: r.resolved_by,
});

const toHidden = (r: Record<string, any>): HiddenMessage => ({
  campaignId: r.campaign_id, entryIndex: Number(r.entry_index), reason: r.reason, note: r.note, actor: r.actor, createdAt: r.created_at,
});

/** Public pages show published, paused and ended campaigns (as CampaignReader does). */
const PUBLIC_STATUSES = ['published', 'paused', 'ended'];
const CAMPAIGN_COLUMNS = 'id, organization_id, slug, status, language, suspended_at, suspension_reason';

/** Moderation's tables (reports, hidden messages) and the campaign's suspension columns. */
@Injectable()
export class ModerationRepository {
  constructor(private readonly dataSource: DataSource) {}

  async publicCampaign(slug: string): Promise<ModerationCampaign | null> {
    if (!/^[a-z0-9-]{1,80}$/.test(slug)) return null;
    const [row] = await this.dataSource.query(`SELECT ${CAMPAIGN_COLUMNS} FROM campaigns WHERE slug = $1 AND status = ANY($2)`, [slug, PUBLIC_STATUSES]);
    return row ? toCampaign(row) : null;
  }

  /** The campaign, locked for the moderation change (another organization's: null). */
  async lockCampaign(manager: EntityManager, campaignId: string, organizationId: string | null): Promise<ModerationCampaign | null> {
    const [row] = await manager.query(
      `SELECT ${CAMPAIGN_COLUMNS} FROM campaigns WHERE id = $1 AND ($2::uuid IS NULL OR organization_id = $2) FOR UPDATE`, [campaignId, organizationId],
    );
    return row ? toCampaign(row) : null;
  }

  async campaignOf(campaignId: string, organizationId: string | null): Promise<ModerationCampaign | null> {
    const [row] = await this.dataSource.query(`SELECT ${CAMPAIGN_COLUMNS} FROM campaigns WHERE id = $1 AND ($2::uuid IS NULL OR organization_id = $2)`, [campaignId, organizationId]);
    return row ? toCampaign(row) : null;
  }

  /** Whether the campaign's public log has a gift entry at this index (a message on the donor wall can only be one). */
  async isGiftEntry(manager: EntityManager | null, campaignId: string, index: number): Promise<boolean> {
    const [row] = await (manager ?? this.dataSource.manager).query(
      `SELECT 1 FROM public_ledger_entries WHERE campaign_id = $1 AND idx = $2 AND kind = 'donation'`, [campaignId, index],
    );
    return Boolean(row);
  }

  async insertReport(input: { campaignId: string; target: ReportTarget; entryIndex: number | null; reason: ReportReason; details: string | null }): Promise<string> {
    const [row] = await this.dataSource.query(
      `INSERT INTO moderation_reports (campaign_id, target, entry_index, reason, details) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
      [input.campaignId, input.target, input.entryIndex, input.reason, input.details],
    );
    return row.id;
  }

  /**
   * Reports newest first, keyset-paginated on (created_at, id): of one organization's campaigns
   * (`organizationId`), or of every campaign (operator, null); optionally one campaign or status.
   */
  async listReports(filter: { organizationId: string | null; campaignId?: string; status?: ReportStatus; before?: { at: Date; id: string }; limit: number }): Promise<StoredReport[]> {
    const params: unknown[] = [];
    const where: string[] = [];
    if (filter.organizationId) { params.push(filter.organizationId); where.push(`c.organization_id = $${params.length}`); }
    if (filter.campaignId) { params.push(filter.campaignId); where.push(`r.campaign_id = $${params.length}`); }
    if (filter.status) { params.push(filter.status); where.push(`r.status = $${params.length}`); }
    if (filter.before) {
      params.push(filter.before.at, filter.before.id);
      where.push(`(r.created_at, r.id) < ($${params.length - 1}, $${params.length})`);
    }
    params.push(filter.limit);
    const rows = await this.dataSource.query(
      `SELECT r.*, c.slug FROM moderation_reports r JOIN campaigns c ON c.id = r.campaign_id
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY r.created_at DESC, r.id DESC LIMIT $${params.length}`,
      params,
    );
    return rows.map(toReport);
  }

  async lockReport(manager: EntityManager, reportId: string, organizationId: string | null): Promise<StoredReport | null> {
    const [row] = await manager.query(
      `SELECT r.*, c.slug FROM moderation_reports r JOIN campaigns c ON c.id = r.campaign_id
       WHERE r.id = $1 AND ($2::uuid IS NULL OR c.organization_id = $2) FOR UPDATE OF r`,
      [reportId, organizationId],
    );
    return row ? toReport(row) : null;
  }

  async resolveReport(manager: EntityManager, reportId: string, status: 'dismissed' | 'actioned', actor: string): Promise<void> {
    await manager.query(`UPDATE moderation_reports SET status = $2, resolved_at = now(), resolved_by = $3 WHERE id = $1`, [reportId, status, actor]);
  }

  /** Marks the open reports of a message (or of a campaign) as acted on; returns how many. */
  async actionOpenReports(manager: EntityManager, campaignId: string, entryIndex: number | null, actor: string): Promise<number> {
    const rows = await manager.query(
      `UPDATE moderation_reports SET status = 'actioned', resolved_at = now(), resolved_by = $3
       WHERE campaign_id = $1 AND status = 'open' AND ${entryIndex === null ? `target = 'campaign' AND $2::bigint IS NULL` : 'entry_index = $2'} RETURNING id`,
      [campaignId, entryIndex, actor],
    );
    return (rows[0] as unknown[] | undefined)?.length ?? 0;
  }

  /** Records the hide; null when the message was already hidden (the earlier record stands). */
  async insertHidden(manager: EntityManager, hidden: Omit<HiddenMessage, 'createdAt'>): Promise<HiddenMessage | null> {
    const [row] = await manager.query(
      `INSERT INTO moderated_messages (campaign_id, entry_index, state, reason, note, actor) VALUES ($1, $2, 'hidden', $3, $4, $5)
       ON CONFLICT (campaign_id, entry_index) DO NOTHING RETURNING *`,
      [hidden.campaignId, hidden.entryIndex, hidden.reason, hidden.note, hidden.actor],
    );
    return row ? toHidden(row) : null;
  }

  async hiddenMessage(manager: EntityManager | null, campaignId: string, entryIndex: number): Promise<HiddenMessage | null> {
    const [row] = await (manager ?? this.dataSource.manager).query(`SELECT * FROM moderated_messages WHERE campaign_id = $1 AND entry_index = $2`, [campaignId, entryIndex]);
    return row ? toHidden(row) : null;
  }

  /** Hidden messages of a campaign among these log indexes (for the donor wall). */
  async hiddenAmong(campaignId: string, indexes: readonly number[], db: Queryable = this.dataSource): Promise<Map<number, HiddenMessage>> {
    if (indexes.length === 0) return new Map();
    const rows = await db.query(`SELECT * FROM moderated_messages WHERE campaign_id = $1 AND entry_index = ANY($2::bigint[])`, [campaignId, indexes]);
    return new Map(rows.map((r: Record<string, any>) => [Number(r.entry_index), toHidden(r)]));
  }

  /** Held messages of settled gifts not yet released or hidden, oldest first: of one organization, or every one (operator). */
  async listHeld(filter: { organizationId: string | null; campaignId?: string; limit: number }): Promise<HeldMessage[]> {
    const rows = await this.dataSource.query(
      `SELECT d.campaign_id, c.slug, d.public_leaf_index::text AS entry_index, d.public_message, d.created_at FROM donations d
       JOIN campaigns c ON c.id = d.campaign_id
       LEFT JOIN moderated_messages m ON m.campaign_id = d.campaign_id AND m.entry_index = d.public_leaf_index
       WHERE d.message_review = 'held' AND d.public_leaf_index IS NOT NULL AND d.public_message IS NOT NULL AND m.entry_index IS NULL
         AND ($1::uuid IS NULL OR c.organization_id = $1) AND ($2::uuid IS NULL OR d.campaign_id = $2)
       ORDER BY d.created_at, d.id LIMIT $3`,
      [filter.organizationId, filter.campaignId ?? null, filter.limit],
    );
    return rows.map((r: Record<string, any>) => ({ campaignId: r.campaign_id, campaignSlug: r.slug, entryIndex: Number(r.entry_index), message: r.public_message, heldAt: r.created_at }));
  }

  /** The gift whose public entry is at this index, locked, with its message's review state. */
  async lockGiftByEntry(manager: EntityManager, campaignId: string, entryIndex: number): Promise<{ id: string; review: 'held' | 'released' | null; hasMessage: boolean } | null> {
    const [row] = await manager.query(
      `SELECT id, message_review, public_message IS NOT NULL AS has_message FROM donations WHERE campaign_id = $1 AND public_leaf_index = $2 FOR UPDATE`, [campaignId, entryIndex],
    );
    return row ? { id: row.id, review: row.message_review, hasMessage: row.has_message } : null;
  }

  async releaseMessage(manager: EntityManager, donationId: string): Promise<void> {
    await manager.query(`UPDATE donations SET message_review = 'released' WHERE id = $1 AND message_review = 'held'`, [donationId]);
  }

  async setSuspension(manager: EntityManager, campaignId: string, reason: string | null): Promise<void> {
    await manager.query(
      `UPDATE campaigns SET suspended_at = CASE WHEN $2::text IS NULL THEN NULL ELSE now() END, suspension_reason = $2, moderation_version = moderation_version + 1 WHERE id = $1`,
      [campaignId, reason],
    );
  }

  /** A moderation change the campaign page shows: its cached rendering is replaced. */
  async bumpModerationVersion(manager: EntityManager, campaignId: string): Promise<void> {
    await manager.query(`UPDATE campaigns SET moderation_version = moderation_version + 1 WHERE id = $1`, [campaignId]);
  }
}
