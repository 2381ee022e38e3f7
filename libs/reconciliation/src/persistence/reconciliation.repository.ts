import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { PLATFORM_ACCOUNTS } from '@ataa/ledger';
import type { CampaignDifferenceFacts, LastRunFacts } from '../domain/public-reconciliation.js';
import { differenceKey, RECONCILED_KINDS, type Difference, type DifferencePlan, type LedgerFact, type ReconciledKind } from '../domain/reconcile.js';

export type RunTrigger = 'schedule' | 'operator' | 'job';
export type RunStatus = 'running' | 'succeeded' | 'failed';

export interface ReconciliationRun extends RunCounts {
  id: string;
  trigger: RunTrigger;
  status: RunStatus;
  windowStart: Date | null;
  windowEnd: Date;
  graceMs: number;
  startedAt: Date;
  finishedAt: Date | null;
  error: string | null;
}

export interface StoredDifference {
  id: string;
  key: string;
  kind: Difference['kind'];
  ledgerKind: string;
  stripeObjectId: string;
  ledgerEntryId: string | null;
  ledgerEntryIds: string[];
  stripeAmount: bigint | null;
  ledgerAmount: bigint | null;
  currency: string;
  campaignId: string | null;
  occurredAt: Date;
  details: Record<string, unknown>;
  firstRunId: string;
  lastRunId: string;
  firstSeenAt: Date;
  lastSeenAt: Date;
  resolvedAt: Date | null;
}

export interface RunCounts {
  stripeMovements: number;
  ledgerEntries: number;
  matched: number;
  inFlight: number;
  differences: number;
  newDifferences: number;
  resolvedDifferences: number;
}

const toRun = (r: Record<string, any>): ReconciliationRun => ({
  id: r.id, trigger: r.trigger, status: r.status, windowStart: r.window_start, windowEnd: r.window_end, graceMs: Number(r.grace_ms),
  startedAt: r.started_at, finishedAt: r.finished_at, stripeMovements: r.stripe_movements, ledgerEntries: r.ledger_entries, matched: r.matched,
  inFlight: r.in_flight, differences: r.differences, newDifferences: r.new_differences, resolvedDifferences: r.resolved_differences, error: r.error,
});

/** The reconciled kinds as SQL literals (constants): lets PostgreSQL use the partial index on them. */
const KINDS_SQL = RECONCILED_KINDS.map((k) => `'${k}'`).join(', ');

const big = (v: string | null) => (v === null ? null : BigInt(v));

const toDifference = (r: Record<string, any>): StoredDifference => ({
  id: r.id, key: r.key, kind: r.kind, ledgerKind: r.ledger_kind, stripeObjectId: r.stripe_object_id, ledgerEntryId: r.ledger_entry_id,
  ledgerEntryIds: r.ledger_entry_ids ?? [], stripeAmount: big(r.stripe_amount), ledgerAmount: big(r.ledger_amount), currency: r.currency,
  campaignId: r.campaign_id, occurredAt: r.occurred_at, details: r.details, firstRunId: r.first_run_id, lastRunId: r.last_run_id,
  firstSeenAt: r.first_seen_at, lastSeenAt: r.last_seen_at, resolvedAt: r.resolved_at,
});

/** Runs, differences, and the ledger read the way reconciliation needs it (plain SQL). */
/** A campaign with open reconciliation differences. */
export interface OpenDifferencesOfCampaign {
  campaignId: string;
  title: string;
  differences: number;
}

