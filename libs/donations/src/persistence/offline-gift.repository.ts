import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { Designation } from '@ataa/campaigns';

/** An offline gift as stored (offline_gifts); personal fields are null once erased. */
export interface OfflineGift {
  id: string;
  organizationId: string;
  campaignId: string;
  amount: bigint;
  currency: string;
  receivedOn: string;
  method: string;
  reference: string;
  anonymous: boolean;
  donorName: string | null;
  donorEmail: string | null;
  message: string | null;
  language: 'en' | 'ar';
  recordedBy: string;
  journalEntryId: string;
  publicIndex: number | null;
  createdAt: Date;
  voidedAt: Date | null;
  voidedBy: string | null;
  voidReason: string | null;
  voidPublicIndex: number | null;
  requestHash: string;
  /** Null: the campaign declared none (the implicit general). */
  designation: string | null;
}

/** The campaign an offline gift is recorded to, as the organization owns it. */
export interface OfflineGiftCampaign {
  id: string;
  organizationId: string;
  slug: string;
  title: string;
  currency: string;
  status: string;
  language: 'en' | 'ar';
  /** Declared designations (restricted funds); empty: the implicit general only. */
  designations: Designation[];
}

const COLUMNS = `id, organization_id, campaign_id, amount::text, currency, to_char(received_on, 'YYYY-MM-DD') AS received_on, method, reference, anonymous,
  donor_name, donor_email, message, language, recorded_by, journal_entry_id, public_index::text, created_at, voided_at, voided_by, void_reason, void_public_index::text, request_hash, designation`;

function toGift(r: Record<string, any>): OfflineGift {
  return {
    id: r.id, organizationId: r.organization_id, campaignId: r.campaign_id, amount: BigInt(r.amount), currency: r.currency, receivedOn: r.received_on,
    method: r.method, reference: r.reference, anonymous: r.anonymous, donorName: r.donor_name, donorEmail: r.donor_email, message: r.message,
    language: r.language === 'ar' ? 'ar' : 'en', recordedBy: r.recorded_by, journalEntryId: r.journal_entry_id,
    publicIndex: r.public_index === null ? null : Number(r.public_index), createdAt: r.created_at, voidedAt: r.voided_at, voidedBy: r.voided_by,
    voidReason: r.void_reason, voidPublicIndex: r.void_public_index === null ? null : Number(r.void_public_index), requestHash: r.request_hash,
    designation: r.designation ?? null,
  };
}

export interface NewOfflineGiftRow {
  id: string;
  organizationId: string;
  campaignId: string;
  idempotencyKey: string;
  requestHash: string;
  amount: bigint;
  currency: string;
  receivedOn: string;
  method: string;
  reference: string;
  anonymous: boolean;
  donorName: string | null;
  donorEmail: string | null;
  message: string | null;
  language: 'en' | 'ar';
  recordedBy: string;
  journalEntryId: string;
  publicIndex: number | null;
  designation: string | null;
}

@Injectable()
export class OfflineGiftRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The organization's campaign (null when it is another organization's, or none). */
  async campaign(organizationId: string, campaignId: string, manager: EntityManager = this.dataSource.manager): Promise<OfflineGiftCampaign | null> {
    const [r] = await manager.query(
      `SELECT id, organization_id, slug, title, currency, status, language, designations FROM campaigns WHERE id = $1 AND organization_id = $2`, [campaignId, organizationId],
    );
    return r ? {
      id: r.id, organizationId: r.organization_id, slug: r.slug, title: r.title, currency: r.currency, status: r.status, language: r.language === 'ar' ? 'ar' : 'en',
      designations: Array.isArray(r.designations) ? r.designations : [],
    } : null;
  }

  /** Serializes submissions with one idempotency key (transaction-scoped advisory lock). */
  async lockKey(manager: EntityManager, organizationId: string, idempotencyKey: string): Promise<void> {
    await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended('offline_gift:' || $1 || ':' || $2, 0))`, [organizationId, idempotencyKey]);
  }

  async findByKey(manager: EntityManager, organizationId: string, idempotencyKey: string): Promise<OfflineGift | null> {
    const [r] = await manager.query(`SELECT ${COLUMNS} FROM offline_gifts WHERE organization_id = $1 AND idempotency_key = $2`, [organizationId, idempotencyKey]);
    return r ? toGift(r) : null;
  }

  async insert(manager: EntityManager, row: NewOfflineGiftRow): Promise<void> {
    await manager.query(
      `INSERT INTO offline_gifts (id, organization_id, campaign_id, idempotency_key, request_hash, amount, currency, received_on, method, reference, anonymous,
         donor_name, donor_email, message, language, recorded_by, journal_entry_id, public_index, designation)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::date, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)`,
      [row.id, row.organizationId, row.campaignId, row.idempotencyKey, row.requestHash, row.amount.toString(), row.currency, row.receivedOn, row.method, row.reference,
        row.anonymous, row.donorName, row.donorEmail, row.message, row.language, row.recordedBy, row.journalEntryId, row.publicIndex, row.designation],
    );
  }

  /** One gift of the organization's campaign; `lock` takes its row lock (a void). */
  async find(organizationId: string, campaignId: string, giftId: string, manager: EntityManager = this.dataSource.manager, lock = false): Promise<OfflineGift | null> {
    const [r] = await manager.query(
      `SELECT ${COLUMNS} FROM offline_gifts WHERE id = $1 AND organization_id = $2 AND campaign_id = $3${lock ? ' FOR UPDATE' : ''}`, [giftId, organizationId, campaignId],
    );
    return r ? toGift(r) : null;
  }

  /** A gift by id alone (the receipt sender). */
  async findById(giftId: string, manager: EntityManager = this.dataSource.manager): Promise<OfflineGift | null> {
    const [r] = await manager.query(`SELECT ${COLUMNS} FROM offline_gifts WHERE id = $1`, [giftId]);
    return r ? toGift(r) : null;
  }

  /** What the receipt names besides the gift: the organization and campaign. */
  async receiptContext(giftId: string): Promise<{ organizationName: string; campaignTitle: string; campaignSlug: string } | null> {
    const [r] = await this.dataSource.query(
      `SELECT o.name AS organization_name, c.title, c.slug FROM offline_gifts g JOIN campaigns c ON c.id = g.campaign_id JOIN organizations o ON o.id = g.organization_id WHERE g.id = $1`,
      [giftId],
    );
    return r ? { organizationName: r.organization_name, campaignTitle: r.title, campaignSlug: r.slug } : null;
  }

  async markVoided(manager: EntityManager, giftId: string, v: { voidedBy: string; reason: string; entryId: string; publicIndex: number | null }): Promise<void> {
    await manager.query(
      `UPDATE offline_gifts SET voided_at = now(), voided_by = $2, void_reason = $3, void_entry_id = $4, void_public_index = $5 WHERE id = $1 AND voided_at IS NULL`,
      [giftId, v.voidedBy, v.reason, v.entryId, v.publicIndex],
    );
  }

  /** The campaign's offline gifts, newest first (keyset on created_at, id), at most `limit`. */
  async list(organizationId: string, campaignId: string, limit: number, before?: { createdAt: Date; id: string }): Promise<OfflineGift[]> {
    const rows = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM offline_gifts WHERE organization_id = $1 AND campaign_id = $2
         AND ($4::timestamptz IS NULL OR (created_at, id) < ($4::timestamptz, $5::uuid))
       ORDER BY created_at DESC, id DESC LIMIT $3`,
      [organizationId, campaignId, limit, before?.createdAt ?? null, before?.id ?? null],
    );
    return rows.map(toGift);
  }
}
