import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { ErasureSource, ErasureState, ErasureStep } from '../domain/erasure-request.js';
import { ADDRESS_HELD_SQL } from './donor-address.js';

export interface ErasureRequestRow {
  id: string;
  source: ErasureSource;
  state: ErasureState;
  email: string | null;
  emailHash: string;
  donationId: string | null;
  donationIds: string[] | null;
  /** Offline gifts recorded with the address (fixed at confirmation, like the card gifts). */
  offlineGiftIds: string[] | null;
  /** Recurring series, scheduled series and pledges of the address (or of the one gift), fixed at confirmation. */
  recurringGiftIds: string[] | null;
  scheduledGiftIds: string[] | null;
  pledgeIds: string[] | null;
  completedSteps: ErasureStep[];
  language: 'en' | 'ar';
  requestedBy: string;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
  expiresAt: Date | null;
  confirmedAt: Date | null;
  completedAt: Date | null;
}

/** What the erasure needs to know of a gift (no personal data is read). */
export interface GiftToErase {
  id: string;
  organizationId: string;
  campaignId: string;
  publicLeafIndex: number | null;
  stripeCheckoutSessionId: string | null;
  stripePaymentIntentId: string | null;
  stripeChargeId: string | null;
  erasedAt: Date | null;
}

/** The series and pledges a request erases beside its gifts (ids only). */
export interface SeriesToErase {
  recurringGiftIds: string[];
  scheduledGiftIds: string[];
  pledgeIds: string[];
}

export const NO_SERIES: SeriesToErase = { recurringGiftIds: [], scheduledGiftIds: [], pledgeIds: [] };

export const seriesCount = (s: SeriesToErase): number => s.recurringGiftIds.length + s.scheduledGiftIds.length + s.pledgeIds.length;

/** The tables holding a donor's series and pledges, each keyed by its ids list in SeriesToErase. */
const SERIES_TABLES = { recurringGiftIds: 'recurring_gifts', scheduledGiftIds: 'scheduled_gifts', pledgeIds: 'pledges' } as const;

const COLUMNS = `id, source, state, email, email_hash AS "emailHash", donation_id AS "donationId", donation_ids AS "donationIds", offline_gift_ids AS "offlineGiftIds",
  recurring_gift_ids AS "recurringGiftIds", scheduled_gift_ids AS "scheduledGiftIds", pledge_ids AS "pledgeIds",
  completed_steps AS "completedSteps", language, requested_by AS "requestedBy", attempts, last_error AS "lastError", created_at AS "createdAt",
  expires_at AS "expiresAt", confirmed_at AS "confirmedAt", completed_at AS "completedAt"`;

/** The only code that touches erasure_requests, and the erasure's writes to the tables holding personal data. */
@Injectable()
export class ErasureRepository {
  constructor(readonly dataSource: DataSource) {}

  async insert(manager: EntityManager, row: Pick<ErasureRequestRow, 'id' | 'source' | 'state' | 'email' | 'emailHash' | 'donationId' | 'donationIds' | 'language' | 'requestedBy' | 'expiresAt'> & { offlineGiftIds?: string[] | null; series?: SeriesToErase | null }): Promise<void> {
    await manager.query(
      `INSERT INTO erasure_requests (id, source, state, email, email_hash, donation_id, donation_ids, language, requested_by, expires_at, confirmed_at, offline_gift_ids,
         recurring_gift_ids, scheduled_gift_ids, pledge_ids)
       VALUES ($1, $2, $3, $4, $5, $6, $7::uuid[], $8, $9, $10, CASE WHEN $3 = 'confirmed' THEN now() END, $11::uuid[], $12::uuid[], $13::uuid[], $14::uuid[])`,
      [row.id, row.source, row.state, row.email, row.emailHash, row.donationId, row.donationIds, row.language, row.requestedBy, row.expiresAt, row.offlineGiftIds ?? null,
        row.series?.recurringGiftIds ?? null, row.series?.scheduledGiftIds ?? null, row.series?.pledgeIds ?? null],
    );
  }

