import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { ConflictError, DomainError, NotFoundError } from '@ataa/common';
import { isUniqueViolation, TransactionRunner } from '@ataa/database';
import { LedgerService } from '@ataa/ledger';
import { OutboxService } from '@ataa/notifications';
import { payoutsAllowed } from '@ataa/donations';
import { AuditService } from '@ataa/organizations';
import type { Principal } from '@ataa/organizations';
import { JobProducer, QUEUES } from '@ataa/queue';
import { approvalFor, assertMove, cleanPurpose, parseRequestedAmount, requestFingerprint, resolvePayoutAmount } from './domain/payout-rules.js';
import { payoutHoldEntry, payoutHoldReleaseEntry } from './domain/payout-entries.js';
import { FundsService } from './funds.service.js';
import { Payout, toPayout } from './persistence/payout.row.js';

export interface PayoutRequestInput {
  /** Minor units as a string of digits, or "all" for everything available. */
  amount: string;
  currency: string;
  purpose: string;
  privateNote?: string | null;
  /** Idempotency-Key header or the body's clientRequestId. */
  idempotencyKey?: string | null;
}

export interface PayoutRequestResult {
  payout: Payout;
  /** False when the same request (same key) had already been made: nothing new was reserved. */
  created: boolean;
}

/**
 * Payout requests: reserve (hold) the funds at once under the campaign's funds lock, approve
 * automatically at or under the organization's threshold, or wait for an operator; owners may
 * cancel before execution. Execution is the worker's (PayoutExecutionService).
 */
