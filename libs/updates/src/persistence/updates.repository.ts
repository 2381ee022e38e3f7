import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { Queryable } from '@ataa/database';

export type UpdateStatus = 'draft' | 'published' | 'unpublished';

export interface UpdateRow {
  id: string;
  organizationId: string;
  campaignId: string;
  language: 'en' | 'ar';
  title: string;
  bodyMarkdown: string;
  bodyHtml: string;
  imageKey: string | null;
  /** The image's description for screen readers (its `alt`); null without an image, and on images of updates older than it. */
  imageAlt: string | null;
  status: UpdateStatus;
  publishedAt: Date | null;
  recipientsListedAt: Date | null;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
}

/** The campaign fields updates need (pages, feed, e-mail). */
export interface UpdateCampaign {
  id: string;
  organizationId: string;
  organizationName: string;
  slug: string;
  title: string;
  language: 'en' | 'ar';
  status: string;
  updatedAt: Date;
}

/** An opted-in donor as the fan-out sees them: their paid opted-in gift to the campaign whose box was ticked last. */
export interface OptedInDonor {
  email: string;
  donationId: string;
  locale: 'en' | 'ar';
  /** When the donor ticked the box for this gift (OPTED_IN_AT): an unsubscribe after it wins. */
  optedInAt: Date;
}

export type DeliveryStatus = 'pending' | 'sending' | 'sent' | 'skipped' | 'failed' | 'uncertain';

export interface DeliveryRow {
  id: string;
  updateId: string;
  emailHash: string;
  donationId: string;
  locale: 'en' | 'ar';
  batch: number;
  status: DeliveryStatus;
  leased: boolean;
}

const COLUMNS = `id, organization_id AS "organizationId", campaign_id AS "campaignId", language, title, body_markdown AS "bodyMarkdown",
  body_html AS "bodyHtml", image_key AS "imageKey", image_alt AS "imageAlt", status, published_at AS "publishedAt", recipients_listed_at AS "recipientsListedAt",
  created_by AS "createdBy", created_at AS "createdAt", updated_at AS "updatedAt"`;

/** Statuses of a gift that was paid (a refund or dispute later does not make its donor a stranger). */
const PAID = `('succeeded', 'partially_refunded', 'refunded', 'disputed', 'dispute_won', 'dispute_lost')`;
/**
 * When the donor of gift `d` ticked "e-mail me this campaign's updates": on the campaign page, when
 * the series or pledge the gift comes from was made (a monthly payment, a scheduled night or a
 * collected pledge is not a new choice, so it never undoes an unsubscribe), else when the gift was.
 */
const OPTED_IN_AT = `coalesce(
  (SELECT r.created_at FROM recurring_gifts r WHERE r.id = d.recurring_gift_id),
  (SELECT g.created_at FROM scheduled_charges x JOIN scheduled_gifts g ON g.id = x.scheduled_gift_id WHERE x.donation_id = d.id),
  (SELECT p.created_at FROM pledges p WHERE p.donation_id = d.id),
  d.created_at)`;
/** Campaign statuses whose pages are public (as the campaign reader's). */
const PUBLIC_CAMPAIGN = `('published', 'paused', 'ended')`;

/** The only code that touches the updates tables. */
@Injectable()
export class UpdatesRepository {
  constructor(readonly dataSource: DataSource) {}

  private m(manager?: EntityManager): EntityManager {
    return manager ?? this.dataSource.manager;
  }

  async findCampaignOfOrganization(organizationId: string, campaignId: string, manager?: EntityManager): Promise<UpdateCampaign | null> {
    const [row] = await this.m(manager).query(
      `SELECT c.id, c.organization_id AS "organizationId", o.name AS "organizationName", c.slug, c.title, c.language, c.status, c.updated_at AS "updatedAt"
         FROM campaigns c JOIN organizations o ON o.id = c.organization_id WHERE c.id = $1 AND c.organization_id = $2`,
      [campaignId, organizationId],
    );
    return row ?? null;
  }