@Injectable()
export class ReconciliationRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Runs `work` holding the session advisory lock `key` on a connection of its own (released after),
   * so one run at a time across every process; `busy()` is thrown when another session holds it.
   */
  async withRunLock<T>(key: number, busy: () => Error, work: () => Promise<T>): Promise<T> {
    const lock = this.dataSource.createQueryRunner();
    await lock.connect();
    try {
      const [{ locked }] = await lock.query(`SELECT pg_try_advisory_lock($1) AS locked`, [key]);
      if (!locked) throw busy();
      try {
        return await work();
      } finally {
        await lock.query(`SELECT pg_advisory_unlock($1)`, [key]);
      }
    } finally {
      await lock.release();
    }
  }

  async startRun(trigger: RunTrigger, windowStart: Date | null, windowEnd: Date, graceMs: number): Promise<ReconciliationRun> {
    const [row] = await this.dataSource.query(
      `INSERT INTO reconciliation_runs (trigger, window_start, window_end, grace_ms) VALUES ($1, $2, $3, $4) RETURNING *`,
      [trigger, windowStart, windowEnd, graceMs],
    );
    return toRun(row);
  }

  async finishRun(manager: EntityManager, id: string, c: RunCounts): Promise<void> {
    await manager.query(
      `UPDATE reconciliation_runs SET status = 'succeeded', finished_at = now(), stripe_movements = $2, ledger_entries = $3, matched = $4,
         in_flight = $5, differences = $6, new_differences = $7, resolved_differences = $8 WHERE id = $1`,
      [id, c.stripeMovements, c.ledgerEntries, c.matched, c.inFlight, c.differences, c.newDifferences, c.resolvedDifferences],
    );
  }

  async failRun(id: string, error: string): Promise<void> {
    await this.dataSource.query(`UPDATE reconciliation_runs SET status = 'failed', finished_at = now(), error = $2 WHERE id = $1`, [id, error.slice(0, 1000)]);
  }

  /** Runs left `running` by a process that died (the caller holds the run lock, so none is alive). */
  async failAbandonedRuns(): Promise<number> {
    const rows = await this.dataSource.query(
      `UPDATE reconciliation_runs SET status = 'failed', finished_at = now(), error = 'abandoned: the process running it stopped' WHERE status = 'running' RETURNING id`,
    );
    return rows.length;
  }

  async findRun(id: string): Promise<ReconciliationRun | null> {
    const [row] = await this.dataSource.query(`SELECT * FROM reconciliation_runs WHERE id = $1`, [id]);
    return row ? toRun(row) : null;
  }

  async lastSucceededRun(): Promise<ReconciliationRun | null> {
    const [row] = await this.dataSource.query(`SELECT * FROM reconciliation_runs WHERE status = 'succeeded' ORDER BY started_at DESC LIMIT 1`);
    return row ? toRun(row) : null;
  }

  async latestRuns(limit: number): Promise<ReconciliationRun[]> {
    const rows = await this.dataSource.query(`SELECT * FROM reconciliation_runs ORDER BY started_at DESC LIMIT $1`, [limit]);
    return rows.map(toRun);
  }

  async openDifferences(limit = 10_000): Promise<StoredDifference[]> {
    const rows = await this.dataSource.query(
      `SELECT * FROM reconciliation_differences WHERE resolved_at IS NULL ORDER BY occurred_at, key LIMIT $1`, [limit],
    );
    return rows.map(toDifference);
  }

  /** Open differences about one organization's campaigns, counted per campaign. */
  async openForOrganization(organizationId: string, limit: number): Promise<OpenDifferencesOfCampaign[]> {
    const rows = await this.dataSource.query(
      `SELECT d.campaign_id, c.title, count(*)::int AS n FROM reconciliation_differences d JOIN campaigns c ON c.id = d.campaign_id
        WHERE d.resolved_at IS NULL AND c.organization_id = $1 GROUP BY d.campaign_id, c.title ORDER BY min(d.first_seen_at) LIMIT $2`, [organizationId, limit],
    );
    return rows.map((r: { campaign_id: string; title: string; n: number }) => ({ campaignId: r.campaign_id, title: r.title, differences: r.n }));
  }

  async countOpen(kind?: Difference['kind']): Promise<number> {
    const [row] = await this.dataSource.query(
      `SELECT count(*)::int AS n FROM reconciliation_differences WHERE resolved_at IS NULL AND ($1::text IS NULL OR kind = $1)`, [kind ?? null],
    );
    return row.n;
  }

  /**
   * Ledger entries sourced from Stripe: those keyed on the given Stripe ids (payouts by their
   * transfer), the given entries (open differences re-checked), and every such entry recorded
   * since the window started, so that one Stripe does not list shows up (an entry that happened in
   * the window was recorded in it too). The amount is what the entry moved on the platform's Stripe
   * balance.
   */
  async ledgerFacts(stripeIds: string[], transferIds: string[], entryIds: string[], since: Date | null): Promise<LedgerFact[]> {
    // A fact's effect on the Stripe balance, per currency: its own postings to it plus those of the
    // entry converting it to the settlement currency (`<kind>_fx`, same Stripe id), so a gift in KWD
    // settled in USD compares as Stripe's USD amount. Currencies that net to zero drop out.
    const rows: { id: string; kind: ReconciledKind; stripe_id: string; entry_currency: string; campaign_id: string | null; occurred_at: Date; currency: string | null; amount: string | null }[] =
      await this.dataSource.query(
        `WITH e AS (
           SELECT j.id FROM journal_entries j WHERE j.source_id = ANY($1::text[]) AND j.kind = ANY($4::text[]) AND j.kind <> 'payout'
           UNION
           SELECT j.id FROM payouts p JOIN journal_entries j ON j.source_id = p.id::text AND j.kind = 'payout' WHERE p.stripe_transfer_id = ANY($2::text[])
           UNION
           SELECT j.id FROM journal_entries j WHERE j.id = ANY($6::uuid[]) AND j.kind = ANY($4::text[])
           UNION
           SELECT j.id FROM journal_entries j WHERE j.kind IN (${KINDS_SQL}) AND ${since ? 'j.recorded_at >= $3' : '$3::timestamptz IS NULL'}
         )
         SELECT j.id, j.kind, CASE WHEN j.kind = 'payout' THEN coalesce(j.metadata->>'transfer_id', j.source_id) ELSE j.source_id END AS stripe_id,
                j.currency AS entry_currency, j.campaign_id, j.occurred_at, s.currency, s.amount
         FROM e JOIN journal_entries j ON j.id = e.id
         LEFT JOIN LATERAL (
           SELECT p.currency, sum(p.amount)::text AS amount FROM journal_entries x JOIN postings p ON p.entry_id = x.id AND p.account_code = $5
           WHERE x.id = j.id OR (x.source_id = j.source_id AND x.kind = j.kind || '_fx')
           GROUP BY p.currency HAVING sum(p.amount) <> 0
         ) s ON true`,
        [stripeIds, transferIds, since, RECONCILED_KINDS, PLATFORM_ACCOUNTS.stripeBalance, entryIds],
      );
    const facts = new Map<string, LedgerFact & { currencies: number }>();
    for (const r of rows) {
      const found = facts.get(r.id);
      if (!found) {
        facts.set(r.id, {
          entryId: r.id, kind: r.kind, stripeId: r.stripe_id, currency: r.currency ?? r.entry_currency, campaignId: r.campaign_id, occurredAt: r.occurred_at,
          amount: BigInt(r.amount ?? '0'), currencies: r.currency ? 1 : 0,
        });
      } else if (r.currency) {
        // Still in two currencies (converted only partly): compared in the entry's own currency, a mismatch.
        found.currencies++;
        if (r.currency === r.entry_currency) Object.assign(found, { currency: r.currency, amount: BigInt(r.amount ?? '0') });
      }
    }
    return [...facts.values()].map(({ currencies: _, ...f }) => f);
  }

  /** The campaign of each charge we know (gifts), for differences that have no ledger entry to tell it. */
  async campaignsOfCharges(chargeIds: string[]): Promise<Map<string, string>> {
    if (chargeIds.length === 0) return new Map();
    const rows: { stripe_charge_id: string; campaign_id: string }[] = await this.dataSource.query(
      `SELECT stripe_charge_id, campaign_id FROM donations WHERE stripe_charge_id = ANY($1::text[])`, [chargeIds],
    );
    return new Map(rows.map((r) => [r.stripe_charge_id, r.campaign_id]));
  }

  /**
   * Stores what a run found, in the caller's transaction: new differences are inserted, those seen
   * again refreshed (same row), those no longer seen resolved. Returns the rows opened.
   */
  async applyPlan(manager: EntityManager, runId: string, plan: DifferencePlan): Promise<StoredDifference[]> {
    const opened: StoredDifference[] = [];
    for (const d of [...plan.opened, ...plan.stillOpen]) {
      const [row] = await manager.query(
        `INSERT INTO reconciliation_differences AS r (key, kind, ledger_kind, stripe_object_id, ledger_entry_id, ledger_entry_ids, stripe_amount, ledger_amount,
           currency, campaign_id, occurred_at, details, first_run_id, last_run_id)
         VALUES ($1, $2, $3, $4, $5, $6::uuid[], $7, $8, $9, $10, $11, $12, $13, $13)
         ON CONFLICT (key) WHERE resolved_at IS NULL DO UPDATE SET
           ledger_entry_id = EXCLUDED.ledger_entry_id, ledger_entry_ids = EXCLUDED.ledger_entry_ids, stripe_amount = EXCLUDED.stripe_amount,
           ledger_amount = EXCLUDED.ledger_amount, campaign_id = coalesce(EXCLUDED.campaign_id, r.campaign_id), details = EXCLUDED.details,
           last_run_id = EXCLUDED.last_run_id, last_seen_at = now()
         RETURNING *, (xmax = 0) AS inserted`,
        [differenceKey(d), d.kind, d.movementKind, d.stripeId, d.ledgerEntryIds[0] ?? null, d.ledgerEntryIds, d.stripeAmount?.toString() ?? null,
          d.ledgerAmount?.toString() ?? null, d.currency, d.campaignId, d.occurredAt, JSON.stringify(d.details), runId],
      );
      if (row.inserted) opened.push(toDifference(row));
    }
    if (plan.resolvedKeys.length > 0) {
      await manager.query(
        `UPDATE reconciliation_differences SET resolved_at = now(), resolved_run_id = $2 WHERE resolved_at IS NULL AND key = ANY($1::text[])`,
        [plan.resolvedKeys, runId],
      );
    }
    return opened;
  }

  /** The latest succeeded run: what the public statement "reconciled up to" is made of; its id versions the public answers. */
  async lastSucceededRunFacts(): Promise<(LastRunFacts & { id: string }) | null> {
    const [row] = await this.dataSource.query(
      `SELECT id, window_end, grace_ms, finished_at FROM reconciliation_runs WHERE status = 'succeeded' ORDER BY started_at DESC LIMIT 1`,
    );
    return row ? { id: row.id, windowEnd: row.window_end, graceMs: Number(row.grace_ms), finishedAt: row.finished_at } : null;
  }

  async countOpenOfCampaign(campaignId: string): Promise<number> {
    const [row] = await this.dataSource.query(
      `SELECT count(*)::int AS n FROM reconciliation_differences WHERE campaign_id = $1 AND resolved_at IS NULL`, [campaignId],
    );
    return row.n;
  }

  /**
   * A campaign's differences, open (oldest first) or resolved (latest first), with the public log
   * indexes of the ledger entries each names and of the entries posted since for its Stripe object
   * (a payout's by its transfer).
   */
  async differencesOfCampaign(campaignId: string, open: boolean, limit: number): Promise<CampaignDifferenceFacts[]> {
    const rows: Record<string, any>[] = await this.dataSource.query(
      `SELECT d.id, d.kind, d.ledger_kind, d.stripe_amount, d.ledger_amount, d.currency, d.occurred_at, d.first_seen_at, d.resolved_at,
         coalesce((SELECT array_agg(pe.idx) FROM public_ledger_entries pe
                    WHERE pe.campaign_id = d.campaign_id AND pe.source_ref = ANY(d.ledger_entry_ids::text[])), '{}') AS entry_indexes,
         coalesce((SELECT array_agg(pe.idx) FROM journal_entries j
                     JOIN public_ledger_entries pe ON pe.campaign_id = d.campaign_id AND pe.source_ref = j.id::text
                    WHERE j.kind = d.ledger_kind AND j.source_id IN (
                      SELECT d.stripe_object_id UNION ALL SELECT p.id::text FROM payouts p WHERE d.ledger_kind = 'payout' AND p.stripe_transfer_id = d.stripe_object_id
                    )), '{}') AS object_indexes
       FROM reconciliation_differences d
       WHERE d.campaign_id = $1 AND (d.resolved_at IS NULL) = $2
       ORDER BY ${open ? 'd.first_seen_at, d.occurred_at' : 'd.resolved_at DESC, d.first_seen_at DESC'}, d.key
       LIMIT $3`,
      [campaignId, open, limit],
    );
    return rows.map((r) => ({
      id: r.id, kind: r.kind, ledgerKind: r.ledger_kind, stripeAmount: big(r.stripe_amount), ledgerAmount: big(r.ledger_amount), currency: r.currency,
      occurredAt: r.occurred_at, firstSeenAt: r.first_seen_at, resolvedAt: r.resolved_at,
      entryIndexes: (r.entry_indexes as string[]).map(Number), objectIndexes: (r.object_indexes as string[]).map(Number),
    }));
  }

  async differencesOfRun(runId: string): Promise<StoredDifference[]> {
    const rows = await this.dataSource.query(`SELECT * FROM reconciliation_differences WHERE last_run_id = $1 OR resolved_run_id = $1 ORDER BY occurred_at, key`, [runId]);
    return rows.map(toDifference);
  }

  /** One difference by its id (open or resolved), or null. */
  async findDifference(id: string): Promise<StoredDifference | null> {
    const [row] = await this.dataSource.query(`SELECT * FROM reconciliation_differences WHERE id = $1`, [id]);
    return row ? toDifference(row) : null;
  }

  async findDifferences(stripeObjectId: string): Promise<StoredDifference[]> {
    const rows = await this.dataSource.query(`SELECT * FROM reconciliation_differences WHERE stripe_object_id = $1 ORDER BY first_seen_at`, [stripeObjectId]);
    return rows.map(toDifference);
  }
}
