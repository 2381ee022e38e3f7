import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { SqlWrite } from '@ataa/database';
import type { CloseOutDecision } from '@ataa/donations';
import type { PayoutChange } from '../domain/payout-plans.js';
import type { LoggedMoney } from '../domain/payout-draws.js';
import { Payout, toPayout } from './payout.row.js';

/** What a payout request checks about its organization and campaign (read FOR SHARE of the campaign). */
export interface RequestContext {
  payoutsEnabled: boolean;
  stripeAccountId: string | null;
  /** Minor units up to which requests are approved automatically; null: never. */
  approvalThreshold: bigint | null;
  fundingModel: 'flexible' | 'all_or_nothing';
  campaignStatus: string;
  decision: CloseOutDecision | null;
}

export interface NewPayout {
  id: string;
  organizationId: string;
  campaignId: string;
  currency: string;
  amount: bigint;
  approval: 'automatic' | 'operator';
  purpose: string;
  privateNote: string | null;
  requestedBy: string;
  idempotencyKey: string | null;
  requestFingerprint: string;
  /** When an automatic approval was decided (the request's time). */
  decidedAt: Date;
  /** The designation it spends (default general), or `parts` for a payout split across designations. */
  designation?: string;
  /** Two or more parts (designation order): the designations it spends and how much of each. */
  parts?: { designation: string; amount: bigint }[] | null;
}

/** A payout as the operator console shows it. */
export interface OperatorPayoutView {
  payout: Payout;
  organizationName: string;
  campaignTitle: string;
  campaignSlug: string;
  /** The organization's automatic-approval threshold now (minor units; null: an operator decides every payout). */
  approvalThreshold: bigint | null;
}

/** An organization's payout settings, as the operator console lists them. */
export interface OrganizationPayoutSettings {
  id: string;
  name: string;
  approvalThreshold: bigint | null;
  payoutsEnabled: boolean;
  stripeAccountId: string | null;
  createdAt: Date;
  /** Its payouts waiting for an operator. */
  awaitingApproval: number;
  /** Its campaigns' currencies (the threshold is compared in each campaign's own minor units). */
  currencies: string[];
}

/** A transfer that can still be (partly) reversed. */
export interface TransferRow {
  payoutId: string;
  transferId: string;
  amount: bigint;
  reversed: bigint;
  executedAt: Date;
}

/**
 * The only code touching the payouts table (and the organization settings payouts read): requests,
 * decisions, execution state, reversals. The ledger, public ledger and notices are the LedgerWriter's.
 */
@Injectable()
export class PayoutRepository {
  constructor(private readonly dataSource: DataSource) {}

  async findByKey(organizationId: string, key: string, manager: EntityManager = this.dataSource.manager): Promise<Payout | null> {
    const [row] = await manager.query(`SELECT * FROM payouts WHERE organization_id = $1 AND idempotency_key = $2`, [organizationId, key]);
    return row ? toPayout(row) : null;
  }

  async get(organizationId: string, payoutId: string): Promise<Payout | null> {
    const [row] = await this.dataSource.query(`SELECT * FROM payouts WHERE id = $1 AND organization_id = $2`, [payoutId, organizationId]);
    return row ? toPayout(row) : null;
  }

  async listForCampaign(organizationId: string, campaignId: string): Promise<Payout[]> {
    const rows = await this.dataSource.query(
      `SELECT * FROM payouts WHERE campaign_id = $1 AND organization_id = $2 ORDER BY created_at DESC, id DESC LIMIT 200`, [campaignId, organizationId],
    );
    return rows.map(toPayout);
  }

  /** The organization's payouts, newest first, with their campaign's title. */
  async listForOrganization(organizationId: string, limit: number): Promise<(Payout & { campaignTitle: string })[]> {
    const rows = await this.dataSource.query(
      `SELECT p.*, c.title AS campaign_title FROM payouts p JOIN campaigns c ON c.id = p.campaign_id
       WHERE p.organization_id = $1 ORDER BY p.created_at DESC, p.id DESC LIMIT $2`, [organizationId, limit],
    );
    return rows.map((r: Record<string, any>) => ({ ...toPayout(r), campaignTitle: r.campaign_title as string }));
  }

  /** Operator queue: requests waiting for a decision, oldest first. */
  async awaitingApproval(): Promise<Payout[]> {
    const rows = await this.dataSource.query(`SELECT * FROM payouts WHERE status = 'pending_approval' ORDER BY created_at LIMIT 200`);
    return rows.map(toPayout);
  }