  async findPublicCampaign(slug: string): Promise<UpdateCampaign | null> {
    if (!/^[a-z0-9-]{1,80}$/.test(slug)) return null;
    const [row] = await this.dataSource.query(
      `SELECT c.id, c.organization_id AS "organizationId", o.name AS "organizationName", c.slug, c.title, c.language, c.status, c.updated_at AS "updatedAt"
         FROM campaigns c JOIN organizations o ON o.id = c.organization_id WHERE c.slug = $1 AND c.status IN ${PUBLIC_CAMPAIGN}`,
      [slug],
    );
    return row ?? null;
  }

  async findCampaignById(campaignId: string, manager?: EntityManager): Promise<UpdateCampaign | null> {
    const [row] = await this.m(manager).query(
      `SELECT c.id, c.organization_id AS "organizationId", o.name AS "organizationName", c.slug, c.title, c.language, c.status, c.updated_at AS "updatedAt"
         FROM campaigns c JOIN organizations o ON o.id = c.organization_id WHERE c.id = $1`,
      [campaignId],
    );
    return row ?? null;
  }

  async insert(manager: EntityManager, row: Omit<UpdateRow, 'createdAt' | 'updatedAt' | 'recipientsListedAt'>): Promise<UpdateRow> {
    const [created] = await manager.query(
      `INSERT INTO campaign_updates (id, organization_id, campaign_id, language, title, body_markdown, body_html, image_key, image_alt, status, published_at, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING ${COLUMNS}`,
      [row.id, row.organizationId, row.campaignId, row.language, row.title, row.bodyMarkdown, row.bodyHtml, row.imageKey, row.imageAlt, row.status, row.publishedAt, row.createdBy],
    );
    return created;
  }

  /** One update of the campaign (and so of its organization), optionally locked. */
  async find(organizationId: string, campaignId: string, updateId: string, manager?: EntityManager, lock = false): Promise<UpdateRow | null> {
    const [row] = await this.m(manager).query(
      `SELECT ${COLUMNS} FROM campaign_updates WHERE id = $1 AND campaign_id = $2 AND organization_id = $3${lock ? ' FOR UPDATE' : ''}`,
      [updateId, campaignId, organizationId],
    );
    return row ?? null;
  }

