import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { ExistingAccrual, MatchingOfferState, MatchingStep, OpenCardSession } from '../domain/matching.js';

/** A matching offer as stored, with its running figures (maintained by the database's triggers). */
export interface MatchingOffer extends MatchingOfferState {
  organizationId: string;
  campaignId: string;
  sponsorName: string;
  createdBy: string;
  createdAt: Date;
  requestHash: string;
}

export interface NewMatchingOfferRow {
  id: string;
  organizationId: string;
  campaignId: string;
  idempotencyKey: string;
  requestHash: string;
  sponsorName: string;
  ratioNumerator: number;
  ratioDenominator: number;
  cap: bigint;
  currency: string;
  startsAt: Date;
  endsAt: Date;
  createdBy: string;
}

/** What was reopened of card collection `c` (its reopenings' sum, text). */
const REOPENED_OF_C = '(SELECT COALESCE(sum(r.amount), 0)::text FROM matching_card_reopenings r WHERE r.donation_id = c.donation_id)';

/**
 * One collection of an offer, with its public entry: an offline gift the organization recorded
 * (`offline`), or the sponsor's card payment (`card`: a donation, never voided here).
 */
export interface MatchingCollection {
  offerId: string;
  kind: 'offline' | 'card';
  offlineGiftId: string | null;
  donationId: string | null;
  amount: bigint;
  publicIndex: number | null;
  voided: boolean;
  /** How much of `amount` is owed again: all of it for a voided offline gift; for a card payment, what its refunds and lost disputes gave back of it. */
  reopened: bigint;
  /**
   * The sponsor's payment as its public entry counts it: an offline gift's amount (= `amount`); a card
   * payment's donation entry (in the report's `raised`, before refunds; any excess over the pledge
   * included; 0 while not published).
   */
  paid: bigint;
  createdAt: Date;
}

/** A sponsor's card payment as collected, and how much of the collection was reopened since. */
export interface CardCollection {
  donationId: string;
  offerId: string;
  giftAmount: bigint;
  amount: bigint;
  reopened: bigint;
}

/** A Checkout Session opened for a sponsor (collection by card). */
export interface CardRequest {
  donationId: string;
  offerId: string;
  amount: bigint;
  sessionId: string | null;
}

/** An obsolete card session waiting to be expired on Stripe (`matching_card_expiries`), with what the audit line names. */
export interface DueCardExpiry {
  donationId: string;
  offerId: string;
  organizationId: string;
  campaignId: string;
  sessionId: string;
  amount: bigint;
  owed: bigint;
  currency: string;
  attempts: number;
}

export type CardExpiryOutcome = 'expired' | 'already_expired' | 'completed';

const COLUMNS = `id, organization_id, campaign_id, sponsor_name, ratio_numerator, ratio_denominator, cap::text, currency, starts_at, ends_at,
  accrued::text, collected::text, created_by, created_at, request_hash`;

function toOffer(r: Record<string, any>): MatchingOffer {
  return {
    id: r.id, organizationId: r.organization_id, campaignId: r.campaign_id, sponsorName: r.sponsor_name, ratioNumerator: Number(r.ratio_numerator),
    ratioDenominator: Number(r.ratio_denominator), cap: BigInt(r.cap), currency: r.currency, startsAt: r.starts_at, endsAt: r.ends_at,
    accrued: BigInt(r.accrued), collected: BigInt(r.collected), createdBy: r.created_by, createdAt: r.created_at, requestHash: r.request_hash,
  };
}

@Injectable()
export class MatchingRepository {
  constructor(private readonly dataSource: DataSource) {}

