import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { ConflictError, DomainError, NotFoundError } from '@ataa/common';
import { isCheckViolation, isUniqueViolation, TransactionRunner } from '@ataa/database';
import { LedgerWriter } from '@ataa/ledger';
import { payoutsAllowed } from '@ataa/donations';
import { AuditService } from '@ataa/organizations';
import type { Principal } from '@ataa/organizations';
import { JobProducer, QUEUES } from '@ataa/queue';
import {
  approvalFor, assertMove, cleanPurpose, parseRequestedAmount, payoutDesignation, payoutParts, requestFingerprint, resolvePayoutAmount, withDesignation, type RequestedPart,
} from './domain/payout-rules.js';
import { designationAvailable } from './domain/payout-draws.js';
import { planClose, planHold, planNotice } from './domain/payout-plans.js';
import { FundsService } from './funds.service.js';
import { FundsRepository } from './persistence/funds.repository.js';
import { PayoutRepository, type OperatorPayoutView, type OrganizationPayoutSettings } from './persistence/payout.repository.js';
import { Payout } from './persistence/payout.row.js';

export interface PayoutRequestInput {
  /** Minor units as a string of digits, or "all" for everything available. */
  amount: string;
  currency: string;
  purpose: string;
  privateNote?: string | null;
  /** Idempotency-Key header or the body's clientRequestId. */
  idempotencyKey?: string | null;
  /** The designation (restricted fund) it spends: `general` (default) or one the campaign declared. */
  designation?: string | null;
  /** Several designations, `[{ code, amount }]` adding up to `amount` (checked by `payoutParts`); not with `designation`. */
  designations?: unknown;
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
    private readonly tx: TransactionRunner,
    private readonly payouts: PayoutRepository,
    private readonly fundsRows: FundsRepository,
    private readonly writer: LedgerWriter,
    private readonly funds: FundsService,
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
    // One designation, or a list of parts (a list of one part is a payout of that one designation).
    const listed = payoutParts(campaign.designations ?? [], { amount: requested, designation: input.designation, designations: input.designations });
    const parts: RequestedPart[] | null = listed && listed.length > 1 ? listed : null;
    const designation = listed ? listed[0].designation : payoutDesignation(campaign.designations ?? [], input.designation);
    const fingerprint = requestFingerprint({ campaignId, amount: input.amount, currency, purpose, privateNote, designation, parts });
    if (key) {
      const replay = await this.findByKey(principal.organizationId, key, fingerprint);
      if (replay) return { payout: replay, created: false };
    }
    await this.funds.refreshAvailability(campaign.id);