  async find(id: string, manager: EntityManager = this.dataSource.manager, lock = false): Promise<ErasureRequestRow | null> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
    const rows: ErasureRequestRow[] = await manager.query(`SELECT ${COLUMNS} FROM erasure_requests WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
    return rows[0] ?? null;
  }

  /** Confirms a request, fixing the gifts it erases; the address is no longer needed and is dropped. */
  async confirm(manager: EntityManager, id: string, donationIds: string[], offlineGiftIds: string[] = [], series: SeriesToErase = NO_SERIES): Promise<void> {
    await manager.query(
      `UPDATE erasure_requests SET state = 'confirmed', confirmed_at = now(), donation_ids = $2::uuid[], offline_gift_ids = $3::uuid[],
         recurring_gift_ids = $4::uuid[], scheduled_gift_ids = $5::uuid[], pledge_ids = $6::uuid[], email = NULL
       WHERE id = $1 AND state = 'awaiting_confirmation'`,
      [id, donationIds, offlineGiftIds, series.recurringGiftIds, series.scheduledGiftIds, series.pledgeIds],
    );
  }

  async expire(manager: EntityManager, id: string): Promise<void> {
    await manager.query(`UPDATE erasure_requests SET state = 'expired', email = NULL WHERE id = $1 AND state = 'awaiting_confirmation'`, [id]);
  }

  /** Requests whose link lapsed: their address is dropped (run by the sweep). */
  async expireLapsed(limit: number): Promise<number> {
    const [, count]: [unknown, number] = await this.dataSource.query(
      `UPDATE erasure_requests SET state = 'expired', email = NULL
       WHERE id IN (SELECT id FROM erasure_requests WHERE state = 'awaiting_confirmation' AND expires_at <= now() LIMIT $1)`,
      [limit],
    );
    return count;
  }

  async stepDone(manager: EntityManager, id: string, step: ErasureStep): Promise<void> {
    await manager.query(
      `UPDATE erasure_requests SET completed_steps = array_append(completed_steps, $2::text) WHERE id = $1 AND NOT ($2::text = ANY(completed_steps))`,
      [id, step],
    );
  }

  async complete(manager: EntityManager, id: string): Promise<void> {
    await manager.query(`UPDATE erasure_requests SET state = 'completed', completed_at = now(), email = NULL, last_error = NULL WHERE id = $1 AND state = 'confirmed'`, [id]);
  }

  async recordAttempt(id: string, error: string | null): Promise<void> {
    await this.dataSource.query(`UPDATE erasure_requests SET attempts = attempts + 1, last_error = $2 WHERE id = $1`, [id, error]);
  }

  /** Confirmed requests not finished, oldest first (the sweep resumes them). */
  async unfinished(olderThanSeconds: number, limit: number): Promise<string[]> {
    const rows: { id: string }[] = await this.dataSource.query(
      `SELECT id FROM erasure_requests WHERE state = 'confirmed' AND confirmed_at <= now() - make_interval(secs => $1) ORDER BY confirmed_at LIMIT $2`,
      [olderThanSeconds, limit],
    );
    return rows.map((r) => r.id);
  }

  /** Ids of the gifts made with this (normalised) address and not yet erased. */
  async giftIdsByEmail(manager: EntityManager, email: string): Promise<string[]> {
    const rows: { id: string }[] = await manager.query(
      `SELECT id FROM donations WHERE lower(donor_email) = $1 AND erased_at IS NULL ORDER BY created_at, id`,
      [email],
    );
    return rows.map((r) => r.id);
  }

  /** Whether the address has anything to erase: gifts, offline gifts, series or pledges (an erased one has no address). */
  async hasGifts(email: string): Promise<boolean> {
    const [row] = await this.dataSource.query(ADDRESS_HELD_SQL, [email]);
    return row.found === true;
  }

  /** The recurring series, scheduled series and pledges made with this (normalised) address, not erased yet. */
  async seriesByEmail(manager: EntityManager, email: string): Promise<SeriesToErase> {
    const series = { ...NO_SERIES };
    for (const [key, table] of Object.entries(SERIES_TABLES) as [keyof SeriesToErase, string][]) {
      const rows: { id: string }[] = await manager.query(`SELECT id FROM ${table} WHERE lower(donor_email) = $1 ORDER BY created_at, id`, [email]);
      series[key] = rows.map((r) => r.id);
    }
    return series;
  }

  /** The series or pledge one gift belongs to (a paid invoice, a scheduled occurrence, a collected pledge). */
  async seriesOfGift(manager: EntityManager, donationId: string): Promise<SeriesToErase> {
    const ids = async (sql: string) => ((await manager.query(sql, [donationId])) as { id: string }[]).map((r) => r.id);
    return {
      recurringGiftIds: await ids(`SELECT recurring_gift_id AS id FROM donations WHERE id = $1 AND recurring_gift_id IS NOT NULL`),
      scheduledGiftIds: await ids(`SELECT DISTINCT scheduled_gift_id AS id FROM scheduled_charges WHERE donation_id = $1`),
      pledgeIds: await ids(`SELECT id FROM pledges WHERE donation_id = $1`),
    };
  }

  /** What the erasure needs of the series and pledges: their organization and the Stripe Customer holding the saved card. Locked when asked. */
  async seriesRows(manager: EntityManager, series: SeriesToErase, lock = false): Promise<{ id: string; kind: keyof SeriesToErase; organizationId: string; stripeCustomerId: string | null }[]> {
    const out: { id: string; kind: keyof SeriesToErase; organizationId: string; stripeCustomerId: string | null }[] = [];
    for (const [key, table] of Object.entries(SERIES_TABLES) as [keyof SeriesToErase, string][]) {
      if (series[key].length === 0) continue;
      const rows: Record<string, any>[] = await manager.query(
        `SELECT id, organization_id, stripe_customer_id FROM ${table} WHERE id = ANY($1::uuid[]) ORDER BY id${lock ? ' FOR UPDATE' : ''}`, [series[key]]);
      out.push(...rows.map((r) => ({ id: r.id as string, kind: key, organizationId: r.organization_id as string, stripeCustomerId: (r.stripe_customer_id as string | null) ?? null })));
    }
    return out;
  }

  /**
   * Recurring series and pledges: name, e-mail and message go (`erased_at` set; a CHECK lets the
   * address be NULL only then); amounts, schedule, state and Stripe ids stay, like the gifts'.
   */
  async scrubSeries(manager: EntityManager, table: 'recurring_gifts' | 'pledges', ids: string[]): Promise<number> {
    if (ids.length === 0) return 0;
    const [, count]: [unknown, number] = await manager.query(
      `UPDATE ${table} SET donor_name = NULL, donor_email = NULL, public_message = NULL, erased_at = coalesce(erased_at, now()), updated_at = now()
       WHERE id = ANY($1::uuid[]) AND (erased_at IS NULL OR donor_email IS NOT NULL OR donor_name IS NOT NULL OR public_message IS NOT NULL)`, [ids]);
    return count;
  }

  /** Notices about these series not sent yet (renewal failures, stops, moves) will not be: there is no address. */
  async skipUnsentSeriesNotices(manager: EntityManager, ids: string[]): Promise<number> {
    if (ids.length === 0) return 0;
    const [, count]: [unknown, number] = await manager.query(
      `UPDATE outbox SET status = 'skipped', finished_at = now(), last_error = 'donor data erased'
       WHERE status = 'pending' AND kind IN ('recurring_notice', 'scheduled_notice') AND aggregate_id = ANY($1::text[])`, [ids]);
    return count;
  }

  /** Ids of the offline gifts recorded with this (normalised) address and not erased yet (an erased one has no address). */
  async offlineGiftIdsByEmail(manager: EntityManager, email: string): Promise<string[]> {
    const rows: { id: string }[] = await manager.query(`SELECT id FROM offline_gifts WHERE lower(donor_email) = $1 ORDER BY created_at, id`, [email]);
    return rows.map((r) => r.id);
  }

  /** What the erasure needs of offline gifts: where their public entries are. Locked. */
  async offlineGifts(manager: EntityManager, ids: string[]): Promise<{ id: string; organizationId: string; campaignId: string; publicIndex: number | null }[]> {
    if (ids.length === 0) return [];
    const rows: Record<string, any>[] = await manager.query(
      `SELECT id, organization_id, campaign_id, public_index FROM offline_gifts WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`, [ids]);
    return rows.map((r) => ({ id: r.id, organizationId: r.organization_id, campaignId: r.campaign_id, publicIndex: r.public_index === null ? null : Number(r.public_index) }));
  }

  /** The offline gifts' donor name, e-mail and message (the only fields their trigger lets change besides the void). */
  async scrubOfflineGifts(manager: EntityManager, ids: string[]): Promise<number> {
    if (ids.length === 0) return 0;
    const [, count]: [unknown, number] = await manager.query(
      `UPDATE offline_gifts SET donor_name = NULL, donor_email = NULL, message = NULL
       WHERE id = ANY($1::uuid[]) AND (donor_name IS NOT NULL OR donor_email IS NOT NULL OR message IS NOT NULL)`, [ids]);
    return count;
  }

  /** Offline receipts not sent yet will not be (no address). */
  async skipUnsentOfflineReceipts(manager: EntityManager, ids: string[]): Promise<number> {
    if (ids.length === 0) return 0;
    const [, count]: [unknown, number] = await manager.query(
      `UPDATE outbox SET status = 'skipped', finished_at = now(), last_error = 'donor data erased'
       WHERE status = 'pending' AND kind = 'offline_receipt' AND aggregate_id = ANY($1::text[])`, [ids]);
    return count;
  }

  /**
   * Campaign update deliveries to these gifts' address: the keyed hash of the address is replaced by
   * a hash of the row's own id (the row no longer ties the address to the update; counts and statuses
   * stay; ids are unique, so UNIQUE (update_id, email_hash) holds; the same on a second run), the
   * error text goes, and a delivery not sent yet is skipped (there is no address to send it to).
   */
  async scrubUpdateDeliveries(manager: EntityManager, donationIds: string[]): Promise<number> {
    if (donationIds.length === 0) return 0;
    const [, count]: [unknown, number] = await manager.query(
      `UPDATE campaign_update_deliveries SET email_hash = encode(sha256(convert_to('erased:' || id::text, 'UTF8')), 'hex'),
         last_error = NULL, status = CASE WHEN status = 'pending' THEN 'skipped' ELSE status END
       WHERE donation_id = ANY($1::uuid[])
         AND (email_hash <> encode(sha256(convert_to('erased:' || id::text, 'UTF8')), 'hex') OR last_error IS NOT NULL OR status = 'pending')`, [donationIds]);
    return count;
  }

  async gifts(manager: EntityManager, ids: string[], lock = false): Promise<GiftToErase[]> {
    if (ids.length === 0) return [];
    const rows: Record<string, any>[] = await manager.query(
      `SELECT id, organization_id, campaign_id, public_leaf_index, stripe_checkout_session_id, stripe_payment_intent_id, stripe_charge_id, erased_at
       FROM donations WHERE id = ANY($1::uuid[]) ORDER BY id${lock ? ' FOR UPDATE' : ''}`,
      [ids],
    );
    return rows.map((r) => ({
      id: r.id, organizationId: r.organization_id, campaignId: r.campaign_id, publicLeafIndex: r.public_leaf_index === null ? null : Number(r.public_leaf_index),
      stripeCheckoutSessionId: r.stripe_checkout_session_id, stripePaymentIntentId: r.stripe_payment_intent_id, stripeChargeId: r.stripe_charge_id, erasedAt: r.erased_at,
    }));
  }

  /**
   * Removes the donor's name, e-mail, message and commitment salt from the gifts, keeping what
   * accounting needs (amounts, dates, Stripe ids) until `retain_until`. A gift erased before keeps
   * its first erasure date. Returns how many gifts were changed by this call.
   */
  async scrubGifts(manager: EntityManager, ids: string[], retentionDays: number): Promise<number> {
    const [, count]: [unknown, number] = await manager.query(
      `UPDATE donations SET donor_name = NULL, donor_email = NULL, public_message = NULL, donor_commitment_salt = NULL,
         erased_at = coalesce(erased_at, now()), retain_until = coalesce(retain_until, now() + make_interval(days => $2))
       WHERE id = ANY($1::uuid[]) AND (erased_at IS NULL OR donor_name IS NOT NULL OR donor_email IS NOT NULL OR public_message IS NOT NULL OR donor_commitment_salt IS NOT NULL)`,
      [ids, retentionDays],
    );
    return count;
  }

  /**
   * The donor page's sign-in links (issue 20) of the gifts' addresses, with any session they
   * started: deleted (they hold the address; a signed-in donor is signed out). Before scrubGifts.
   */
  async dropDonorSignInLinks(manager: EntityManager, ids: string[], series: SeriesToErase = NO_SERIES): Promise<number> {
    const [, count]: [unknown, number] = await manager.query(
      `DELETE FROM donor_sign_in_links WHERE email IN (
         SELECT lower(donor_email) FROM donations WHERE id = ANY($1::uuid[]) AND donor_email IS NOT NULL
         UNION SELECT lower(donor_email) FROM recurring_gifts WHERE id = ANY($2::uuid[]) AND donor_email IS NOT NULL
         UNION SELECT lower(donor_email) FROM scheduled_gifts WHERE id = ANY($3::uuid[]) AND donor_email IS NOT NULL
         UNION SELECT lower(donor_email) FROM pledges WHERE id = ANY($4::uuid[]) AND donor_email IS NOT NULL)`,
      [ids, series.recurringGiftIds, series.scheduledGiftIds, series.pledgeIds],
    );
    return count;
  }

  /**
   * The donor's scheduled series (Ramadan nights, Fridays), cancelled by the erasure's first step:
   * the series behind these gifts and those given with their addresses lose the name and address
   * (amounts, schedule and Stripe ids stay, as the gifts'). Before scrubGifts (found by address).
   */
  async scrubScheduledGifts(manager: EntityManager, ids: string[], seriesIds: string[] = []): Promise<number> {
    if (ids.length === 0 && seriesIds.length === 0) return 0;
    const [, count]: [unknown, number] = await manager.query(
      `UPDATE scheduled_gifts SET donor_name = NULL, donor_email = NULL, erased_at = coalesce(erased_at, now()), updated_at = now()
       WHERE (id = ANY($2::uuid[]) OR id IN (SELECT scheduled_gift_id FROM scheduled_charges WHERE donation_id = ANY($1::uuid[]))
           OR lower(donor_email) IN (SELECT lower(donor_email) FROM donations WHERE id = ANY($1::uuid[]) AND donor_email IS NOT NULL))
         AND (donor_email IS NOT NULL OR donor_name IS NOT NULL)`,
      [ids, seriesIds],
    );
    return count;
  }

  /** The receipts keep their numbers and delivery history, not the address. */
  async scrubReceipts(manager: EntityManager, ids: string[]): Promise<number> {
    const [, count]: [unknown, number] = await manager.query(
      `UPDATE receipts SET recipient = NULL WHERE donation_id = ANY($1::text[]) AND recipient IS NOT NULL`,
      [ids],
    );
    return count;
  }

  /** Messages about these gifts not sent yet (receipts, copies, refund notices) will not be: there is no one to send them to. */
  async skipUnsentMessages(manager: EntityManager, ids: string[]): Promise<number> {
    const [, count]: [unknown, number] = await manager.query(
      `UPDATE outbox SET status = 'skipped', finished_at = now(), last_error = 'donor data erased'
       WHERE status = 'pending' AND kind IN ('donation_receipt', 'receipt_copy', 'refund_notice')
         AND (aggregate_id = ANY($1::text[]) OR payload->>'donationId' = ANY($1::text[]))`,
      [ids],
    );
    return count;
  }

  /** Stored webhook payloads about these gifts' Stripe objects (session, payment intent, charge, customer). */
  async stripeEventPayloads(manager: EntityManager, objectIds: string[]): Promise<{ id: string; payload: unknown }[]> {
    if (objectIds.length === 0) return [];
    return manager.query(
      `SELECT id, payload FROM stripe_events
       WHERE object_id = ANY($1::text[]) OR payload->'data'->'object'->>'payment_intent' = ANY($1::text[])
          OR payload->'data'->'object'->>'charge' = ANY($1::text[]) OR payload->'data'->'object'->>'customer' = ANY($1::text[])
       ORDER BY id FOR UPDATE`,
      [objectIds],
    );
  }

  async replaceStripeEventPayload(manager: EntityManager, id: string, payload: unknown): Promise<void> {
    await manager.query(`UPDATE stripe_events SET payload = $2::jsonb WHERE id = $1`, [id, JSON.stringify(payload)]);
  }

  /** The Customer ids Stripe's own events named for these sessions (a session's `customer`). */
  async customerIdsFromEvents(manager: EntityManager, sessionIds: string[]): Promise<string[]> {
    if (sessionIds.length === 0) return [];
    const rows: { customer: string }[] = await manager.query(
      `SELECT DISTINCT payload->'data'->'object'->>'customer' AS customer FROM stripe_events
       WHERE object_id = ANY($1::text[]) AND payload->'data'->'object'->>'customer' IS NOT NULL`,
      [sessionIds],
    );
    return rows.map((r) => r.customer);
  }
}