  async lockKey(manager: EntityManager, organizationId: string, idempotencyKey: string): Promise<void> {
    await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended('matching_offer:' || $1 || ':' || $2, 0))`, [organizationId, idempotencyKey]);
  }

  async findByKey(manager: EntityManager, organizationId: string, idempotencyKey: string): Promise<MatchingOffer | null> {
    const [r] = await manager.query(`SELECT ${COLUMNS} FROM matching_offers WHERE organization_id = $1 AND idempotency_key = $2`, [organizationId, idempotencyKey]);
    return r ? toOffer(r) : null;
  }

  async insert(manager: EntityManager, row: NewMatchingOfferRow): Promise<void> {
    await manager.query(
      `INSERT INTO matching_offers (id, organization_id, campaign_id, idempotency_key, request_hash, sponsor_name, ratio_numerator, ratio_denominator, cap, currency, starts_at, ends_at, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
      [row.id, row.organizationId, row.campaignId, row.idempotencyKey, row.requestHash, row.sponsorName, row.ratioNumerator, row.ratioDenominator, row.cap.toString(),
        row.currency, row.startsAt, row.endsAt, row.createdBy],
    );
  }

  /** One offer of the organization's campaign; `lock` takes its row lock (a collection). */
  async find(organizationId: string, campaignId: string, offerId: string, manager: EntityManager = this.dataSource.manager, lock = false): Promise<MatchingOffer | null> {
    const [r] = await manager.query(
      `SELECT ${COLUMNS} FROM matching_offers WHERE id = $1 AND organization_id = $2 AND campaign_id = $3${lock ? ' FOR UPDATE' : ''}`, [offerId, organizationId, campaignId],
    );
    return r ? toOffer(r) : null;
  }

  /** A campaign's offers, newest window first. */
  async list(campaignId: string, manager: EntityManager = this.dataSource.manager): Promise<MatchingOffer[]> {
    const rows = await manager.query(`SELECT ${COLUMNS} FROM matching_offers WHERE campaign_id = $1 ORDER BY starts_at DESC, id LIMIT 200`, [campaignId]);
    return rows.map(toOffer);
  }

  /**
   * Locks (in id order, so two settlements never wait on each other crosswise) the offers the gifts
   * may touch: those of their campaigns still open after the earliest settlement, and those the
   * gifts already accrued under; with the gifts' existing accruals. One query each; none when the
   * campaigns have no offer.
   */
  async lockForGifts(
    manager: EntityManager, campaignIds: readonly string[], donationIds: readonly string[], earliest: Date, alsoOfferIds: readonly string[] = [],
  ): Promise<{ offers: MatchingOffer[]; accruals: ExistingAccrual[] }> {
    // `alsoOfferIds`: offers a sponsor's card payment collects, locked in the same id order as the rest.
    const rows = await manager.query(
      `SELECT ${COLUMNS} FROM matching_offers
        WHERE (campaign_id = ANY($1::uuid[])
          AND (ends_at > $3 OR id IN (SELECT offer_id FROM matching_accruals WHERE donation_id = ANY($2::uuid[]))))
           OR id = ANY($4::uuid[])
        ORDER BY id FOR UPDATE`,
      [campaignIds, donationIds, earliest, alsoOfferIds],
    );
    if (rows.length === 0) return { offers: [], accruals: [] };
    const accruals = await manager.query(
      `SELECT offer_id, donation_id, accrued::text, reduced::text FROM matching_accruals WHERE donation_id = ANY($1::uuid[]) AND offer_id = ANY($2::uuid[])`,
      [donationIds, rows.map((r: { id: string }) => r.id)],
    );
    return {
      offers: rows.map(toOffer),
      accruals: accruals.map((a: Record<string, string>) => ({ offerId: a.offer_id, donationId: a.donation_id, accrued: BigInt(a.accrued), reduced: BigInt(a.reduced) })),
    };
  }

  /** Records planned steps; the triggers move the offers' figures and their CHECKs hold the cap. */
  async apply(manager: EntityManager, steps: readonly MatchingStep[]): Promise<void> {
    for (const step of steps) {
      if (step.kind === 'accrue') {
        await manager.query(
          `INSERT INTO matching_accruals (offer_id, donation_id, gift_amount, accrued, settled_at) VALUES ($1, $2, $3, $4, $5)`,
          [step.offerId, step.donationId, step.giftAmount.toString(), step.amount.toString(), step.settledAt],
        );
      } else {
        await manager.query(
          `UPDATE matching_accruals SET reduced = reduced + $3, updated_at = now() WHERE offer_id = $1 AND donation_id = $2`,
          [step.offerId, step.donationId, step.amount.toString()],
        );
      }
    }
  }

  async insertCollection(manager: EntityManager, offerId: string, offlineGiftId: string, amount: bigint): Promise<void> {
    await manager.query(`INSERT INTO matching_collections (offline_gift_id, offer_id, amount) VALUES ($1, $2, $3)`, [offlineGiftId, offerId, amount.toString()]);
  }

  async collectionOf(manager: EntityManager, offlineGiftId: string): Promise<{ offerId: string } | null> {
    const [r] = await manager.query(`SELECT offer_id FROM matching_collections WHERE offline_gift_id = $1`, [offlineGiftId]);
    return r ? { offerId: r.offer_id } : null;
  }

  /**
   * The collection an offline gift made, once its void reopened the pledge (the database's triggers
   * took its amount off the offer's `collected`), with the offer's figures after it. Null: the gift
   * collected no offer.
   */
  async reopenedBy(manager: EntityManager, offlineGiftId: string): Promise<{ offerId: string; amount: bigint; accrued: bigint; collected: bigint } | null> {
    const [r] = await manager.query(
      `SELECT c.offer_id, c.amount::text AS amount, o.accrued::text AS accrued, o.collected::text AS collected
         FROM matching_collections c JOIN matching_offers o ON o.id = c.offer_id WHERE c.offline_gift_id = $1 AND c.voided_at IS NOT NULL`,
      [offlineGiftId],
    );
    return r ? { offerId: r.offer_id, amount: BigInt(r.amount), accrued: BigInt(r.accrued), collected: BigInt(r.collected) } : null;
  }

  /** The collections of some offers, oldest first, with their public entries (card ones with amount 0 too). */
  async collections(offerIds: readonly string[], manager: EntityManager = this.dataSource.manager): Promise<MatchingCollection[]> {
    if (offerIds.length === 0) return [];
    const rows = await manager.query(
      `SELECT c.offer_id, c.offline_gift_id, c.amount::text, c.created_at, g.public_index::text, g.voided_at IS NOT NULL AS voided
         FROM matching_collections c JOIN offline_gifts g ON g.id = c.offline_gift_id
        WHERE c.offer_id = ANY($1::uuid[]) ORDER BY c.created_at, c.offline_gift_id`,
      [offerIds],
    );
    // Card collections: the sponsor's donation, named by its public entry (the donation entry of its
    // journal entry), and `paid`, that entry's amount (0 while not published). One that fitted nothing
    // (amount 0) collected nothing: returned for its payment, not listed as a collection (see MatchingService).
    const cards = await manager.query(
      `SELECT c.offer_id, c.donation_id, c.amount::text, c.created_at,
              ${REOPENED_OF_C} AS reopened, e.idx::text AS public_index, COALESCE(e.amount, 0)::text AS paid
         FROM matching_card_collections c JOIN donations d ON d.id = c.donation_id
         LEFT JOIN LATERAL (SELECT p.idx, p.amount FROM journal_entries j JOIN public_ledger_entries p ON p.campaign_id = j.campaign_id AND p.source_ref = j.id::text AND p.kind = 'donation'
                             WHERE j.campaign_id = d.campaign_id AND j.metadata->>'donation_id' = c.donation_id::text ORDER BY p.idx LIMIT 1) e ON true
        WHERE c.offer_id = ANY($1::uuid[])`,
      [offerIds],
    );
    const all: MatchingCollection[] = [
      ...rows.map((r: Record<string, any>) => ({
        offerId: r.offer_id, kind: 'offline' as const, offlineGiftId: r.offline_gift_id, donationId: null, amount: BigInt(r.amount),
        publicIndex: r.public_index === null ? null : Number(r.public_index), voided: r.voided, reopened: r.voided ? BigInt(r.amount) : 0n, paid: BigInt(r.amount), createdAt: r.created_at,
      })),
      ...cards.map((r: Record<string, any>) => ({
        offerId: r.offer_id, kind: 'card' as const, offlineGiftId: null, donationId: r.donation_id, amount: BigInt(r.amount),
        publicIndex: r.public_index === null ? null : Number(r.public_index), voided: false, reopened: BigInt(r.reopened), paid: BigInt(r.paid), createdAt: r.created_at,
      })),
    ];
    return all.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  }

  async lockCardKey(manager: EntityManager, organizationId: string, idempotencyKey: string): Promise<void> {
    await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended('matching_card:' || $1 || ':' || $2, 0))`, [organizationId, idempotencyKey]);
  }

  /** The card request a key opened, with its donation's session (null until the session was created). */
  async cardRequestByKey(manager: EntityManager, organizationId: string, idempotencyKey: string): Promise<CardRequest | null> {
    const [r] = await manager.query(
      `SELECT r.donation_id, r.offer_id, r.amount::text, d.stripe_checkout_session_id
         FROM matching_card_requests r JOIN donations d ON d.id = r.donation_id WHERE r.organization_id = $1 AND r.idempotency_key = $2`,
      [organizationId, idempotencyKey],
    );
    return r ? { donationId: r.donation_id, offerId: r.offer_id, amount: BigInt(r.amount), sessionId: r.stripe_checkout_session_id } : null;
  }

  async insertCardRequest(manager: EntityManager, row: { donationId: string; offerId: string; organizationId: string; idempotencyKey: string; amount: bigint; requestedBy: string }): Promise<void> {
    await manager.query(
      `INSERT INTO matching_card_requests (donation_id, offer_id, organization_id, idempotency_key, amount, requested_by) VALUES ($1, $2, $3, $4, $5, $6)`,
      [row.donationId, row.offerId, row.organizationId, row.idempotencyKey, row.amount.toString(), row.requestedBy],
    );
  }

  /** Which of some donations are sponsors' card payments, and whether each already collected (settled once). */
  async cardRequestsOf(manager: EntityManager, donationIds: readonly string[]): Promise<{ donationId: string; offerId: string; recorded: boolean }[]> {
    if (donationIds.length === 0) return [];
    const rows = await manager.query(
      `SELECT r.donation_id, r.offer_id, c.donation_id IS NOT NULL AS recorded
         FROM matching_card_requests r LEFT JOIN matching_card_collections c ON c.donation_id = r.donation_id WHERE r.donation_id = ANY($1::uuid[])`,
      [donationIds],
    );
    return rows.map((r: Record<string, any>) => ({ donationId: r.donation_id, offerId: r.offer_id, recorded: r.recorded }));
  }

  /** The card collections of these donations (sponsors' payments already collected), with what was reopened of each. */
  async cardCollectionsOf(manager: EntityManager, donationIds: readonly string[]): Promise<CardCollection[]> {
    if (donationIds.length === 0) return [];
    const rows = await manager.query(
      `SELECT c.donation_id, c.offer_id, c.gift_amount::text, c.amount::text,
              ${REOPENED_OF_C} AS reopened
         FROM matching_card_collections c WHERE c.donation_id = ANY($1::uuid[])`,
      [donationIds],
    );
    return rows.map((r: Record<string, string>) => ({ donationId: r.donation_id, offerId: r.offer_id, giftAmount: BigInt(r.gift_amount), amount: BigInt(r.amount), reopened: BigInt(r.reopened) }));
  }

  /** Reopens part of a card collection; the trigger takes `amount` off the offer's `collected` and refuses more than was collected. */
  async insertCardReopening(manager: EntityManager, donationId: string, offerId: string, amount: bigint, reason: 'refund' | 'dispute_lost'): Promise<void> {
    await manager.query(
      `INSERT INTO matching_card_reopenings (donation_id, seq, offer_id, amount, reason)
       SELECT $1, COALESCE(max(seq), 0) + 1, $2, $3, $4 FROM matching_card_reopenings WHERE donation_id = $1`,
      [donationId, offerId, amount.toString(), reason],
    );
  }

  /** Records a card payment's collection; the trigger adds `amount` to the offer's `collected` (CHECK collected ≤ accrued). */
  async insertCardCollection(manager: EntityManager, donationId: string, offerId: string, giftAmount: bigint, amount: bigint): Promise<void> {
    await manager.query(
      `INSERT INTO matching_card_collections (donation_id, offer_id, gift_amount, amount) VALUES ($1, $2, $3, $4)`,
      [donationId, offerId, giftAmount.toString(), amount.toString()],
    );
  }

  /**
   * An offer's card sessions still open (read under the offer's row lock): the request's session was
   * created, its donation is still pending, it collected nothing and no expiry was asked for it yet.
   */
  async openCardSessions(manager: EntityManager, offerId: string): Promise<OpenCardSession[]> {
    const rows = await manager.query(
      `SELECT r.donation_id, r.amount::text
         FROM matching_card_requests r JOIN donations d ON d.id = r.donation_id
        WHERE r.offer_id = $1 AND d.status = 'pending' AND d.stripe_checkout_session_id IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM matching_card_collections c WHERE c.donation_id = r.donation_id)
          AND NOT EXISTS (SELECT 1 FROM matching_card_expiries e WHERE e.donation_id = r.donation_id)
        ORDER BY r.created_at, r.donation_id`,
      [offerId],
    );
    return rows.map((r: Record<string, string>) => ({ donationId: r.donation_id, amount: BigInt(r.amount) }));
  }

  /** Asks for these sessions to be expired (the worker does it); asking twice changes nothing. */
  async requestCardExpiries(manager: EntityManager, offerId: string, donationIds: readonly string[], owed: bigint): Promise<void> {
    if (donationIds.length === 0) return;
    await manager.query(
      `INSERT INTO matching_card_expiries (donation_id, offer_id, owed) SELECT unnest($1::uuid[]), $2, $3 ON CONFLICT (donation_id) DO NOTHING`,
      [donationIds, offerId, owed.toString()],
    );
  }

  /** Expiries due now (not done, their retry time reached), oldest first. */
  async dueCardExpiries(limit: number): Promise<DueCardExpiry[]> {
    const rows = await this.dataSource.query(
      `SELECT e.donation_id, e.offer_id, r.organization_id, d.campaign_id, d.stripe_checkout_session_id, r.amount::text, e.owed::text, d.currency, e.attempts
         FROM matching_card_expiries e JOIN matching_card_requests r ON r.donation_id = e.donation_id JOIN donations d ON d.id = e.donation_id
        WHERE e.done_at IS NULL AND e.next_attempt_at <= now()
        ORDER BY e.next_attempt_at, e.donation_id LIMIT $1`,
      [limit],
    );
    return rows.map((r: Record<string, any>) => ({
      donationId: r.donation_id, offerId: r.offer_id, organizationId: r.organization_id, campaignId: r.campaign_id, sessionId: r.stripe_checkout_session_id,
      amount: BigInt(r.amount), owed: BigInt(r.owed), currency: r.currency, attempts: Number(r.attempts),
    }));
  }

  /** Records the outcome once; false when another worker recorded it first. */
  async finishCardExpiry(manager: EntityManager, donationId: string, outcome: CardExpiryOutcome): Promise<boolean> {
    // UPDATE comes back from TypeORM as [rows, rowCount].
    const [, count] = await manager.query(
      `UPDATE matching_card_expiries SET done_at = now(), outcome = $2, attempts = attempts + 1, last_error = NULL WHERE donation_id = $1 AND done_at IS NULL`,
      [donationId, outcome],
    );
    return count > 0;
  }

  /** A failed attempt (Stripe unreachable): tried again after a growing pause (2, 4, 8 … seconds, at most 5 minutes). */
  async retryCardExpiry(donationId: string, error: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE matching_card_expiries SET attempts = attempts + 1, last_error = left($2, 1000),
              next_attempt_at = now() + make_interval(secs => least(power(2, least(attempts + 1, 20)), 300))
        WHERE donation_id = $1 AND done_at IS NULL`,
      [donationId, error],
    );
  }

  /** The offers of some public campaigns (by id), for their pages and reports: one query for many visitors. */
  async publicOffers(campaignIds: readonly string[]): Promise<MatchingOffer[]> {
    if (campaignIds.length === 0) return [];
    const rows = await this.dataSource.query(`SELECT ${COLUMNS} FROM matching_offers WHERE campaign_id = ANY($1::uuid[]) ORDER BY starts_at DESC, id LIMIT 1000`, [campaignIds]);
    return rows.map(toOffer);
  }
}