  /** One organization's requests waiting for the operator's decision, oldest first. */
  async awaitingApprovalFor(organizationId: string, limit: number): Promise<Payout[]> {
    const rows = await this.dataSource.query(
      `SELECT * FROM payouts WHERE organization_id = $1 AND status = 'pending_approval' ORDER BY created_at LIMIT $2`, [organizationId, limit],
    );
    return rows.map(toPayout);
  }

  /** The operator console's view of payouts (any organization): with its organization's name and campaign's title. */
  async operatorViews(filter: { payoutId?: string; awaitingApproval?: boolean }, limit = 200): Promise<OperatorPayoutView[]> {
    const rows = await this.dataSource.query(
      `SELECT p.*, o.name AS organization_name, o.payout_approval_threshold, c.title AS campaign_title, c.slug AS campaign_slug
       FROM payouts p JOIN organizations o ON o.id = p.organization_id JOIN campaigns c ON c.id = p.campaign_id
       WHERE ($1::uuid IS NULL OR p.id = $1) AND (NOT $2 OR p.status = 'pending_approval')
       ORDER BY p.created_at, p.id LIMIT $3`,
      [filter.payoutId ?? null, filter.awaitingApproval === true, limit],
    );
    return rows.map((r: Record<string, any>) => ({
      payout: toPayout(r), organizationName: r.organization_name, campaignTitle: r.campaign_title, campaignSlug: r.campaign_slug,
      approvalThreshold: r.payout_approval_threshold === null ? null : BigInt(r.payout_approval_threshold),
    }));
  }

  async countAwaitingApproval(): Promise<number> {
    const [row] = await this.dataSource.query(`SELECT count(*)::int AS n FROM payouts WHERE status = 'pending_approval'`);
    return row.n;
  }