@Injectable()
export class PayoutsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly tx: TransactionRunner,
    private readonly ledger: LedgerService,
    private readonly funds: FundsService,
    private readonly outbox: OutboxService,
    private readonly audit: AuditService,
    private readonly producer: JobProducer,
  ) {}

  async request(principal: Principal, campaignId: string, input: PayoutRequestInput): Promise<PayoutRequestResult> {
    const campaign = await this.funds.campaignOf(principal.organizationId, campaignId);
    const requested = parseRequestedAmount(input.amount);
    const purpose = cleanPurpose(input.purpose);
    const privateNote = input.privateNote?.trim() ? input.privateNote.trim() : null;
    const currency = input.currency.toLowerCase();
    const key = input.idempotencyKey ?? null;
    const fingerprint = requestFingerprint({ campaignId, amount: input.amount, currency, purpose, privateNote });
    if (key) {
      const replay = await this.findByKey(principal.organizationId, key, fingerprint);
      if (replay) return { payout: replay, created: false };
    }
    await this.funds.refreshAvailability(campaign.id);

    const result = await this.tx.run(async (m) => {
      const [org] = await m.query(
        `SELECT o.payouts_enabled, o.stripe_account_id, o.payout_approval_threshold, c.funding_model, c.status, co.decision
         FROM organizations o JOIN campaigns c ON c.organization_id = o.id LEFT JOIN campaign_closeouts co ON co.campaign_id = c.id
         WHERE o.id = $1 AND c.id = $2 FOR SHARE OF c`,
        [principal.organizationId, campaign.id],
      );
      if (!org?.payouts_enabled || !org.stripe_account_id) {
        throw new DomainError('payouts_not_enabled', 'Connect a Stripe account with payouts enabled before requesting a payout', 409);
      }
      // An all-or-nothing campaign may still have to refund every gift until its close-out kept the
      // money; that decision is final, so checking it before the funds lock is enough. A cancelled
      // campaign refunds every gift: the campaign row is read FOR SHARE so a cancel (which locks it
      // and refuses a campaign with payouts) and this request cannot both pass.
      if (!payoutsAllowed(org.funding_model, org.decision ?? null, org.status)) {
        const refunding = org.status === 'cancelled' || org.decision === 'refund_all';
        throw new DomainError('campaign_not_closed_out', refunding ? 'This campaign refunds every gift: nothing can be paid out'
          : 'An all-or-nothing campaign pays out only after it ended having reached its goal', 409, { decision: org.decision ?? null, campaignStatus: org.status });
      }
      // The campaign's funds row: every request on this campaign queues here, so the availability
      // read below and the hold posted after it are one step for the campaign.
      // The notice needs only the payout id: without a key (no replay possible) it is written
      // before the lock, so the lock is held for less.
      const id = randomUUID();
      const notice = () => this.outbox.enqueue(m, { kind: 'payout_notice', aggregateId: id, payload: { payoutId: id, event: 'requested' }, dedupeKey: `payout_notice:requested:${id}` });
      if (!key) await notice();
      const lockFunds = () => m.query(`SELECT campaign_id FROM campaign_payout_funds WHERE campaign_id = $1 FOR UPDATE`, [campaign.id]);
      if ((await lockFunds()).length === 0) {
        // The campaign's first request creates its row (concurrent first requests: one insert wins).
        await m.query(
          `INSERT INTO campaign_payout_funds (campaign_id, organization_id, currency) VALUES ($1, $2, $3) ON CONFLICT (campaign_id) DO NOTHING`,
          [campaign.id, campaign.organizationId, campaign.currency],
        );
        await lockFunds();
      }
      if (key) {
        // A concurrent double-submit waited on the lock above: it now sees the first one.
        const replay = await this.findByKey(principal.organizationId, key, fingerprint, m);
        if (replay) return { payout: replay, created: false };
      }
      const funds = await this.funds.compute(m, campaign);
      const amount = resolvePayoutAmount(requested, currency, campaign.currency, funds.available);
      const threshold = org.payout_approval_threshold === null ? -1n : BigInt(org.payout_approval_threshold);
      const approval = approvalFor(amount, threshold);
      const now = new Date();
      const [row] = await m.query(
        `INSERT INTO payouts (id, organization_id, campaign_id, currency, amount, status, purpose, private_note, requested_by, idempotency_key,
           request_fingerprint, approval, decided_by, decided_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING *`,
        [id, principal.organizationId, campaign.id, campaign.currency, amount.toString(), approval === 'automatic' ? 'approved' : 'pending_approval',
          purpose, privateNote, principal.actor, key, fingerprint, approval === 'automatic' ? 'automatic' : null,
          approval === 'automatic' ? 'automatic' : null, approval === 'automatic' ? now : null],
      );
      await this.ledger.post(m, payoutHoldEntry({ payoutId: id, campaignId: campaign.id, currency: campaign.currency, occurredAt: now }, amount));
      await this.audit.record(m, {
        organizationId: principal.organizationId, actor: principal.actor, action: 'payout.requested', targetType: 'payout', targetId: id,
        details: { campaignId: campaign.id, amount: amount.toString(), currency: campaign.currency, approval },
      });
      if (key) await notice();
      return { payout: toPayout(row), created: true };
    }).catch((error: unknown) => {
      if (key && isUniqueViolation(error, 'payouts_idempotency_uq')) throw new ConflictError('idempotency_conflict', 'A request with this Idempotency-Key is being processed; retry');
      throw error;
    });
    if (result.created && result.payout.status === 'approved') await this.schedule(result.payout.id);
    return result;
  }

  private async findByKey(organizationId: string, key: string, fingerprint: string, manager?: EntityManager): Promise<Payout | null> {
    const q = manager ?? this.dataSource;
    const [row] = await q.query(`SELECT * FROM payouts WHERE organization_id = $1 AND idempotency_key = $2`, [organizationId, key]);
    if (!row) return null;
    if (row.request_fingerprint !== fingerprint) {
      throw new DomainError('idempotency_key_reused', 'This Idempotency-Key was already used for a different payout request', 422);
    }
    return toPayout(row);
  }

  /**
   * Hands an approved payout to the worker (job id = payout id: enqueueing twice is harmless). On
   * the request path: waits at most 200 ms for Redis; the worker's payouts sweep enqueues an approved
   * payout whose job was not added.
   */
  async schedule(payoutId: string): Promise<void> {
    await this.producer.enqueueFromRequest(QUEUES.payouts, { payoutId }, { jobId: `payout-${payoutId}` });
  }

  async get(organizationId: string, payoutId: string): Promise<Payout> {
    const [row] = await this.dataSource.query(`SELECT * FROM payouts WHERE id = $1 AND organization_id = $2`, [payoutId, organizationId]);
    if (!row) throw new NotFoundError('Payout');
    return toPayout(row);
  }

  async list(organizationId: string, campaignId: string): Promise<Payout[]> {
    await this.funds.campaignOf(organizationId, campaignId);
    const rows = await this.dataSource.query(
      `SELECT * FROM payouts WHERE campaign_id = $1 AND organization_id = $2 ORDER BY created_at DESC, id DESC LIMIT 200`, [campaignId, organizationId],
    );
    return rows.map(toPayout);
  }

  /** Operator queue: requests waiting for a decision, oldest first. */
  async awaitingApproval(): Promise<Payout[]> {
    const rows = await this.dataSource.query(`SELECT * FROM payouts WHERE status = 'pending_approval' ORDER BY created_at LIMIT 200`);
    return rows.map(toPayout);
  }

  async cancel(principal: Principal, payoutId: string): Promise<Payout> {
    return this.close(payoutId, 'cancelled', principal.actor, { organizationId: principal.organizationId });
  }

  async reject(payoutId: string, reason: string, actor = 'operator'): Promise<Payout> {
    const cleaned = reason.trim();
    if (!cleaned) throw new DomainError('rejection_reason_required', 'Give a reason for the rejection', 400);
    return this.close(payoutId, 'rejected', actor, { reason: cleaned });
  }

  async approve(payoutId: string, actor = 'operator'): Promise<Payout> {
    const payout = await this.tx.run(async (m) => {
      const p = await this.lock(m, payoutId);
      if (p.status === 'approved') return p;
      assertMove(p.status, 'approved', 'approved');
      // TypeORM answers an UPDATE ... RETURNING with [rows, affected].
      const [[row]] = await m.query(
        `UPDATE payouts SET status = 'approved', approval = 'operator', decided_by = $2, decided_at = now() WHERE id = $1 RETURNING *`, [payoutId, actor],
      );
      await this.audit.record(m, { organizationId: p.organizationId, actor, action: 'payout.approved', targetType: 'payout', targetId: p.id, details: { amount: p.amount.toString() } });
      await this.outbox.enqueue(m, { kind: 'payout_notice', aggregateId: p.id, payload: { payoutId: p.id, event: 'approved' }, dedupeKey: `payout_notice:approved:${p.id}` });
      return toPayout(row);
    });
    await this.schedule(payout.id);
    return payout;
  }

  private async close(payoutId: string, to: 'cancelled' | 'rejected', actor: string, opts: { organizationId?: string; reason?: string }): Promise<Payout> {
    return this.tx.run(async (m) => {
      const p = await this.lock(m, payoutId, opts.organizationId);
      if (p.status === to) return p;
      assertMove(p.status, to, to);
      const [[row]] = await m.query(
        to === 'cancelled'
          ? `UPDATE payouts SET status = 'cancelled', cancelled_by = $2 WHERE id = $1 RETURNING *`
          : `UPDATE payouts SET status = 'rejected', approval = 'operator', decided_by = $2, decided_at = now(), rejection_reason = $3 WHERE id = $1 RETURNING *`,
        to === 'cancelled' ? [payoutId, actor] : [payoutId, actor, opts.reason],
      );
      await this.ledger.post(m, payoutHoldReleaseEntry({ payoutId: p.id, campaignId: p.campaignId, currency: p.currency, occurredAt: new Date(), metadata: { reason: to } }, p.amount));
      await this.audit.record(m, { organizationId: p.organizationId, actor, action: `payout.${to}`, targetType: 'payout', targetId: p.id, details: opts.reason ? { reason: opts.reason } : {} });
      await this.outbox.enqueue(m, { kind: 'payout_notice', aggregateId: p.id, payload: { payoutId: p.id, event: to }, dedupeKey: `payout_notice:${to}:${p.id}` });
      return toPayout(row);
    });
  }

  private async lock(m: EntityManager, payoutId: string, organizationId?: string): Promise<Payout> {
    const [row] = await m.query(
      `SELECT * FROM payouts WHERE id = $1 ${organizationId ? 'AND organization_id = $2' : ''} FOR UPDATE`, organizationId ? [payoutId, organizationId] : [payoutId],
    );
    if (!row) throw new NotFoundError('Payout');
    return toPayout(row);
  }

  /** The operator sets the amount (minor units of the campaign's currency) up to which payouts are approved automatically. */
  async setApprovalThreshold(organizationId: string, threshold: bigint | null, actor = 'operator'): Promise<void> {
    if (threshold !== null && threshold < 0n) throw new DomainError('threshold_invalid', 'The threshold cannot be negative', 400);
    await this.tx.run(async (m) => {
      const [, affected] = await m.query(`UPDATE organizations SET payout_approval_threshold = $2, updated_at = now() WHERE id = $1`, [organizationId, threshold?.toString() ?? null]);
      if (!affected) throw new NotFoundError('Organization');
      await this.audit.record(m, { organizationId, actor, action: 'payout.threshold_set', targetType: 'organization', targetId: organizationId, details: { threshold: threshold?.toString() ?? null } });
    });
  }
}
