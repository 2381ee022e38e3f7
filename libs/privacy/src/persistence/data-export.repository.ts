import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { ADDRESS_HELD_SQL } from './donor-address.js';

export interface ExportRequestRow {
  id: string;
  email: string;
  language: 'en' | 'ar';
  nonce: string;
  requestedAt: Date;
  expiresAt: Date;
  usedAt: Date | null;
}

const REQUEST_COLUMNS = `id, email, language, nonce, requested_at AS "requestedAt", expires_at AS "expiresAt", used_at AS "usedAt"`;

/** Settled gifts (money moved): what an organization's donor list counts. */
export const SETTLED_STATUSES = ['succeeded', 'partially_refunded', 'refunded', 'disputed', 'dispute_won', 'dispute_lost'] as const;

/** The rows a donor's export is built from (everything held about one e-mail address). */
export interface DonorDataRows {
  donations: Record<string, any>[];
  refunds: Record<string, any>[];
  disputes: Record<string, any>[];
  receipts: Record<string, any>[];
  publicEntries: Record<string, any>[];
  audit: Record<string, any>[];
  requests: ExportRequestRow[];
  /** Scheduled series (Ramadan nights, Fridays) given with the address, each with its occurrences. */
  scheduledGifts: Record<string, any>[];
  /** Offline gifts an organization recorded with this address (issue 21). */
  offlineGifts: Record<string, any>[];
  /** Monthly and weekly series given with the address (each paid invoice is one of the donations). */
  recurringGifts: Record<string, any>[];
  /** All-or-nothing pledges made with the address (a collected one's gift is one of the donations). */
  pledges: Record<string, any>[];
  /** Campaign updates listed for (or e-mailed to) this address through its gifts. */
  updateDeliveries: Record<string, any>[];
}

export interface DonorAggregateRow {
  email: string;
  name: string | null;
  gifts: number;
  totals: Record<string, string>;
  first_gift_at: Date;
  last_gift_at: Date;
  named_gifts: number;
  latest_shows_name: boolean;
  messages: number;
}

