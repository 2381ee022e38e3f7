import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { PledgeState } from '../domain/pledges.js';
import type { Queryable } from '@ataa/database';

export interface Pledge {
  id: string;
  campaignId: string;
  organizationId: string;
  seq: number;
  currency: string;
  amount: bigint;
  chosenAmount: bigint;
  coveredFees: bigint;
  platformFeeBps: number;
  /** NULL once the donor's data was erased (docs/privacy.md): the pledge was cancelled then, and nothing is mailed. */
  donorEmail: string | null;
  donorName: string | null;
  anonymous: boolean;
  publicMessage: string | null;
  messageReview: 'held' | null;
  locale: 'en' | 'ar';
  state: PledgeState;
  stripeCheckoutSessionId: string | null;
  stripeSetupIntentId: string | null;
  stripeCustomerId: string | null;
  stripePaymentMethodId: string | null;
  donationId: string | null;
  stripePaymentIntentId: string | null;
  completionSessionId: string | null;
  attempts: number;
  lastError: string | null;
  graceEndsAt: Date | null;
  donorNotifiedAt: Date | null;
  cardDetachedAt: Date | null;
  pledgedAt: Date | null;
  decidedAt: Date | null;
  createdAt: Date;
  /** The gift's designation once collected (null: the campaign declared none, so general). */
  designation?: string | null;
  /** The donor ticked "e-mail me this campaign's updates": the collected gift carries it (the update mailer reads gifts). */
  updatesOptIn?: boolean;
}

export interface NewPledge {
  id: string;
  campaignId: string;
  organizationId: string;
  currency: string;
  amount: bigint;
  chosenAmount: bigint;
  coveredFees: bigint;
  platformFeeBps: number;
  donorEmail: string;
  donorName: string | null;
  anonymous: boolean;
  publicMessage: string | null;
  messageReview: 'held' | null;
  locale: 'en' | 'ar';
  designation: string | null;
  updatesOptIn: boolean;
}

const toPledge = (r: Record<string, any>): Pledge => ({
  id: r.id, campaignId: r.campaign_id, organizationId: r.organization_id, seq: Number(r.seq), currency: r.currency, amount: BigInt(r.amount),
  chosenAmount: BigInt(r.chosen_amount), coveredFees: BigInt(r.covered_fees), platformFeeBps: r.platform_fee_bps, donorEmail: r.donor_email,
  donorName: r.donor_name, anonymous: r.anonymous, publicMessage: r.public_message, messageReview: r.message_review, locale: r.locale === 'ar' ? 'ar' : 'en',
  state: r.state, stripeCheckoutSessionId: r.stripe_checkout_session_id, stripeSetupIntentId: r.stripe_setup_intent_id, stripeCustomerId: r.stripe_customer_id,
  stripePaymentMethodId: r.stripe_payment_method_id, donationId: r.donation_id, stripePaymentIntentId: r.stripe_payment_intent_id,
  completionSessionId: r.completion_session_id, attempts: r.attempts, lastError: r.last_error, graceEndsAt: r.grace_ends_at, donorNotifiedAt: r.donor_notified_at,
  cardDetachedAt: r.card_detached_at, pledgedAt: r.pledged_at, decidedAt: r.decided_at, createdAt: r.created_at,
  designation: r.designation ?? null, updatesOptIn: r.updates_opt_in === true,
});

const COLUMNS = `*, amount::text AS amount, chosen_amount::text AS chosen_amount, covered_fees::text AS covered_fees, seq::text AS seq`;