  async findById(updateId: string, manager?: EntityManager, lock = false): Promise<UpdateRow | null> {
    const [row] = await this.m(manager).query(`SELECT ${COLUMNS} FROM campaign_updates WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [updateId]);
    return row ?? null;
  }

  async save(manager: EntityManager, id: string, fields: Pick<UpdateRow, 'language' | 'title' | 'bodyMarkdown' | 'bodyHtml' | 'imageKey' | 'imageAlt' | 'status' | 'publishedAt'>): Promise<UpdateRow> {
    const [[row]] = await manager.query(
      `UPDATE campaign_updates SET language = $2, title = $3, body_markdown = $4, body_html = $5, image_key = $6, image_alt = $9, status = $7, published_at = $8, updated_at = now()
       WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, fields.language, fields.title, fields.bodyMarkdown, fields.bodyHtml, fields.imageKey, fields.status, fields.publishedAt, fields.imageAlt],
    );
    return row;
  }

  async delete(manager: EntityManager, id: string): Promise<void> {
    await manager.query(`DELETE FROM campaign_updates WHERE id = $1`, [id]);
  }

  /** The organization's updates of a campaign, newest first (keyset on created_at, id). */
  async listForOrganization(organizationId: string, campaignId: string, limit: number, before?: { createdAt: Date; id: string }): Promise<UpdateRow[]> {
    const params: unknown[] = [campaignId, organizationId, limit];
    let where = 'campaign_id = $1 AND organization_id = $2';
    if (before) {
      params.push(before.createdAt, before.id);
      where += ` AND (created_at, id) < ($4, $5)`;
    }
    return this.dataSource.query(`SELECT ${COLUMNS} FROM campaign_updates WHERE ${where} ORDER BY created_at DESC, id DESC LIMIT $3`, params);
  }

  /** Published updates of a campaign, newest first, `limit` from `offset`. */
  async listPublished(campaignId: string, limit: number, offset = 0, db: Queryable = this.dataSource): Promise<UpdateRow[]> {
    return db.query(
      `SELECT ${COLUMNS} FROM campaign_updates WHERE campaign_id = $1 AND status = 'published' ORDER BY published_at DESC, id DESC LIMIT $2 OFFSET $3`,
      [campaignId, limit, offset],
    );
  }

  async countPublished(campaignId: string): Promise<number> {
    const [row] = await this.dataSource.query(`SELECT count(*)::int AS n FROM campaign_updates WHERE campaign_id = $1 AND status = 'published'`, [campaignId]);
    return row.n;
  }

  async findPublished(campaignId: string, updateId: string): Promise<UpdateRow | null> {
    const [row] = await this.dataSource.query(`SELECT ${COLUMNS} FROM campaign_updates WHERE id = $1 AND campaign_id = $2 AND status = 'published'`, [updateId, campaignId]);
    return row ?? null;
  }

  // --- e-mail -------------------------------------------------------------------------------

  /**
   * Each opted-in donor's paid opted-in gift to the campaign whose box was ticked last (erased gifts
   * have no address). A series' or pledge's gifts carry the opt-in the donor gave when making it.
   */
  async optedInDonors(manager: EntityManager, campaignId: string): Promise<OptedInDonor[]> {
    return manager.query(
      `SELECT DISTINCT ON (lower(d.donor_email)) d.donor_email AS email, d.id AS "donationId", CASE WHEN d.locale = 'ar' THEN 'ar' ELSE 'en' END AS locale,
              ${OPTED_IN_AT} AS "optedInAt"
         FROM donations d
        WHERE d.campaign_id = $1 AND d.updates_opt_in AND d.donor_email IS NOT NULL AND d.erased_at IS NULL AND d.status IN ${PAID}
        ORDER BY lower(d.donor_email), "optedInAt" DESC, d.created_at DESC, d.id DESC`,
      [campaignId],
    );
  }

  async unsubscribes(manager: EntityManager, campaignId: string): Promise<Map<string, Date>> {
    const rows: { emailHash: string; at: Date }[] = await manager.query(
      `SELECT email_hash AS "emailHash", unsubscribed_at AS at FROM campaign_update_unsubscribes WHERE campaign_id = $1`, [campaignId]);
    return new Map(rows.map((r) => [r.emailHash, r.at]));
  }

  /** Of these address hashes, those with an erasure confirmed or done (never mailed, even if a gift still shows the address). */
  async erasedHashes(manager: EntityManager, hashes: readonly string[]): Promise<Set<string>> {
    if (hashes.length === 0) return new Set();
    const rows: { h: string }[] = await manager.query(
      `SELECT DISTINCT email_hash AS h FROM erasure_requests WHERE email_hash = ANY($1::text[]) AND state IN ('confirmed', 'completed')`, [hashes]);
    return new Set(rows.map((r) => r.h));
  }

  async insertDeliveries(manager: EntityManager, updateId: string, rows: readonly { emailHash: string; donationId: string; locale: string; batch: number }[]): Promise<number> {
    if (rows.length === 0) return 0;
    const inserted: unknown[] = await manager.query(
      `INSERT INTO campaign_update_deliveries (update_id, email_hash, donation_id, locale, batch)
       SELECT $1, h, d, l, b FROM unnest($2::text[], $3::uuid[], $4::text[], $5::int[]) AS t(h, d, l, b)
       ON CONFLICT (update_id, email_hash) DO NOTHING RETURNING id`,
      [updateId, rows.map((r) => r.emailHash), rows.map((r) => r.donationId), rows.map((r) => r.locale), rows.map((r) => r.batch)],
    );
    return inserted.length;
  }

  async markRecipientsListed(manager: EntityManager, updateId: string): Promise<void> {
    await manager.query(`UPDATE campaign_updates SET recipients_listed_at = now() WHERE id = $1`, [updateId]);
  }

  async hasBatch(manager: EntityManager, updateId: string, batch: number): Promise<boolean> {
    const [row] = await manager.query(`SELECT 1 FROM campaign_update_deliveries WHERE update_id = $1 AND batch = $2 LIMIT 1`, [updateId, batch]);
    return Boolean(row);
  }

  async batchDeliveries(updateId: string, batch: number): Promise<DeliveryRow[]> {
    return this.dataSource.query(
      `SELECT id, update_id AS "updateId", email_hash AS "emailHash", donation_id AS "donationId", locale, batch, status,
              (sending_until IS NOT NULL AND sending_until > now()) AS leased
         FROM campaign_update_deliveries WHERE update_id = $1 AND batch = $2 ORDER BY id`,
      [updateId, batch],
    );
  }

  /**
   * Claims one pending delivery for sending (committed before the SMTP transaction begins). Null
   * when it is not pending any more (another worker took it, or it is done).
   */
  async claim(deliveryId: string, leaseSeconds: number): Promise<boolean> {
    const [, affected]: [unknown, number] = await this.dataSource.query(
      `UPDATE campaign_update_deliveries SET status = 'sending', sending_until = now() + make_interval(secs => $2), attempts = attempts + 1
        WHERE id = $1 AND status = 'pending'`,
      [deliveryId, leaseSeconds],
    );
    return affected === 1;
  }

  async finish(deliveryId: string, status: 'sent' | 'skipped' | 'failed', error: string | null = null): Promise<void> {
    await this.dataSource.query(
      `UPDATE campaign_update_deliveries SET status = $2, sending_until = NULL, last_error = $3, sent_at = CASE WHEN $2 = 'sent' THEN now() END
        WHERE id = $1 AND status IN ('pending', 'sending')`,
      [deliveryId, status, error],
    );
  }

  /** A temporary SMTP failure before the server took the message: it may be tried again. */
  async release(deliveryId: string, error: string): Promise<void> {
    await this.dataSource.query(`UPDATE campaign_update_deliveries SET status = 'pending', sending_until = NULL, last_error = $2 WHERE id = $1 AND status = 'sending'`, [deliveryId, error]);
  }

  /**
   * Deliveries of the batch left `sending` by a worker that died (lease over): the server may have
   * taken the message, so it is never sent again (at most once per recipient).
   */
  async markAbandonedUncertain(updateId: string, batch: number): Promise<number> {
    const [, affected]: [unknown, number] = await this.dataSource.query(
      `UPDATE campaign_update_deliveries SET status = 'uncertain', sending_until = NULL, last_error = 'the sending worker stopped before recording the result'
        WHERE update_id = $1 AND batch = $2 AND status = 'sending' AND sending_until <= now()`,
      [updateId, batch],
    );
    return affected;
  }

  /** A gift's address and language for sending, if it is still there (erasure empties it). */
  async recipientOf(donationId: string): Promise<{ email: string } | null> {
    const [row] = await this.dataSource.query(
      `SELECT donor_email AS email FROM donations WHERE id = $1 AND donor_email IS NOT NULL AND erased_at IS NULL AND updates_opt_in`, [donationId]);
    return row ?? null;
  }

  async isUnsubscribedSince(campaignId: string, emailHash: string, optedInAt: Date): Promise<boolean> {
    const [row] = await this.dataSource.query(
      `SELECT 1 FROM campaign_update_unsubscribes WHERE campaign_id = $1 AND email_hash = $2 AND unsubscribed_at >= $3`, [campaignId, emailHash, optedInAt]);
    return Boolean(row);
  }

  /** When the donor ticked the box for this gift (OPTED_IN_AT). */
  async donationOptedInAt(donationId: string): Promise<Date | null> {
    const [row] = await this.dataSource.query(`SELECT ${OPTED_IN_AT} AS at FROM donations d WHERE d.id = $1`, [donationId]);
    return row?.at ?? null;
  }

  /** Records (or renews) an unsubscribe; true when it is new. */
  async unsubscribe(campaignId: string, emailHash: string): Promise<boolean> {
    const [row] = await this.dataSource.query(
      `INSERT INTO campaign_update_unsubscribes (campaign_id, email_hash) VALUES ($1, $2)
       ON CONFLICT (campaign_id, email_hash) DO UPDATE SET unsubscribed_at = now() RETURNING (xmax = 0) AS created`,
      [campaignId, emailHash],
    );
    return Boolean(row?.created);
  }

  async deliveryCounts(updateId: string): Promise<Record<DeliveryStatus, number>> {
    const rows: { status: DeliveryStatus; n: number }[] = await this.dataSource.query(
      `SELECT status, count(*)::int AS n FROM campaign_update_deliveries WHERE update_id = $1 GROUP BY status`, [updateId]);
    const counts: Record<DeliveryStatus, number> = { pending: 0, sending: 0, sent: 0, skipped: 0, failed: 0, uncertain: 0 };
    for (const r of rows) counts[r.status] = r.n;
    return counts;
  }
}
