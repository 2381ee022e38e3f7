import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { RecordedEntry } from '@ataa/ledger';
import type { GiftState, RecordedDispute, RecordedRefund, SettlementPlan } from '../domain/settlement.js';
import { Donation, toDonation } from './donation.row.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The Stripe ids an event or a read names, to find the donation they belong to. */
export interface GiftLinks {
  donationId?: string | null;
  sessionId?: string | null;
  paymentIntentId?: string | null;
  chargeId?: string | null;
}

/** A settled gift whose Stripe fee is not recorded yet. */
export interface FeePendingCharge {
  donationId: string;
  chargeId: string;
  amount: bigint;
  currency: string;
  /** The charge's creation time (unix seconds): its balance transaction is not older. */
  chargedAt: number;
  updatedAt: Date;
}

/**
 * The only code touching donations' settlement rows: finds gifts by Stripe ids, locks them and
 * reads what is already recorded, and writes a batch of plans' state changes with multi-row
 * statements (the ledger, public ledger and outbox are the LedgerWriter's).
 */
@Injectable()
export class SettlementRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** For each set of links, the donation it names (our metadata first, then the Stripe ids we stored), or null. */
  async resolve(links: readonly GiftLinks[], manager: EntityManager = this.dataSource.manager): Promise<(string | null)[]> {
    if (links.length === 0) return [];
    const ids = links.map((l) => (l.donationId && UUID.test(l.donationId) ? l.donationId : null));
    const rows: { id: string; stripe_checkout_session_id: string | null; stripe_payment_intent_id: string | null; stripe_charge_id: string | null }[] = await manager.query(
      `SELECT id, stripe_checkout_session_id, stripe_payment_intent_id, stripe_charge_id FROM donations
       WHERE id = ANY($1::uuid[]) OR stripe_checkout_session_id = ANY($2::text[]) OR stripe_payment_intent_id = ANY($3::text[]) OR stripe_charge_id = ANY($4::text[])`,
      [ids.filter(Boolean), links.map((l) => l.sessionId).filter(Boolean), links.map((l) => l.paymentIntentId).filter(Boolean), links.map((l) => l.chargeId).filter(Boolean)],
    );
    const byId = new Set(rows.map((r) => r.id));
    const by = (column: 'stripe_checkout_session_id' | 'stripe_payment_intent_id' | 'stripe_charge_id') => new Map(rows.filter((r) => r[column]).map((r) => [r[column] as string, r.id]));
    const session = by('stripe_checkout_session_id');
    const intent = by('stripe_payment_intent_id');
    const charge = by('stripe_charge_id');
    return links.map((l, i) => (ids[i] && byId.has(ids[i]!) ? ids[i] : null)
      ?? (l.sessionId ? session.get(l.sessionId) : undefined) ?? (l.paymentIntentId ? intent.get(l.paymentIntentId) : undefined)
      ?? (l.chargeId ? charge.get(l.chargeId) : undefined) ?? null);
  }

  async findDonation(id: string): Promise<Donation | null> {
    if (!UUID.test(id)) return null;
    const [row] = await this.dataSource.query(`SELECT * FROM donations WHERE id = $1`, [id]);
    return row ? toDonation(row) : null;
  }

  /** Gifts marked paid, still pending after `olderThanSeconds` (their charge event has not come). */
  async awaitingCharge(olderThanSeconds: number, limit: number): Promise<string[]> {
    const rows: { id: string }[] = await this.dataSource.query(
      `SELECT id FROM donations WHERE status = 'pending' AND payment_status = 'paid' AND updated_at < now() - make_interval(secs => $1::float8)
       ORDER BY updated_at LIMIT $2`,
      [olderThanSeconds, limit],
    );
    return rows.map((r) => r.id);
  }

  /**
   * Gifts whose Stripe fee is pending: how many, and how many (and since when) changed after
   * `since` (settled since the last sweep began). From `donations_fee_pending_idx`.
   */
  async feePendingStats(since: Date): Promise<{ pending: number; fresh: number; oldestFreshAt: Date | null }> {
    const [row] = await this.dataSource.query(
      `SELECT count(*)::int AS pending, count(*) FILTER (WHERE updated_at > $1)::int AS fresh, min(updated_at) FILTER (WHERE updated_at > $1) AS oldest
       FROM donations WHERE processing_fee IS NULL AND stripe_charge_id IS NOT NULL`,
      [since.toISOString()],
    );
    return { pending: row.pending, fresh: row.fresh, oldestFreshAt: row.oldest ?? null };
  }

  /** Settled gifts whose Stripe fee is pending, oldest charge first: what the fee sweep looks for. */
  async feePendingCharges(limit: number): Promise<FeePendingCharge[]> {
    const rows: Record<string, any>[] = await this.dataSource.query(
      `SELECT id, stripe_charge_id, amount::text AS amount, currency, extract(epoch FROM settled_at)::bigint::text AS charged, updated_at FROM donations
       WHERE processing_fee IS NULL AND stripe_charge_id IS NOT NULL AND settled_at IS NOT NULL ORDER BY settled_at, id LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({ donationId: r.id, chargeId: r.stripe_charge_id, amount: BigInt(r.amount), currency: r.currency, chargedAt: Number(r.charged), updatedAt: r.updated_at }));
  }

  /**
   * Runs `work` holding the fee sweep's advisory lock (one sweep at a time across workers, so
   * they do not list the same pages); null, without running it, when another holds it.
   */
  async whileSweepingFees<T>(work: () => Promise<T>): Promise<T | null> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      const [{ locked }] = await runner.query(`SELECT pg_try_advisory_lock(hashtext('ataa:fee-sweep')) AS locked`);
      if (!locked) return null;
      try {
        return await work();
      } finally {
        await runner.query(`SELECT pg_advisory_unlock(hashtext('ataa:fee-sweep'))`);
      }
    } finally {
      await runner.release();
    }
  }

  /**
   * Locks the donations (in id order, so concurrent batches cannot deadlock) and reads their
   * recorded state: the row, the facts already posted among `sources`, their refunds and disputes.
   */
  async lockGifts(manager: EntityManager, donationIds: readonly string[], sources: readonly string[]): Promise<Map<string, GiftState>> {
    const ids = [...new Set(donationIds)].sort();
    const donations: Record<string, any>[] = await manager.query(`SELECT * FROM donations WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`, [ids]);
    // One connection (the transaction's): one query after the other. The ledger's key table finds
    // the facts by source; each entry is then read from its one partition (journal_entries is
    // hash-partitioned by id).
    const posted: { kind: string; source_id: string; donation_id: string | null }[] = await manager.query(
      `SELECT k.kind, k.source_id, j.metadata->>'donation_id' AS donation_id
         FROM journal_entry_keys k JOIN journal_entries j ON j.id = k.entry_id
        WHERE k.source_id = ANY($1::text[])`, [[...new Set(sources)]],
    );
    const refunds: Record<string, any>[] = await manager.query(`SELECT id, donation_id, stripe_refund_id, status, platform_fee_returned FROM donation_refunds WHERE donation_id = ANY($1::uuid[])`, [ids]);
    const disputes: Record<string, any>[] = await manager.query(`SELECT stripe_dispute_id, donation_id, outcome FROM donation_disputes WHERE donation_id = ANY($1::uuid[])`, [ids]);
    // Grouped by donation in one pass each (a batch locks hundreds of gifts).
    const gifts = new Map(donations.map((row) => [row.id as string, { donation: toDonation(row), posted: new Set<string>(), refunds: [] as RecordedRefund[], disputes: [] as RecordedDispute[] }]));
    for (const p of posted) if (p.donation_id) gifts.get(p.donation_id)?.posted.add(`${p.kind}:${p.source_id}`);
    for (const r of refunds) gifts.get(r.donation_id)?.refunds.push({ id: r.id, stripeRefundId: r.stripe_refund_id, status: r.status, platformFeeReturned: BigInt(r.platform_fee_returned) });
    for (const x of disputes) gifts.get(x.donation_id)?.disputes.push({ stripeDisputeId: x.stripe_dispute_id, outcome: x.outcome });
    return gifts;
  }

  /** Refund and dispute rows, in plan order (rare: one statement each). Written before the ledger, under the donations' locks. */
  async writeRefundsAndDisputes(manager: EntityManager, plans: readonly SettlementPlan[]): Promise<void> {
    for (const plan of plans) {
      for (const u of plan.refundRows) {
        if (u.isNew) {
          await manager.query(
            `INSERT INTO donation_refunds (id, donation_id, amount, status, stripe_refund_id, requested_by, platform_fee_returned)
             VALUES ($1, $2, $3, $4, $5, 'stripe', $6)`,
            [u.id, plan.donationId, u.amount.toString(), u.status, u.stripeRefundId, u.feeReturned.toString()],
          );
        } else {
          await manager.query(
            `UPDATE donation_refunds SET stripe_refund_id = $2, status = CASE WHEN status = 'succeeded' THEN status ELSE $3 END,
               platform_fee_returned = platform_fee_returned + $4, updated_at = now() WHERE id = $1`,
            [u.id, u.stripeRefundId, u.status, u.feeReturned.toString()],
          );
        }
      }
      for (const x of plan.disputeRows) {
        await manager.query(
          `INSERT INTO donation_disputes (stripe_dispute_id, donation_id, amount, status, outcome, reason) VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (stripe_dispute_id) DO UPDATE SET status = EXCLUDED.status, outcome = EXCLUDED.outcome, updated_at = now()`,
          [x.stripeDisputeId, plan.donationId, x.amount.toString(), x.status, x.outcome, x.reason],
        );
      }
    }
  }

  /**
   * Each donation's last change in the batch (later plans build on earlier ones, so the last holds
   * the accumulated values), with its commitment salt and its gift's public leaf: one statement
   * for the settled ones, one for the others.
   */
  async writeDonations(manager: EntityManager, plans: readonly SettlementPlan[], recorded: readonly RecordedEntry[][]): Promise<void> {
    const last = new Map<string, { plan: SettlementPlan; salt: string | null; leaf: { index: number; hash: string } | null }>();
    for (const [i, plan] of plans.entries()) {
      const previous = last.get(plan.donationId);
      const salt = plan.newCommitmentSalt ?? previous?.salt ?? null;
      const gift = plan.giftEntry !== null ? recorded[i][plan.giftEntry]?.public ?? null : null;
      const leaf = gift ? { index: gift.index, hash: gift.leafHash } : previous?.leaf ?? null;
      if (plan.donation) last.set(plan.donationId, { plan, salt, leaf });
      else if (previous) last.set(plan.donationId, { ...previous, salt, leaf });
      else if (salt || leaf) throw new Error(`plan for donation ${plan.donationId} records a public entry without a donation change`);
    }
    const settled = [...last.values()].filter((v) => v.plan.donation!.kind === 'settled');
    const unsettled = [...last.values()].filter((v) => v.plan.donation!.kind === 'unsettled');
    if (unsettled.length > 0) {
      const changes = unsettled.map((v) => v.plan.donation as Extract<SettlementPlan['donation'], { kind: 'unsettled' }>);
      await manager.query(
        `UPDATE donations d SET status = t.status, payment_status = coalesce(t.payment_status, d.payment_status),
           stripe_payment_intent_id = coalesce(d.stripe_payment_intent_id, t.payment_intent)
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) AS t(id, status, payment_status, payment_intent) WHERE d.id = t.id`,
        [unsettled.map((v) => v.plan.donationId), changes.map((c) => c.status), changes.map((c) => c.paymentStatus), changes.map((c) => c.paymentIntentId)],
      );
    }
    if (settled.length > 0) {
      const changes = settled.map((v) => v.plan.donation as Extract<SettlementPlan['donation'], { kind: 'settled' }>);
      await manager.query(
        `UPDATE donations d SET status = t.status, stripe_charge_id = t.charge, stripe_payment_intent_id = coalesce(d.stripe_payment_intent_id, t.payment_intent),
           payment_status = coalesce(t.payment_status, d.payment_status), platform_fee = t.platform_fee, processing_fee = t.processing_fee,
           refunded_amount = t.refunded, disputed_amount = t.disputed, settled_at = coalesce(d.settled_at, t.settled_at),
           donor_commitment_salt = coalesce(d.donor_commitment_salt, t.salt),
           public_leaf_index = coalesce(t.leaf_index, d.public_leaf_index), public_leaf_hash = coalesce(t.leaf_hash, d.public_leaf_hash)
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[], $10::timestamptz[],
           $11::text[], $12::bigint[], $13::text[])
           AS t(id, status, charge, payment_intent, payment_status, platform_fee, processing_fee, refunded, disputed, settled_at, salt, leaf_index, leaf_hash)
         WHERE d.id = t.id`,
        [
          settled.map((v) => v.plan.donationId), changes.map((c) => c.status), changes.map((c) => c.chargeId), changes.map((c) => c.paymentIntentId),
          changes.map((c) => c.paymentStatus), changes.map((c) => c.platformFee?.toString() ?? null), changes.map((c) => c.processingFee?.toString() ?? null),
          changes.map((c) => c.refunded.toString()), changes.map((c) => c.disputed.toString()), changes.map((c) => c.settledAt.toISOString()),
          settled.map((v) => v.salt), settled.map((v) => (v.leaf ? String(v.leaf.index) : null)), settled.map((v) => v.leaf?.hash ?? null),
        ],
      );
    }
  }
}