/** The pledges' rows (plain SQL, like the close-out's). State changes are guarded by the state they leave, so a duplicate run changes nothing. */
@Injectable()
export class PledgeRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(p: NewPledge): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO pledges (id, campaign_id, organization_id, currency, amount, chosen_amount, covered_fees, platform_fee_bps, donor_email, donor_name,
         anonymous, public_message, message_review, locale, designation, updates_opt_in)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
      [p.id, p.campaignId, p.organizationId, p.currency, p.amount.toString(), p.chosenAmount.toString(), p.coveredFees.toString(), p.platformFeeBps,
        p.donorEmail, p.donorName, p.anonymous, p.publicMessage, p.messageReview, p.locale, p.designation, p.updatesOptIn],
    );
  }

  async find(id: string, manager: EntityManager = this.dataSource.manager): Promise<Pledge | null> {
    const [row] = await manager.query(`SELECT ${COLUMNS} FROM pledges WHERE id = $1`, [id]);
    return row ? toPledge(row) : null;
  }

  async lock(m: EntityManager, id: string): Promise<Pledge | null> {
    const [row] = await m.query(`SELECT ${COLUMNS} FROM pledges WHERE id = $1 FOR UPDATE`, [id]);
    return row ? toPledge(row) : null;
  }

  async forCampaign(campaignId: string): Promise<Pledge[]> {
    const rows = await this.dataSource.query(`SELECT ${COLUMNS} FROM pledges WHERE campaign_id = $1 ORDER BY pledges.seq`, [campaignId]);
    return rows.map(toPledge);
  }

  async setSession(id: string, sessionId: string, customerId: string): Promise<void> {
    await this.dataSource.query(`UPDATE pledges SET stripe_checkout_session_id = $2, stripe_customer_id = $3, updated_at = now() WHERE id = $1`, [id, sessionId, customerId]);
  }

  /** The card is saved: `open` → `pledged` (only once; a repeated event changes nothing). */
  async markPledged(id: string, setupIntentId: string, customerId: string, paymentMethodId: string): Promise<boolean> {
    const rows = await this.dataSource.query(
      `UPDATE pledges SET state = 'pledged', stripe_setup_intent_id = $2, stripe_customer_id = $3, stripe_payment_method_id = $4, pledged_at = now(), updated_at = now()
        WHERE id = $1 AND state = 'open' RETURNING id`,
      [id, setupIntentId, customerId, paymentMethodId],
    );
    return rows.length > 0;
  }

  /** Sum of the pledges that count toward the goal (`pledged`), read under the close-out's campaign lock. */
  async pledgedTotal(m: EntityManager, campaignId: string): Promise<bigint> {
    const [{ total }] = await m.query(`SELECT coalesce(sum(amount), 0)::text AS total FROM pledges WHERE campaign_id = $1 AND state = 'pledged'`, [campaignId]);
    return BigInt(total);
  }

  /** Open close-out work, lowest sequence first. */
  async openForCloseOut(campaignId: string, states: readonly PledgeState[], limit: number): Promise<Pledge[]> {
    const rows = await this.dataSource.query(`SELECT ${COLUMNS} FROM pledges WHERE campaign_id = $1 AND state = ANY($2::text[]) ORDER BY pledges.seq LIMIT $3`, [campaignId, states, limit]);
    return rows.map(toPledge);
  }

  /**
   * Reserves the charge: `pledged` → `charging` and the gift it will become (a pending donation with
   * the pledge's amounts and donor), in one transaction. A pledge already charging keeps its gift.
   */
  async reserveCharge(m: EntityManager, pledge: Pledge, donationId: string): Promise<string | null> {
    const locked = await this.lock(m, pledge.id);
    if (!locked) return null;
    if (locked.state === 'charging') return locked.donationId;
    if (locked.state !== 'pledged') return null;
    await m.query(
      `INSERT INTO donations (id, campaign_id, organization_id, currency, amount, chosen_amount, covered_fees, platform_fee_bps,
         donor_name, donor_email, anonymous, public_message, locale, message_review, designation, updates_opt_in)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
      [donationId, locked.campaignId, locked.organizationId, locked.currency, locked.amount.toString(), locked.chosenAmount.toString(), locked.coveredFees.toString(),
        locked.platformFeeBps, locked.donorName, locked.donorEmail, locked.anonymous, locked.publicMessage, locked.locale, locked.messageReview, locked.designation ?? null,
        locked.updatesOptIn === true],
    );
    await m.query(`UPDATE pledges SET state = 'charging', donation_id = $2, decided_at = now(), updated_at = now() WHERE id = $1`, [pledge.id, donationId]);
    return donationId;
  }

  async noteAttempt(id: string, error: string | null): Promise<void> {
    await this.dataSource.query(`UPDATE pledges SET attempts = attempts + 1, last_error = $2, updated_at = now() WHERE id = $1`, [id, error === null ? null : error.slice(0, 500)]);
  }

  /** The gift's PaymentIntent, linked before it is settled (so its events find the gift by id as well as by metadata). */
  async linkPaymentIntent(m: EntityManager, pledgeId: string, donationId: string, paymentIntentId: string): Promise<void> {
    await m.query(`UPDATE pledges SET stripe_payment_intent_id = $2, updated_at = now() WHERE id = $1`, [pledgeId, paymentIntentId]);
    await m.query(`UPDATE donations SET stripe_payment_intent_id = coalesce(stripe_payment_intent_id, $2), updated_at = now() WHERE id = $1`, [donationId, paymentIntentId]);
  }

  async markCollected(m: EntityManager, id: string): Promise<boolean> {
    const rows = await m.query(`UPDATE pledges SET state = 'collected', last_error = NULL, updated_at = now() WHERE id = $1 AND state IN ('charging', 'awaiting_donor') RETURNING id`, [id]);
    return rows.length > 0;
  }

  async markAwaitingDonor(id: string, paymentIntentId: string | null, reason: string, graceEndsAt: Date): Promise<boolean> {
    const rows = await this.dataSource.query(
      `UPDATE pledges SET state = 'awaiting_donor', stripe_payment_intent_id = coalesce($2, stripe_payment_intent_id), last_error = $3, grace_ends_at = $4, attempts = attempts + 1, updated_at = now()
        WHERE id = $1 AND state = 'charging' RETURNING id`,
      [id, paymentIntentId, reason.slice(0, 500), graceEndsAt],
    );
    return rows.length > 0;
  }

  async markFailed(id: string): Promise<boolean> {
    const rows = await this.dataSource.query(`UPDATE pledges SET state = 'failed', updated_at = now() WHERE id = $1 AND state = 'awaiting_donor' RETURNING id`, [id]);
    return rows.length > 0;
  }

  async markReleased(id: string): Promise<boolean> {
    const rows = await this.dataSource.query(`UPDATE pledges SET state = 'released', decided_at = now(), updated_at = now() WHERE id = $1 AND state = 'pledged' RETURNING id`, [id]);
    return rows.length > 0;
  }

  /**
   * The erasure's pledges (named, or behind these gifts) not decided yet (`open`, `pledged`):
   * cancelled, so the close-out never charges them (nor counts them toward the goal). A pledge
   * already charging or decided keeps its state (its gift is erased with the others). Returns the
   * setup sessions of those that were still open. Idempotent: a cancelled pledge is not matched.
   */
  async cancelForErasure(ids: readonly string[], donationIds: readonly string[]): Promise<{ id: string; sessionId: string | null; wasOpen: boolean }[]> {
    const rows: { id: string; stripe_checkout_session_id: string | null; was_open: boolean }[] = await this.dataSource.query(
      `UPDATE pledges p SET state = 'cancelled', decided_at = coalesce(decided_at, now()), updated_at = now()
       FROM (SELECT id, state = 'open' AS was_open FROM pledges WHERE (id = ANY($1::uuid[]) OR donation_id = ANY($2::uuid[])) AND state IN ('open', 'pledged') FOR UPDATE) o
       WHERE p.id = o.id AND p.state IN ('open', 'pledged') RETURNING p.id, p.stripe_checkout_session_id, o.was_open`,
      [ids, donationIds],
    );
    return rows.map((r) => ({ id: r.id, sessionId: r.stripe_checkout_session_id, wasOpen: r.was_open }));
  }

  /** Pledges whose donor never finished saving a card: cancelled when the campaign closes. */
  async cancelOpen(campaignId: string): Promise<string[]> {
    const rows = await this.dataSource.query(`UPDATE pledges SET state = 'cancelled', updated_at = now() WHERE campaign_id = $1 AND state = 'open' RETURNING stripe_checkout_session_id`, [campaignId]);
    return rows.map((r: { stripe_checkout_session_id: string | null }) => r.stripe_checkout_session_id).filter((s: string | null): s is string => s !== null);
  }

  async markNotified(id: string): Promise<void> {
    await this.dataSource.query(`UPDATE pledges SET donor_notified_at = now(), updated_at = now() WHERE id = $1`, [id]);
  }

  async markCardDetached(id: string): Promise<void> {
    await this.dataSource.query(`UPDATE pledges SET card_detached_at = now(), updated_at = now() WHERE id = $1`, [id]);
  }

  /**
   * The payment page the donor opened: the gift follows that session (a later one replaces an
   * expired one while the gift is unsettled), so the usual settlement path posts it when paid.
   */
  async setCompletionSession(m: EntityManager, id: string, sessionId: string): Promise<void> {
    await m.query(`UPDATE pledges SET completion_session_id = $2, updated_at = now() WHERE id = $1`, [id, sessionId]);
    await m.query(
      `UPDATE donations SET stripe_checkout_session_id = $2, updated_at = now() WHERE id = (SELECT donation_id FROM pledges WHERE id = $1) AND settled_at IS NULL`,
      [id, sessionId],
    );
  }

  /** Pledges in a final state whose donor was not told yet (released, failed), or collected/failed/released with a card still attached. */
  async needingAftercare(campaignId: string, limit: number): Promise<Pledge[]> {
    const rows = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM pledges WHERE campaign_id = $1 AND (
          (state IN ('released', 'awaiting_donor') AND donor_notified_at IS NULL)
       OR (state IN ('collected', 'released', 'failed') AND card_detached_at IS NULL AND stripe_payment_method_id IS NOT NULL))
        ORDER BY pledges.seq LIMIT $2`,
      [campaignId, limit],
    );
    return rows.map(toPledge);
  }

  /** Waiting pledges of a campaign with the settlement of their gift (collected when paid, failed after the grace period). */
  async waiting(campaignId: string, limit: number): Promise<(Pledge & { giftSettled: boolean })[]> {
    const rows = await this.dataSource.query(
      `SELECT p.*, p.amount::text AS amount, p.chosen_amount::text AS chosen_amount, p.covered_fees::text AS covered_fees, p.seq::text AS seq,
              (d.settled_at IS NOT NULL) AS gift_settled
         FROM pledges p JOIN donations d ON d.id = p.donation_id WHERE p.campaign_id = $1 AND p.state = 'awaiting_donor' ORDER BY p.seq LIMIT $2`,
      [campaignId, limit],
    );
    return rows.map((r: Record<string, any>) => ({ ...toPledge(r), giftSettled: r.gift_settled === true }));
  }

  /**
   * Campaigns with pledge work for the close-out's sweep: a close-out exists and pledges are still
   * to charge or release (idle for `idleMs`: the chain of batch jobs was lost), are waiting for a
   * donor whose gift settled or whose grace ended, or need a notice or a card detached.
   */
  async campaignsWithWork(now: Date, limit: number, idleMs: number): Promise<string[]> {
    const rows = await this.dataSource.query(
      `SELECT DISTINCT p.campaign_id FROM pledges p JOIN campaign_closeouts o ON o.campaign_id = p.campaign_id
        WHERE (p.state IN ('pledged', 'charging', 'open') AND p.updated_at <= $1::timestamptz - make_interval(secs => $3::double precision / 1000))
           OR (p.state = 'awaiting_donor' AND (p.grace_ends_at <= $1 OR EXISTS (SELECT 1 FROM donations d WHERE d.id = p.donation_id AND d.settled_at IS NOT NULL)))
           OR (p.state IN ('released', 'awaiting_donor') AND p.donor_notified_at IS NULL)
           OR (p.state IN ('collected', 'released', 'failed') AND p.card_detached_at IS NULL AND p.stripe_payment_method_id IS NOT NULL)
        LIMIT $2`,
      [now, limit, idleMs],
    );
    return rows.map((r: { campaign_id: string }) => r.campaign_id);
  }

  /** For the public page: pledges per state (count and sum). */
  async statesOf(campaignId: string, db: Queryable = this.dataSource): Promise<{ state: PledgeState; amount: bigint; count: number }[]> {
    const rows = await db.query(`SELECT state, sum(amount)::text AS amount, count(*)::int AS n FROM pledges WHERE campaign_id = $1 GROUP BY state`, [campaignId]);
    return rows.map((r: { state: PledgeState; amount: string; n: number }) => ({ state: r.state, amount: BigInt(r.amount), count: r.n }));
  }
}
