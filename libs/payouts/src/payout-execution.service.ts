import { Injectable, Logger } from '@nestjs/common';
import type Stripe from 'stripe';
import { DataSource, EntityManager } from 'typeorm';
import { TransactionRunner } from '@ataa/database';
import { LedgerService } from '@ataa/ledger';
import { OutboxService } from '@ataa/notifications';
import { isStripeError, StripeGateway } from '@ataa/payments';
import { PublicLedgerAppender } from '@ataa/transparency';
import { payoutEntry, payoutHoldReleaseEntry, payoutReversalEntry } from './domain/payout-entries.js';
import { Payout, toPayout } from './persistence/payout.row.js';

export type ExecutionOutcome = 'paid' | 'failed' | 'not_approved' | 'already_done';

/** Stripe answered, and the answer is final: the transfer was not made and will not be. */
function isDefinitiveRefusal(error: unknown): boolean {
  if (!isStripeError(error)) return false;
  const status = error.statusCode ?? 0;
  return (error.type === 'StripeInvalidRequestError' || error.type === 'StripePermissionError' || error.type === 'StripeCardError')
    && status >= 400 && status < 500 && status !== 409 && status !== 429;
}

/**
 * Executes approved payouts as Stripe Transfers (worker side) and follows them afterwards.
 * - The transfer's idempotency key is the payout id: a call whose outcome is unknown (timeout,
 *   connection dropped, 5xx, 409) is simply retried, by the Stripe client and then by the queue,
 *   and Stripe answers every retry with the one transfer it made.
 * - Success: in one transaction the hold is released and the payout posted, the public ledger
 *   gets a `payout` entry with its purpose, the organization is notified.
 * - A definitive refusal: the hold is released, the payout is `failed`, the organization notified.
 * - `transfer.reversed`: each reversal posts a `payout_reversal` (public too) and notifies.
 */
@Injectable()
export class PayoutExecutionService {
  private readonly logger = new Logger('PayoutExecution');

  constructor(
    private readonly dataSource: DataSource,
    private readonly tx: TransactionRunner,
    private readonly ledger: LedgerService,
    private readonly outbox: OutboxService,
    private readonly appender: PublicLedgerAppender,
    private readonly stripe: StripeGateway,
  ) {}

  async execute(payoutId: string): Promise<ExecutionOutcome> {
    const start = await this.tx.run(async (m) => {
      const p = await this.lock(m, payoutId);
      if (!p) return { outcome: 'already_done' as const };
      if (p.status === 'paid' || p.status === 'failed' || p.status === 'reversed' || p.status === 'cancelled' || p.status === 'rejected') return { outcome: 'already_done' as const };
      if (p.status === 'pending_approval') return { outcome: 'not_approved' as const };
      const [org] = await m.query(`SELECT stripe_account_id, payouts_enabled FROM organizations WHERE id = $1`, [p.organizationId]);
      if (p.status === 'approved') {
        if (!org?.payouts_enabled || !org.stripe_account_id) {
          // Not started: nothing was sent to Stripe, so failing here is final and safe.
          await m.query(`UPDATE payouts SET status = 'processing', attempts = attempts + 1 WHERE id = $1`, [p.id]);
          await this.fail(m, p, 'payouts_not_enabled', 'The connected account does not have payouts enabled');
          return { outcome: 'failed' as const };
        }
        await m.query(`UPDATE payouts SET status = 'processing', attempts = attempts + 1 WHERE id = $1`, [p.id]);
      } else {
        await m.query(`UPDATE payouts SET attempts = attempts + 1 WHERE id = $1`, [p.id]);
      }
      return { outcome: null, payout: p, destination: org.stripe_account_id as string };
    });
    if (start.outcome) return start.outcome;
    const { payout, destination } = start;

    let transfer: Stripe.Transfer;
    try {
      transfer = await this.stripe.createTransfer(
        {
          amount: Number(payout.amount), currency: payout.currency, destination, transfer_group: payout.campaignId,
          description: `Ataa payout ${payout.id}`, metadata: { payout_id: payout.id, campaign_id: payout.campaignId, organization_id: payout.organizationId },
        },
        payout.id,
      );
    } catch (error) {
      if (isDefinitiveRefusal(error)) {
        const e = error as Stripe.errors.StripeError;
        await this.tx.run(async (m) => {
          const p = await this.lock(m, payout.id);
          if (p?.status === 'processing') await this.fail(m, p, e.code ?? 'transfer_failed', e.message);
        });
        return 'failed';
      }
      // Unknown outcome: the queue retries with the same idempotency key (one transfer at most).
      this.logger.warn(`payout ${payout.id}: transfer outcome unknown, will retry: ${(error as Error).message}`);
      throw error;
    }
    return this.recordTransfer(transfer, payout.id);
  }