    const result = await this.tx.run(async (m) => {
      const org = await this.payouts.requestContext(m, principal.organizationId, campaign.id);
      if (!org?.payoutsEnabled || !org.stripeAccountId) {
        throw new DomainError('payouts_not_enabled', 'Connect a Stripe account with payouts enabled before requesting a payout', 409);
      }
      // An all-or-nothing campaign may still have to refund every gift until its close-out kept the
      // money; that decision is final, so checking it before the funds lock is enough. A cancelled
      // campaign refunds every gift: the campaign row is read FOR SHARE so a cancel (which locks it
      // and refuses a campaign with payouts) and this request cannot both pass.
      if (!payoutsAllowed(org.fundingModel, org.decision, org.campaignStatus)) {
        const refunding = org.campaignStatus === 'cancelled' || org.decision === 'refund_all';
        throw new DomainError('campaign_not_closed_out', refunding ? 'This campaign refunds every gift: nothing can be paid out'
          : 'An all-or-nothing campaign pays out only after it ended having reached its goal', 409, { decision: org.decision, campaignStatus: org.campaignStatus });
      }
      // The campaign's funds row: every request on this campaign queues here, so the availability
      // read below and the hold posted after it are one step for the campaign. Every round trip made
      // while holding it delays every other request of the campaign: under it, one read (funds,
      // designations, the key's replay), one write (payout, hold, audit), the commit.
      // The notice needs only the payout id: without a key (no replay possible) it is written
      // before the lock, so the lock is held for less.
      const id = randomUUID();
      const notice = planNotice(id, 'requested');
      if (!key) await this.writer.record(m, [notice]);
      if (!(await this.fundsRows.lockFunds(m, campaign.id))) {
        // The campaign's first request creates its row (concurrent first requests: one insert wins).
        await this.fundsRows.ensureFundsRow({ campaignId: campaign.id, organizationId: campaign.organizationId, currency: campaign.currency }, m);
        await this.fundsRows.lockFunds(m, campaign.id);
      }
      const facts = await this.funds.requestFacts(campaign, parts ? parts.map((p) => p.designation) : [designation], { organizationId: principal.organizationId, key }, m);
      if (key && facts.replayId) {
        // A concurrent double-submit waited on the lock above: it now sees the first one.
        const replay = await this.findByKey(principal.organizationId, key, fingerprint, m);
        if (replay) return { payout: replay, created: false };
      }
      const funds = facts.funds;
      const own = (code: string) => facts.designations.get(code) ?? { funds: 0n, pending: 0n, refundsInFlight: 0n };
      let amount: bigint;
      if (parts) {
        // Each part within its designation (the database refuses an overdraw too), then the whole within the campaign.
        for (const part of parts) {
          const available = designationAvailable({ ...own(part.designation), campaignAvailable: funds.available });
          withDesignation(part.designation, () => resolvePayoutAmount(part.amount, currency, campaign.currency, available), true);
        }
        amount = resolvePayoutAmount(requested, currency, campaign.currency, funds.available);
      } else {
        // Within its designation: never more than the designation holds (the database refuses it too).
        const available = designationAvailable({ ...own(designation), campaignAvailable: funds.available });
        amount = withDesignation(designation, () => resolvePayoutAmount(requested, currency, campaign.currency, available));
      }
      const approval = approvalFor(amount, org.approvalThreshold ?? -1n);
      const now = new Date();
      const hold = planHold({ payoutId: id, campaignId: campaign.id, currency: campaign.currency, amount, occurredAt: now, designation, ...(parts ? { parts } : {}) });
      // One statement: the payout row, the hold (entry, postings, totals), the audit record (and the notice with a key).
      const { rows } = await this.writer.recordWith(m, key ? [hold, notice] : [hold], [
        this.payouts.insertWrite({
          id, organizationId: principal.organizationId, campaignId: campaign.id, currency: campaign.currency, amount, approval, purpose, privateNote,
          requestedBy: principal.actor, idempotencyKey: key, requestFingerprint: fingerprint, decidedAt: now, designation, parts,
        }),
        this.audit.write({
          organizationId: principal.organizationId, actor: principal.actor, action: 'payout.requested', targetType: 'payout', targetId: id,
          details: {
            campaignId: campaign.id, amount: amount.toString(), currency: campaign.currency, approval,
            ...(parts ? { designations: parts.map((p) => ({ code: p.designation, amount: p.amount.toString() })) } : { designation }),
          },
        }),
      ]);
      return { payout: this.payouts.inserted(rows), created: true };
    }).catch((error: unknown) => {
      // The database's own check (a hold past the designation's funds): the same answer as ours.
      if (isCheckViolation(error, 'ledger_designation_overdrawn')) {
        // The trigger's message names the designation; a split request answers with it when it is one of its parts.
        const named = parts?.find((p) => String((error as Error).message).includes(`designation ${p.designation} `))?.designation ?? designation;
        throw new DomainError('insufficient_funds', `Not that much is available in ${named}`, 409, { designation: named });
      }
      if (key && isUniqueViolation(error, 'payouts_idempotency_uq')) throw new ConflictError('idempotency_conflict', 'A request with this Idempotency-Key is being processed; retry');
      throw error;
    });
    if (result.created && result.payout.status === 'approved') await this.schedule(result.payout.id);
    return result;
  }

  private async findByKey(organizationId: string, key: string, fingerprint: string, manager?: EntityManager): Promise<Payout | null> {
    const payout = await this.payouts.findByKey(organizationId, key, manager);
    if (!payout) return null;
    if (payout.requestFingerprint !== fingerprint) {
      throw new DomainError('idempotency_key_reused', 'This Idempotency-Key was already used for a different payout request', 422);
    }
    return payout;
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
    const payout = await this.payouts.get(organizationId, payoutId);
    if (!payout) throw new NotFoundError('Payout');
    return payout;
  }

  async list(organizationId: string, campaignId: string): Promise<Payout[]> {
    await this.funds.campaignOf(organizationId, campaignId);
    return this.payouts.listForCampaign(organizationId, campaignId);
  }

  /** Every campaign's payouts of the organization, newest first (at most `limit`), with the campaign's title. */
  async listForOrganization(organizationId: string, limit = 100): Promise<(Payout & { campaignTitle: string })[]> {
    return this.payouts.listForOrganization(organizationId, limit);
  }

  /** Operator queue: requests waiting for a decision, oldest first. */
  async awaitingApproval(): Promise<Payout[]> {
    return this.payouts.awaitingApproval();
  }

  /** The organization's payouts waiting for the operator (the dashboard's "needs attention"). */
  async awaitingApprovalFor(organizationId: string, limit = 20): Promise<Payout[]> {
    return this.payouts.awaitingApprovalFor(organizationId, limit);
  }

  /** The operator console's queue: requests waiting for a decision, oldest first, with their organization and campaign. */
  async operatorQueue(): Promise<OperatorPayoutView[]> {
    return this.payouts.operatorViews({ awaitingApproval: true });
  }

  /** One payout of any organization, for the operator console. */
  async operatorView(payoutId: string): Promise<OperatorPayoutView> {
    const [view] = await this.payouts.operatorViews({ payoutId });
    if (!view) throw new NotFoundError('Payout');
    return view;
  }

  async countAwaitingApproval(): Promise<number> {
    return this.payouts.countAwaitingApproval();
  }

  /** Organizations and their payout settings, by name, a page at a time (`more`: there is a next page). */
  async organizationSettings(filter: { q?: string }, page: { offset: number; limit: number }): Promise<{ items: OrganizationPayoutSettings[]; more: boolean }> {
    const rows = await this.payouts.payoutSettings(filter, page.offset, page.limit);
    return { items: rows.slice(0, page.limit), more: rows.length > page.limit };
  }

  async organizationSetting(organizationId: string): Promise<OrganizationPayoutSettings> {
    const [row] = await this.payouts.payoutSettings({ id: organizationId }, 0, 1);
    if (!row) throw new NotFoundError('Organization');
    return row;
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
      const approved = await this.payouts.approve(m, payoutId, actor);
      await this.audit.record(m, { organizationId: p.organizationId, actor, action: 'payout.approved', targetType: 'payout', targetId: p.id, details: { amount: p.amount.toString() } });
      await this.writer.record(m, [planNotice(p.id, 'approved')]);
      return approved;
    });
    await this.schedule(payout.id);
    return payout;
  }

  private async close(payoutId: string, to: 'cancelled' | 'rejected', actor: string, opts: { organizationId?: string; reason?: string }): Promise<Payout> {
    return this.tx.run(async (m) => {
      const p = await this.lock(m, payoutId, opts.organizationId);
      if (p.status === to) return p;
      assertMove(p.status, to, to);
      const closed = to === 'cancelled' ? await this.payouts.cancel(m, payoutId, actor) : await this.payouts.reject(m, payoutId, actor, opts.reason);
      await this.writer.record(m, [planClose(p, to, new Date())]);
      await this.audit.record(m, { organizationId: p.organizationId, actor, action: `payout.${to}`, targetType: 'payout', targetId: p.id, details: opts.reason ? { reason: opts.reason } : {} });
      return closed;
    });
  }

  private async lock(m: EntityManager, payoutId: string, organizationId?: string): Promise<Payout> {
    const payout = await this.payouts.lock(m, payoutId, organizationId);
    if (!payout) throw new NotFoundError('Payout');
    return payout;
  }

  /** The operator sets the amount (minor units of the campaign's currency) up to which payouts are approved automatically. */
  async setApprovalThreshold(organizationId: string, threshold: bigint | null, actor = 'operator'): Promise<void> {
    if (threshold !== null && threshold < 0n) throw new DomainError('threshold_invalid', 'The threshold cannot be negative', 400);
    await this.tx.run(async (m) => {
      if (!(await this.payouts.setApprovalThreshold(m, organizationId, threshold))) throw new NotFoundError('Organization');
      await this.audit.record(m, { organizationId, actor, action: 'payout.threshold_set', targetType: 'organization', targetId: organizationId, details: { threshold: threshold?.toString() ?? null } });
    });
  }
}
