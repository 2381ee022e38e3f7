import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DomainError } from '@ataa/common';
import { AppConfig } from '@ataa/config';
import { TransactionRunner } from '@ataa/database';
import { MetricsService } from '@ataa/observability';
import { StripeGateway } from '@ataa/payments';
import { movementsOf, planDifferences, reconcile, type BalanceTransactionLike, type StripeMovement } from './domain/reconcile.js';
import { ReconciliationRepository, type OpenDifferencesOfCampaign, type ReconciliationRun, type RunTrigger } from './persistence/reconciliation.repository.js';

/** One run at a time across every API and worker process (a PostgreSQL advisory lock, per database). */
const RUN_LOCK_KEY = 7_286_442_011;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const unix = (d: Date) => Math.floor(d.getTime() / 1000);

export interface RunOptions {
  trigger: RunTrigger;
  /** Compare Stripe objects created from then on; default: from the previous run (see windowStart). */
  since?: Date | null;
}

/**
 * Compares the ledger with Stripe: pages through the platform's balance transactions (sources
 * expanded) and its transfers with their reversals, reads the ledger entries of the same objects
 * and window, classifies the differences (domain/reconcile.ts) and stores them across runs.
 */
@Injectable()
export class ReconciliationService implements OnModuleInit {
  private readonly logger = new Logger('Reconciliation');

  constructor(
    private readonly tx: TransactionRunner,
    private readonly repo: ReconciliationRepository,
    private readonly metrics: MetricsService,
    private readonly stripe: StripeGateway,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.metrics.gauge('ataa_reconciliation_open_differences', 'Differences between the ledger and Stripe found by reconciliation and not resolved', () => this.repo.countOpen());
    this.metrics.gauge('ataa_reconciliation_charges_not_posted', 'Succeeded charges whose gift was not posted in the ledger within RECONCILIATION_POSTING_DEADLINE_SECONDS (open charge_not_posted differences)', () => this.repo.countOpen('charge_not_posted'));
  }

  /** Open differences about the organization's campaigns (the dashboard's "needs attention"). */
  async openDifferencesFor(organizationId: string, limit = 20): Promise<OpenDifferencesOfCampaign[]> {
    return this.repo.openForOrganization(organizationId, limit);
  }

  /** Runs once now; 409 `reconciliation_running` while another run holds the lock. */
  async run(options: RunOptions): Promise<ReconciliationRun> {
    const busy = () => new DomainError('reconciliation_running', 'A reconciliation run is already running', 409);
    return this.repo.withRunLock(RUN_LOCK_KEY, busy, async () => {
      await this.repo.failAbandonedRuns();
      return await this.runLocked(options);
    });
  }

  /** How long a charge may wait for its gift to be posted before it is `charge_not_posted`. */
  private get postingDeadlineMs(): number {
    return this.config.RECONCILIATION_POSTING_DEADLINE_SECONDS * 1000;
  }

  /**
   * Default window: from the end of the last successful run minus the grace window or the posting
   * deadline, whichever is longer (what was in flight then is looked at again). No run yet: all
   * history. Open differences older than that are re-read by id instead, so one that never
   * resolves does not hold every later window open.
   */
  private async windowStart(now: Date): Promise<Date | null> {
    const last = await this.repo.lastSucceededRun();
    if (!last) return null;
    const start = new Date(last.windowEnd.getTime() - Math.max(this.config.RECONCILIATION_GRACE_MS, this.postingDeadlineMs));
    return start > now ? now : start;
  }

  private async runLocked(options: RunOptions): Promise<ReconciliationRun> {
    const now = new Date();
    const grace = this.config.RECONCILIATION_GRACE_MS;
    const wanted = options.since !== undefined ? options.since : await this.windowStart(now);
    // Stripe's times are whole seconds (and so are the entries' occurred_at taken from them): the
    // ledger side of the window starts at the same second as Stripe's `created[gte]`.
    const since = wanted ? new Date(unix(wanted) * 1000) : null;
    const run = await this.repo.startRun(options.trigger, since, now, grace);
    try {
      const open = await this.repo.openDifferences();
      const older = since ? open.filter((o) => o.occurredAt < since) : [];
      const movements = await this.stripeMovements(since);
      movements.push(...await this.movementsOfObjects(older.map((o) => o.stripeObjectId), movements));
      await this.fillCampaigns(movements);
      const readFacts = () => this.repo.ledgerFacts(
        [...movements.map((m) => m.stripeId), ...older.map((o) => o.stripeObjectId)],
        [...movements.filter((m) => m.kind === 'payout').map((m) => m.stripeId), ...older.filter((o) => o.ledgerKind === 'payout').map((o) => o.stripeObjectId)],
        older.flatMap((o) => o.ledgerEntryIds), since,
      );
      let facts = await readFacts();
      // An entry recorded in the window for a Stripe object created before it (its webhook came
      // late, or was retried for days): that object's movements are read by id, so a slow webhook
      // is never reported as missing on Stripe.
      const listed = new Set([...movements.map((m) => m.stripeId), ...older.map((o) => o.stripeObjectId)]);
      const late = await this.movementsOfObjects([...new Set(facts.map((f) => f.stripeId).filter((id) => !listed.has(id)))], movements);
      if (late.length > 0) {
        movements.push(...late);
        await this.fillCampaigns(late);
        facts = await readFacts();
      }
      const result = reconcile(movements, facts, { inFlightAfter: new Date(now.getTime() - grace), postedBy: new Date(now.getTime() - this.postingDeadlineMs) });
      const plan = planDifferences(open.map((o) => ({ key: o.key, occurredAt: o.occurredAt })), result.differences, since, new Set(older.map((o) => o.key)), result.inFlightKeys);
      const opened = await this.tx.run(async (m) => {
        const rows = await this.repo.applyPlan(m, run.id, plan);
        await this.repo.finishRun(m, run.id, {
          stripeMovements: movements.length, ledgerEntries: new Set(facts.map((f) => f.entryId)).size, matched: result.matched, inFlight: result.inFlight,
          differences: result.differences.length, newDifferences: rows.length, resolvedDifferences: plan.resolvedKeys.length,
        });
        return rows;
      });
      for (const d of opened) {
        this.logger.warn(
          `reconciliation difference ${d.kind}: ${d.ledgerKind} ${d.stripeObjectId} stripe=${d.stripeAmount ?? '-'} ledger=${d.ledgerAmount ?? '-'} ${d.currency}`
          + `${d.campaignId ? ` campaign ${d.campaignId}` : ''} (difference ${d.id}, run ${run.id})`,
        );
      }
      if (plan.resolvedKeys.length > 0) this.logger.log(`reconciliation run ${run.id}: ${plan.resolvedKeys.length} difference(s) resolved`);
      return (await this.repo.findRun(run.id))!;
    } catch (error) {
      await this.repo.failRun(run.id, (error as Error).message ?? String(error));
      throw error;
    }
  }