  /** Posts a made transfer once (from the worker's answer, or a `transfer.created` event). */
  async recordTransfer(transfer: Stripe.Transfer, payoutId: string): Promise<ExecutionOutcome> {
    return this.tx.run(async (m) => {
      const p = await this.lock(m, payoutId);
      if (!p || p.status !== 'processing') return 'already_done';
      if (BigInt(transfer.amount) !== p.amount || transfer.currency !== p.currency) {
        throw new Error(`transfer ${transfer.id} (${transfer.amount} ${transfer.currency}) does not match payout ${p.id}`);
      }
      const occurredAt = new Date(transfer.created * 1000);
      const base = { payoutId: p.id, campaignId: p.campaignId, currency: p.currency, occurredAt, metadata: { transfer_id: transfer.id } };
      const [, posted] = await this.ledger.postMany(m, [payoutHoldReleaseEntry(base, p.amount), payoutEntry(base, p.amount)]);
      await m.query(`UPDATE payouts SET status = 'paid', stripe_transfer_id = $2, executed_at = $3 WHERE id = $1`, [p.id, transfer.id, occurredAt]);
      await this.appender.append(m, {
        campaignId: p.campaignId, kind: 'payout', amount: -p.amount, currency: p.currency, occurredAt,
        donorDisplayName: null, donorCommitment: null, publicMessage: null, payoutPurpose: p.purpose, sourceRef: posted.entry.id,
      });
      await this.outbox.enqueue(m, { kind: 'payout_notice', aggregateId: p.id, payload: { payoutId: p.id, event: 'paid' }, dedupeKey: `payout_notice:paid:${p.id}` });
      return 'paid';
    });
  }

  private async fail(m: EntityManager, p: Payout, code: string, message: string): Promise<void> {
    await this.ledger.post(m, payoutHoldReleaseEntry({ payoutId: p.id, campaignId: p.campaignId, currency: p.currency, occurredAt: new Date(), metadata: { reason: 'failed' } }, p.amount));
    await m.query(`UPDATE payouts SET status = 'failed', failure_code = $2, failure_message = $3 WHERE id = $1`, [p.id, code.slice(0, 100), message.slice(0, 1000)]);
    await this.outbox.enqueue(m, { kind: 'payout_notice', aggregateId: p.id, payload: { payoutId: p.id, event: 'failed' }, dedupeKey: `payout_notice:failed:${p.id}` });
  }

  /**
   * `transfer.created` / `transfer.updated` / `transfer.reversed`: re-reads the transfer from Stripe
   * and applies what it says (a made transfer we had not recorded yet, new reversals).
   */
  async handleTransferEvent(event: Stripe.Event): Promise<string> {
    const object = event.data.object as { id?: string; object?: string; metadata?: Record<string, string> };
    if (object.object !== 'transfer' || !object.id) return 'not_a_transfer';
    const transfer = await this.stripe.retrieveTransfer(object.id);
    const [row] = await this.dataSource.query(
      `SELECT id FROM payouts WHERE stripe_transfer_id = $1 OR id::text = $2 LIMIT 1`, [transfer.id, transfer.metadata?.payout_id ?? ''],
    );
    if (!row) return 'no_payout';
    if (event.type === 'transfer.created') return this.recordTransfer(transfer, row.id);
    const reversals = transfer.amount_reversed > 0
      ? await this.stripe.listTransferReversals(transfer.id, { limit: 100 }).autoPagingToArray({ limit: 1000 })
      : [];
    if (reversals.length === 0) return 'no_reversal';
    return this.tx.run((m) => this.applyReversals(m, row.id, transfer.id, reversals));
  }

  /**
   * The one writer of transfer reversals (the transfer.reversed webhook, and the reversals a refund
   * or dispute makes, recorded in its own transaction at once): under the payout's row lock, each
   * reversal not posted yet (unique per reversal id) posts a `payout_reversal`, a public entry and
   * a notice; whichever path comes second finds them posted and changes nothing.
   */
  async applyReversals(
    m: EntityManager, payoutId: string, transferId: string, reversals: readonly Pick<Stripe.TransferReversal, 'id' | 'amount' | 'created'>[],
  ): Promise<string> {
    const p = await this.lock(m, payoutId);
    if (!p) return 'no_payout';
    if (p.status === 'processing') {
      // The transfer was made but the worker had not recorded it yet: record it first.
      throw new Error(`payout ${p.id}: transfer ${transferId} is reversed but not recorded yet; retrying`);
    }
    if (p.status !== 'paid' && p.status !== 'reversed') return 'not_paid';
    let reversed = p.amountReversed;
    let applied = 0;
    for (const r of [...reversals].sort((a, b) => a.created - b.created || (a.id < b.id ? -1 : 1))) {
      const amount = BigInt(r.amount);
      const occurredAt = new Date(r.created * 1000);
      const [result] = await this.ledger.postMany(m, [payoutReversalEntry({ payoutId: p.id, campaignId: p.campaignId, currency: p.currency, occurredAt, metadata: { transfer_id: transferId } }, r.id, amount)]);
      if (!result.created) continue;
      reversed += amount;
      applied++;
      await this.appender.append(m, {
        campaignId: p.campaignId, kind: 'payout_reversal', amount, currency: p.currency, occurredAt,
        donorDisplayName: null, donorCommitment: null, publicMessage: null, payoutPurpose: p.purpose, sourceRef: result.entry.id,
      });
      await this.outbox.enqueue(m, { kind: 'payout_notice', aggregateId: p.id, payload: { payoutId: p.id, event: 'reversed', reversalId: r.id }, dedupeKey: `payout_notice:reversed:${r.id}` });
    }
    if (applied === 0) return 'already_applied';
    const status = reversed >= p.amount ? 'reversed' : p.status;
    await m.query(`UPDATE payouts SET amount_reversed = $2, status = $3 WHERE id = $1`, [p.id, reversed.toString(), status]);
    return status === 'reversed' ? 'payout_reversed' : 'payout_partially_reversed';
  }

  private async lock(m: EntityManager, payoutId: string): Promise<Payout | null> {
    const [row] = await m.query(`SELECT * FROM payouts WHERE id = $1 FOR UPDATE`, [payoutId]);
    return row ? toPayout(row) : null;
  }
}