/** The only code touching the export tables and reading donor data for exports. Plain SQL. */
@Injectable()
export class DataExportRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insertRequest(manager: EntityManager, row: { id: string; email: string; language: 'en' | 'ar'; nonce: string; expiresAt: Date }): Promise<void> {
    await manager.query(`INSERT INTO data_export_requests (id, email, language, nonce, expires_at) VALUES ($1, $2, $3, $4, $5)`,
      [row.id, row.email, row.language, row.nonce, row.expiresAt]);
  }

  async findRequest(id: string, manager: EntityManager = this.dataSource.manager): Promise<ExportRequestRow | null> {
    const rows: ExportRequestRow[] = await manager.query(`SELECT ${REQUEST_COLUMNS} FROM data_export_requests WHERE id = $1`, [id]);
    return rows[0] ?? null;
  }

  /** Marks the request used, once: only the first caller with the right nonce, before its expiry, gets the row. */
  async consume(manager: EntityManager, id: string, nonce: string): Promise<ExportRequestRow | null> {
    const [rows]: [ExportRequestRow[], number] = await manager.query(
      `UPDATE data_export_requests SET used_at = now() WHERE id = $1 AND nonce = $2 AND used_at IS NULL AND expires_at > now() RETURNING ${REQUEST_COLUMNS}`,
      [id, nonce],
    );
    return rows[0] ?? null;
  }

  /** Whether the platform holds any gift, series or pledge from this address (any status). */
  async holdsDonor(email: string): Promise<boolean> {
    const [row] = await this.dataSource.query(ADDRESS_HELD_SQL, [email]);
    return row.found === true;
  }

  /** Everything held about one address, in one transaction (a consistent snapshot). */
  async donorData(manager: EntityManager, email: string): Promise<DonorDataRows> {
    const donations: Record<string, any>[] = await manager.query(
      `SELECT d.id, d.status, d.currency, d.amount::text AS amount, d.chosen_amount::text AS chosen_amount, d.covered_fees::text AS covered_fees,
              d.platform_fee::text AS platform_fee, d.processing_fee::text AS processing_fee, d.refunded_amount::text AS refunded_amount,
              d.disputed_amount::text AS disputed_amount, d.donor_name, d.donor_email, d.anonymous, d.public_message, d.locale,
              d.public_leaf_index::text AS public_leaf_index, d.stripe_checkout_session_id, d.stripe_payment_intent_id, d.stripe_charge_id,
              d.created_at, d.settled_at, c.id AS campaign_id, c.slug AS campaign_slug, c.title AS campaign_title, o.name AS organization_name
       FROM donations d JOIN campaigns c ON c.id = d.campaign_id JOIN organizations o ON o.id = d.organization_id
       WHERE lower(d.donor_email) = lower($1) ORDER BY d.created_at, d.id`,
      [email],
    );
    const ids = donations.map((d) => d.id as string);
    const requests: ExportRequestRow[] = await manager.query(
      `SELECT ${REQUEST_COLUMNS} FROM data_export_requests WHERE lower(email) = lower($1) ORDER BY requested_at, id`, [email]);
    const scheduledGifts: Record<string, any>[] = await manager.query(
      `SELECT g.id, g.kind, g.weeks, g.time_zone, g.amount::text AS amount, g.currency, g.status, g.end_reason, g.donor_name, g.donor_email, g.anonymous, g.locale,
              g.stripe_customer_id, g.stripe_payment_method_id, g.created_at, g.ended_at, c.id AS campaign_id, c.slug AS campaign_slug, c.title AS campaign_title,
              coalesce((SELECT json_agg(json_build_object('occurrence', x.occurrence, 'localDate', x.local_date::text, 'chargeAt', x.charge_at, 'status', x.status,
                        'donationId', x.donation_id, 'failureCode', x.failure_code) ORDER BY x.occurrence) FROM scheduled_charges x WHERE x.scheduled_gift_id = g.id), '[]') AS occurrences
       FROM scheduled_gifts g JOIN campaigns c ON c.id = g.campaign_id WHERE lower(g.donor_email) = lower($1) ORDER BY g.created_at, g.id`,
      [email],
    );
    const offlineGifts: Record<string, any>[] = await manager.query(
      `SELECT g.id, g.amount::text AS amount, g.currency, to_char(g.received_on, 'YYYY-MM-DD') AS received_on, g.method, g.reference, g.anonymous, g.donor_name,
              g.donor_email, g.message, g.language, g.public_index::text AS public_index, g.created_at, g.voided_at, g.void_reason,
              c.id AS campaign_id, c.slug AS campaign_slug, c.title AS campaign_title, o.name AS organization_name
       FROM offline_gifts g JOIN campaigns c ON c.id = g.campaign_id JOIN organizations o ON o.id = g.organization_id
       WHERE lower(g.donor_email) = lower($1) ORDER BY g.created_at, g.id`,
      [email],
    );
    const recurringGifts: Record<string, any>[] = await manager.query(
      `SELECT g.id, g.interval, g.amount::text AS amount, g.currency, g.status, g.end_reason, g.ends_at, g.max_payments, g.payments_count, g.donor_name, g.donor_email,
              g.anonymous, g.public_message, g.locale, g.designation, g.updates_opt_in, g.stripe_subscription_id, g.stripe_customer_id, g.created_at, g.ended_at,
              c.id AS campaign_id, c.slug AS campaign_slug, c.title AS campaign_title, o.name AS organization_name
       FROM recurring_gifts g JOIN campaigns c ON c.id = g.campaign_id JOIN organizations o ON o.id = g.organization_id
       WHERE lower(g.donor_email) = lower($1) ORDER BY g.created_at, g.id`,
      [email],
    );
    const pledges: Record<string, any>[] = await manager.query(
      `SELECT p.id, p.amount::text AS amount, p.chosen_amount::text AS chosen_amount, p.covered_fees::text AS covered_fees, p.currency, p.state, p.donor_name, p.donor_email,
              p.anonymous, p.public_message, p.locale, p.designation, p.updates_opt_in, p.donation_id, p.stripe_customer_id, p.stripe_payment_method_id,
              p.created_at, p.pledged_at, p.decided_at, c.id AS campaign_id, c.slug AS campaign_slug, c.title AS campaign_title, o.name AS organization_name
       FROM pledges p JOIN campaigns c ON c.id = p.campaign_id JOIN organizations o ON o.id = p.organization_id
       WHERE lower(p.donor_email) = lower($1) ORDER BY p.created_at, p.id`,
      [email],
    );
    if (ids.length === 0) {
      return { donations, refunds: [], disputes: [], receipts: [], publicEntries: [], audit: [], requests, scheduledGifts, offlineGifts, recurringGifts, pledges, updateDeliveries: [] };
    }
    const updateDeliveries: Record<string, any>[] = await manager.query(
      `SELECT d.update_id, d.donation_id, u.campaign_id, u.title, d.locale, d.status, d.sent_at, d.created_at
       FROM campaign_update_deliveries d JOIN campaign_updates u ON u.id = d.update_id
       WHERE d.donation_id = ANY($1::uuid[]) ORDER BY d.created_at, d.id`, [ids]);
    const refunds: Record<string, any>[] = await manager.query(
      `SELECT id, donation_id, amount::text AS amount, status, stripe_refund_id, reason, created_at, updated_at
       FROM donation_refunds WHERE donation_id = ANY($1::uuid[]) ORDER BY created_at, id`, [ids]);
    const disputes: Record<string, any>[] = await manager.query(
      `SELECT stripe_dispute_id, donation_id, amount::text AS amount, status, outcome, reason, created_at, updated_at
       FROM donation_disputes WHERE donation_id = ANY($1::uuid[]) ORDER BY created_at, stripe_dispute_id`, [ids]);
    const receipts: Record<string, any>[] = await manager.query(
      `SELECT id, donation_id::text AS donation_id, kind, receipt_number, recipient, locale, status, sent_at, failed_at, created_at
       FROM receipts WHERE donation_id = ANY($1::text[]) ORDER BY created_at, id`, [ids]);
    // The public entries showing these gifts: their journal entries are keyed by Stripe's ids and carry the donation id.
    const sources = [
      ...donations.flatMap((d) => [d.stripe_charge_id, d.stripe_payment_intent_id, d.stripe_checkout_session_id]),
      ...refunds.map((r) => r.stripe_refund_id), ...disputes.map((x) => x.stripe_dispute_id),
    ].filter((s): s is string => typeof s === 'string');
    const publicEntries: Record<string, any>[] = sources.length === 0 ? [] : await manager.query(
      `SELECT j.metadata->>'donation_id' AS donation_id, p.campaign_id, p.idx::text AS idx, p.kind, p.amount::text AS amount, p.currency, p.occurred_at
       FROM journal_entries j JOIN public_ledger_entries p ON p.source_ref = j.id::text AND p.campaign_id = j.campaign_id
       WHERE j.source_id = ANY($1::text[]) AND j.metadata->>'donation_id' = ANY($2::text[])
       ORDER BY p.campaign_id, p.idx`, [[...new Set(sources)], ids]);
    const audit: Record<string, any>[] = await manager.query(
      `SELECT seq::text AS seq, action, target_type, target_id, details, created_at FROM audit_log
       WHERE target_type IN ('donation', 'refund') AND target_id = ANY($1::text[]) ORDER BY seq`,
      [[...ids, ...refunds.map((r) => r.id as string)]]);
    return { donations, refunds, disputes, receipts, publicEntries, audit, requests, scheduledGifts, offlineGifts, recurringGifts, pledges, updateDeliveries };
  }

  /** One row per donor address among the organization's settled gifts (optionally one campaign's); erased donors (no address) are left out. */
  async donorAggregates(organizationId: string, campaignId?: string): Promise<DonorAggregateRow[]> {
    return this.dataSource.query(
      `WITH gifts AS (
         SELECT lower(donor_email) AS email_key, donor_email, donor_name, anonymous, public_message, currency, amount, coalesce(settled_at, created_at) AS at, created_at, id
         FROM donations
         WHERE organization_id = $1 AND ($2::uuid IS NULL OR campaign_id = $2::uuid) AND status = ANY($3::text[]) AND donor_email IS NOT NULL AND donor_email <> ''
       ), per_currency AS (
         SELECT email_key, jsonb_object_agg(currency, total::text) AS totals
         FROM (SELECT email_key, currency, sum(amount) AS total FROM gifts GROUP BY email_key, currency) t GROUP BY email_key
       ), latest AS (
         -- Gifts settled in one batch share settled_at: the one made last breaks the tie.
         SELECT DISTINCT ON (email_key) email_key, donor_email, anonymous FROM gifts ORDER BY email_key, at DESC, created_at DESC, id DESC
       ), named AS (
         SELECT DISTINCT ON (email_key) email_key, donor_name FROM gifts WHERE donor_name IS NOT NULL AND donor_name <> '' ORDER BY email_key, at DESC, created_at DESC, id DESC
       )
       SELECT l.donor_email AS email, n.donor_name AS name, count(*)::int AS gifts, p.totals, min(g.at) AS first_gift_at, max(g.at) AS last_gift_at,
              count(*) FILTER (WHERE NOT g.anonymous)::int AS named_gifts, NOT l.anonymous AS latest_shows_name,
              count(*) FILTER (WHERE g.public_message IS NOT NULL AND g.public_message <> '')::int AS messages
       FROM gifts g JOIN latest l USING (email_key) JOIN per_currency p USING (email_key) LEFT JOIN named n USING (email_key)
       GROUP BY g.email_key, l.donor_email, l.anonymous, n.donor_name, p.totals
       ORDER BY min(g.at), g.email_key`,
      [organizationId, campaignId ?? null, SETTLED_STATUSES],
    );
  }

  async campaignBelongsTo(organizationId: string, campaignId: string): Promise<boolean> {
    const rows = await this.dataSource.query(`SELECT 1 FROM campaigns WHERE id = $1 AND organization_id = $2`, [campaignId, organizationId]);
    return rows.length > 0;
  }
}