  /** Every balance transaction of the window, plus transfers and their reversals (deduplicated). */
  private async stripeMovements(since: Date | null): Promise<StripeMovement[]> {
    const created = since ? { gte: unix(since) } : undefined;
    const byKey = new Map<string, StripeMovement>();
    const add = (m: StripeMovement) => {
      const k = `${m.kind}|${m.stripeId}`;
      if (!byKey.has(k)) byKey.set(k, m);
    };
    for await (const bt of this.stripe.listBalanceTransactions({ limit: 100, expand: ['data.source'], ...(created ? { created } : {}) })) {
      for (const m of movementsOf(bt as unknown as BalanceTransactionLike)) add(m);
    }
    for await (const t of this.stripe.listTransfers({ limit: 100, ...(created ? { created } : {}) })) {
      const campaignId = t.transfer_group && UUID.test(t.transfer_group) ? t.transfer_group : null;
      const bt = typeof t.balance_transaction === 'string' ? t.balance_transaction : t.balance_transaction?.id ?? null;
      const existing = byKey.get(`payout|${t.id}`);
      if (existing) existing.campaignId ??= campaignId;
      else add({ kind: 'payout', stripeId: t.id, amount: -BigInt(t.amount), currency: t.currency, createdAt: new Date(t.created * 1000), balanceTransactionId: bt, chargeId: null, campaignId, pending: false });
      if (t.amount_reversed <= 0) continue;
      for await (const r of this.stripe.listTransferReversals(t.id, { limit: 100 })) {
        const rbt = typeof r.balance_transaction === 'string' ? r.balance_transaction : r.balance_transaction?.id ?? null;
        const seen = byKey.get(`payout_reversal|${r.id}`);
        if (seen) seen.campaignId ??= campaignId;
        else add({ kind: 'payout_reversal', stripeId: r.id, amount: BigInt(r.amount), currency: r.currency, createdAt: new Date(r.created * 1000), balanceTransactionId: rbt, chargeId: null, campaignId, pending: false });
      }
    }
    return [...byKey.values()];
  }

  /**
   * The movements of Stripe objects read by id (open differences older than the window): the
   * balance transactions whose source they are, or the balance transaction itself (a fee's txn_).
   * An object Stripe does not have gives none.
   */
  private async movementsOfObjects(ids: string[], known: StripeMovement[]): Promise<StripeMovement[]> {
    const have = new Set(known.map((m) => `${m.kind}|${m.stripeId}`));
    const out: StripeMovement[] = [];
    for (const id of [...new Set(ids)]) {
      let transactions: BalanceTransactionLike[];
      try {
        transactions = id.startsWith('txn_')
          ? [await this.stripe.retrieveBalanceTransaction(id, { expand: ['source'] }) as unknown as BalanceTransactionLike]
          : (await this.stripe.listBalanceTransactions({ source: id, limit: 100, expand: ['data.source'] })).data as unknown as BalanceTransactionLike[];
      } catch (error) {
        if ((error as { type?: string }).type === 'StripeInvalidRequestError') continue; // no such object on Stripe
        throw error;
      }
      for (const m of transactions.flatMap(movementsOf)) {
        const k = `${m.kind}|${m.stripeId}`;
        if (!have.has(k)) {
          have.add(k);
          out.push(m);
        }
      }
    }
    return out;
  }

  private async fillCampaigns(movements: StripeMovement[]): Promise<void> {
    const charges = [...new Set(movements.filter((m) => !m.campaignId && m.chargeId).map((m) => m.chargeId!))];
    const campaigns = await this.repo.campaignsOfCharges(charges);
    for (const m of movements) if (!m.campaignId && m.chargeId) m.campaignId = campaigns.get(m.chargeId) ?? null;
  }
}