  /**
   * Organizations with their payout settings for the operator console, by name: `q` matches a part
   * of the name (case-insensitive, taken literally), `id` one organization. One more row than `limit`
   * tells the caller there is a next page.
   */
  async payoutSettings(filter: { q?: string; id?: string }, offset: number, limit: number): Promise<OrganizationPayoutSettings[]> {
    const pattern = filter.q ? `%${filter.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
    const rows = await this.dataSource.query(
      `SELECT o.id, o.name, o.payout_approval_threshold, o.payouts_enabled, o.stripe_account_id, o.created_at,
              (SELECT count(*)::int FROM payouts p WHERE p.organization_id = o.id AND p.status = 'pending_approval') AS awaiting,
              coalesce((SELECT array_agg(DISTINCT c.currency ORDER BY c.currency) FROM campaigns c WHERE c.organization_id = o.id), '{}') AS currencies
       FROM organizations o
       WHERE ($1::text IS NULL OR o.name ILIKE $1) AND ($2::uuid IS NULL OR o.id = $2)
       ORDER BY lower(o.name), o.id OFFSET $3 LIMIT $4`,
      [pattern, filter.id ?? null, offset, limit + 1],
    );
    return rows.map((r: Record<string, any>) => ({
      id: r.id, name: r.name, approvalThreshold: r.payout_approval_threshold === null ? null : BigInt(r.payout_approval_threshold),
      payoutsEnabled: r.payouts_enabled === true, stripeAccountId: r.stripe_account_id ?? null, createdAt: r.created_at,
      awaitingApproval: r.awaiting, currencies: r.currencies,
    }));
  }

  /** Locks the payout row (FOR UPDATE); with an organization, only that organization's payout. */
  async lock(m: EntityManager, payoutId: string, organizationId?: string): Promise<Payout | null> {
    const [row] = await m.query(
      `SELECT * FROM payouts WHERE id = $1 ${organizationId ? 'AND organization_id = $2' : ''} FOR UPDATE`, organizationId ? [payoutId, organizationId] : [payoutId],
    );
    return row ? toPayout(row) : null;
  }

  /**
   * The organization's payout settings and the campaign's funding state, the campaign row read FOR
   * SHARE (a cancel locks it and refuses a campaign with payouts: the two cannot both pass).
   */
  async requestContext(m: EntityManager, organizationId: string, campaignId: string): Promise<RequestContext | null> {
    const [row] = await m.query(
      `SELECT o.payouts_enabled, o.stripe_account_id, o.payout_approval_threshold, c.funding_model, c.status, co.decision
       FROM organizations o JOIN campaigns c ON c.organization_id = o.id LEFT JOIN campaign_closeouts co ON co.campaign_id = c.id
       WHERE o.id = $1 AND c.id = $2 FOR SHARE OF c`,
      [organizationId, campaignId],
    );
    if (!row) return null;
    return {
      payoutsEnabled: row.payouts_enabled === true, stripeAccountId: row.stripe_account_id ?? null,
      approvalThreshold: row.payout_approval_threshold === null ? null : BigInt(row.payout_approval_threshold),
      fundingModel: row.funding_model, campaignStatus: row.status, decision: row.decision ?? null,
    };
  }

  /** The campaign a payout belongs to (no lock: the caller locks the campaign's funds, then the payout). */
  async campaignOfPayout(m: EntityManager, payoutId: string): Promise<string | null> {
    const [row] = await m.query(`SELECT campaign_id FROM payouts WHERE id = $1`, [payoutId]);
    return row?.campaign_id ?? null;
  }

  /**
   * The campaign's public gifts, payouts and reversals in log order (what the FIFO draw replays:
   * `planDraws`), from the `(campaign_id, kind, idx)` index.
   */
  async loggedMoney(m: EntityManager, campaignId: string): Promise<LoggedMoney[]> {
    const rows: { idx: string; kind: string; amount: string; leaf_format: number | null; designation: string | null; draws: unknown; parts: unknown; payout_purpose: string | null }[] = await m.query(
      `SELECT idx, kind, amount::text AS amount, leaf_format, designation, draws, parts, payout_purpose FROM public_ledger_entries
        WHERE campaign_id = $1 AND kind IN ('donation', 'payout', 'payout_reversal', 'refund', 'dispute', 'dispute_reversal') ORDER BY idx`,
      [campaignId],
    );
    // A refund's or dispute's purpose names its gift (what is left drawable of it); a payout's purpose is not read.
    return rows.map((r) => ({
      index: Number(r.idx), kind: r.kind, amount: r.amount, v: r.leaf_format ?? 1, designation: r.designation,
      draws: Array.isArray(r.draws) ? r.draws.map((d: { index: number; amount: string }) => ({ index: Number(d.index), amount: String(d.amount) })) : undefined,
      ...(Array.isArray(r.parts) ? { parts: r.parts } : {}),
      ...(r.kind === 'payout' || r.kind === 'payout_reversal' || r.kind === 'donation' ? {} : { purpose: r.payout_purpose }),
    }));
  }

  /**
   * A new request (approved at once, automatic, or waiting for an operator), as a write the ledger
   * writer runs with the request's hold and audit record (one statement under the campaign's funds
   * lock); `inserted` reads the row it returned.
   */
  insertWrite(p: NewPayout): SqlWrite {
    const automatic = p.approval === 'automatic';
    const split = (p.parts?.length ?? 0) > 1;
    return {
      text: `INSERT INTO payouts (id, organization_id, campaign_id, currency, amount, status, purpose, private_note, requested_by, idempotency_key,
         request_fingerprint, approval, decided_by, decided_at, designation, parts)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16::jsonb) RETURNING *`,
      values: [p.id, p.organizationId, p.campaignId, p.currency, p.amount.toString(), automatic ? 'approved' : 'pending_approval',
        p.purpose, p.privateNote, p.requestedBy, p.idempotencyKey, p.requestFingerprint, automatic ? 'automatic' : null,
        automatic ? 'automatic' : null, automatic ? p.decidedAt : null, split ? null : p.designation ?? 'general',
        split ? JSON.stringify(p.parts!.map((x) => ({ designation: x.designation, amount: x.amount.toString() }))) : null],
      returning: true,
    };
  }

  inserted(rows: readonly Record<string, any>[]): Payout {
    if (rows.length !== 1) throw new Error(`a payout insert returned ${rows.length} rows`);
    return toPayout(rows[0]);
  }

  async approve(m: EntityManager, payoutId: string, actor: string): Promise<Payout> {
    // TypeORM answers an UPDATE ... RETURNING with [rows, affected].
    const [[row]] = await m.query(
      `UPDATE payouts SET status = 'approved', approval = 'operator', decided_by = $2, decided_at = now() WHERE id = $1 RETURNING *`, [payoutId, actor],
    );
    return toPayout(row);
  }

  async cancel(m: EntityManager, payoutId: string, actor: string): Promise<Payout> {
    const [[row]] = await m.query(`UPDATE payouts SET status = 'cancelled', cancelled_by = $2 WHERE id = $1 RETURNING *`, [payoutId, actor]);
    return toPayout(row);
  }

  async reject(m: EntityManager, payoutId: string, actor: string, reason: string | undefined): Promise<Payout> {
    const [[row]] = await m.query(
      `UPDATE payouts SET status = 'rejected', approval = 'operator', decided_by = $2, decided_at = now(), rejection_reason = $3 WHERE id = $1 RETURNING *`,
      [payoutId, actor, reason],
    );
    return toPayout(row);
  }

  /** False when there is no such organization. */
  async setApprovalThreshold(m: EntityManager, organizationId: string, threshold: bigint | null): Promise<boolean> {
    const [, affected] = await m.query(`UPDATE organizations SET payout_approval_threshold = $2, updated_at = now() WHERE id = $1`, [organizationId, threshold?.toString() ?? null]);
    return Boolean(affected);
  }

  /** Where the organization's payouts go, and whether Stripe lets it receive them. */
  async destination(m: EntityManager, organizationId: string): Promise<{ stripeAccountId: string | null; payoutsEnabled: boolean } | null> {
    const [org] = await m.query(`SELECT stripe_account_id, payouts_enabled FROM organizations WHERE id = $1`, [organizationId]);
    return org ? { stripeAccountId: org.stripe_account_id ?? null, payoutsEnabled: org.payouts_enabled === true } : null;
  }

  /** An attempt at the transfer: the first one moves the payout to processing. */
  async countAttempt(m: EntityManager, payoutId: string, start: boolean): Promise<void> {
    await m.query(
      start ? `UPDATE payouts SET status = 'processing', attempts = attempts + 1 WHERE id = $1` : `UPDATE payouts SET attempts = attempts + 1 WHERE id = $1`,
      [payoutId],
    );
  }

  /** Writes a plan's change of the payout row. */
  async apply(m: EntityManager, payoutId: string, change: PayoutChange): Promise<void> {
    switch (change.kind) {
      case 'paid':
        // A split payout keeps each part's draws in its parts (rewritten with them; the amounts stay).
        if (change.parts) {
          await m.query(`UPDATE payouts SET status = 'paid', stripe_transfer_id = $2, executed_at = $3, parts = $4::jsonb WHERE id = $1`,
            [payoutId, change.stripeTransferId, change.executedAt, JSON.stringify(change.parts)]);
          return;
        }
        await m.query(`UPDATE payouts SET status = 'paid', stripe_transfer_id = $2, executed_at = $3, draws = $4::jsonb WHERE id = $1`,
          [payoutId, change.stripeTransferId, change.executedAt, change.draws ? JSON.stringify(change.draws) : null]);
        return;
      case 'failed':
        await m.query(`UPDATE payouts SET status = 'failed', failure_code = $2, failure_message = $3 WHERE id = $1`, [payoutId, change.failureCode, change.failureMessage]);
        return;
      case 'reversed':
        await m.query(`UPDATE payouts SET amount_reversed = $2, status = $3 WHERE id = $1`, [payoutId, change.amountReversed.toString(), change.status]);
        return;
    }
  }

  /** The payout a transfer belongs to: by the transfer id we stored, or the payout id in its metadata. */
  /** Approved or processing payouts not touched for `olderThanSeconds`, oldest first, at most 100 (the worker's sweep hands them to the queue again). */
  async stalledIds(olderThanSeconds: number): Promise<string[]> {
    const rows: { id: string }[] = await this.dataSource.query(
      `SELECT id FROM payouts WHERE status IN ('approved', 'processing') AND updated_at < now() - make_interval(secs => $1) ORDER BY updated_at LIMIT 100`,
      [olderThanSeconds],
    );
    return rows.map((r) => r.id);
  }

  async findIdForTransfer(transferId: string, payoutIdFromMetadata: string | null): Promise<string | null> {
    const [row] = await this.dataSource.query(
      `SELECT id FROM payouts WHERE stripe_transfer_id = $1 OR id::text = $2 LIMIT 1`, [transferId, payoutIdFromMetadata ?? ''],
    );
    return row ? row.id : null;
  }

  /** Which of these transfer reversals are already posted (under the payout's lock, so the answer holds). */
  async postedReversals(m: EntityManager, reversalIds: readonly string[]): Promise<Set<string>> {
    if (reversalIds.length === 0) return new Set();
    const rows: { source_id: string }[] = await m.query(
      `SELECT source_id FROM journal_entries WHERE kind = 'payout_reversal' AND source_id = ANY($1::text[])`, [[...new Set(reversalIds)]],
    );
    return new Set(rows.map((r) => r.source_id));
  }

  /** Executed transfers of the campaign not wholly reversed yet. */
  async reversibleTransfers(m: EntityManager, campaignId: string): Promise<TransferRow[]> {
    const rows: { id: string; stripe_transfer_id: string; amount: string; amount_reversed: string; executed_at: Date }[] = await m.query(
      `SELECT id, stripe_transfer_id, amount::text, amount_reversed::text, executed_at FROM payouts
       WHERE campaign_id = $1 AND status IN ('paid', 'reversed') AND stripe_transfer_id IS NOT NULL AND amount_reversed < amount`,
      [campaignId],
    );
    return rows.map((t) => ({ payoutId: t.id, transferId: t.stripe_transfer_id, amount: BigInt(t.amount), reversed: BigInt(t.amount_reversed), executedAt: new Date(t.executed_at) }));
  }
}
