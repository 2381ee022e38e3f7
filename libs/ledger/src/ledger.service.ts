import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { isUniqueViolation, shiftPlaceholders, type Queryable, type SqlWrite } from '@ataa/database';
import { describeAccount, normalBalance } from './domain/accounts.js';
import { EntryInput, postingDesignation, totalsColumnFor, validateEntry } from './domain/entry.js';

export interface JournalEntry {
  id: string;
  seq: string;
  kind: string;
  sourceId: string;
  campaignId: string | null;
  currency: string;
  occurredAt: Date;
  recordedAt: Date;
  memo: string | null;
  metadata: Record<string, unknown>;
}

/** A journal entry with its postings (signed minor units: debit > 0, credit < 0). */
export interface JournalEntryWithPostings extends JournalEntry {
  postings: { account: string; currency: string; amount: bigint }[];
}

export interface PostResult {
  entry: JournalEntry;
  /** False when this (source id, kind) was already posted: nothing was written. */
  created: boolean;
}

export interface CampaignTotals {
  campaignId: string;
  currency: string;
  raised: bigint;
  donationsCount: number;
  processingFees: bigint;
  platformFees: bigint;
  refunded: bigint;
  disputed: bigint;
  paidOut: bigint;
  /** raised - fees - platform fees - refunded - disputed (+ adjustments) */
  net: bigint;
  /** What can still be paid out: the campaign funds balance. */
  available: bigint;
}

interface EntryRow {
  id: string; seq: string; kind: string; source_id: string; campaign_id: string | null; currency: string;
  occurred_at: Date; recorded_at: Date; memo: string | null; metadata: Record<string, unknown>;
}

const toEntry = (r: EntryRow): JournalEntry => ({
  id: r.id, seq: String(r.seq), kind: r.kind, sourceId: r.source_id, campaignId: r.campaign_id, currency: r.currency,
  occurredAt: r.occurred_at, recordedAt: r.recorded_at, memo: r.memo, metadata: r.metadata,
});

export class LedgerCurrencyMismatchError extends Error {
  constructor(account: string, currency: string) {
    super(`ledger account ${account} already exists in another currency than ${currency}`);
    this.name = 'LedgerCurrencyMismatchError';
  }
}

/**
 * Posts balanced, append-only journal entries (the database checks balance, immutability and
 * at-most-once per (source id, kind) again) and reads balances and campaign totals.
 */
@Injectable()
export class LedgerService {
  /** Accounts known to exist in committed state (accounts are never deleted). */
  private readonly knownAccounts = new Set<string>();

  constructor(private readonly dataSource: DataSource) {}

  /** Posts one entry at most once per (sourceId, kind); returns it, or the entry already posted. */
  async post(manager: EntityManager, input: EntryInput): Promise<PostResult> {
    const [result] = await this.postMany(manager, [input]);
    return result;
  }

  /**
   * Posts several entries in one unit, in one statement: the keys claimed, the entries, their
   * postings and the campaign totals. All postings go in one insert: its trigger adds them to the
   * cached balances once per account, in account order, so the balance rows are locked in the
   * same order by every transaction (no deadlocks between two gifts of the same campaign). Platform
   * accounts are striped: a transaction locks only its own slot's row of each (migration
   * 1795001300000), so gifts of different campaigns do not wait for each other there.
   */
  async postMany(manager: EntityManager, inputs: EntryInput[]): Promise<PostResult[]> {
    if (inputs.length === 0) return [];
    return (await this.postWith(manager, inputs, [])).results;
  }

  /**
   * `postMany`, with the caller's own writes (`alongside`: its state, its audit record, its outbox
   * rows) run as CTEs of the same statement, so a use case under a hot lock records in one round
   * trip; `rows`: what the write marked `returning` returned.
   */
  async postWith(manager: EntityManager, inputs: EntryInput[], alongside: readonly SqlWrite[]): Promise<{ results: PostResult[]; rows: Record<string, any>[] }> {
    if (!manager.queryRunner?.isTransactionActive) {
      throw new Error('LedgerService.post must run inside a transaction (the balance check runs at commit)');
    }
    if (alongside.filter((w) => w.returning).length > 1) throw new Error('at most one write alongside the postings returns rows');
    for (const input of inputs) validateEntry(input);
    await this.ensureAccounts(manager, inputs);

    // Postings (by the entry's position in `inputs`, ordered by account) and each entry's campaign
    // totals delta, planned here; the statement keeps those of the entries it inserted.
    const postings: { n: number; account: string; currency: string; amount: bigint; designation: string | null }[] = [];
    const cols = ['raised', 'processing_fees', 'platform_fees', 'refunded', 'disputed', 'paid_out', 'other'] as const;
    const totals: { n: number; deltas: Map<string, bigint>; donation: number }[] = [];
    for (const [i, input] of inputs.entries()) {
      let campaignDelta = 0n;
      for (const p of input.postings) {
        postings.push({ n: i + 1, account: p.account, currency: p.currency ?? input.currency, amount: p.amount, designation: postingDesignation(input, p) });
        const account = describeAccount(p.account);
        if (account.campaignId !== null && p.account.endsWith(':funds')) campaignDelta += normalBalance(account.type, p.amount);
      }
      if (input.campaignId && (campaignDelta !== 0n || input.kind === 'donation')) {
        const { column, sign } = totalsColumnFor(input.kind);
        totals.push({ n: i + 1, deltas: new Map([[column, sign * campaignDelta]]), donation: input.kind === 'donation' ? 1 : 0 });
      }
    }
    postings.sort((a, b) => (a.account < b.account ? -1 : a.account > b.account ? 1 : 0));

    // Each fact is posted once: its (source_id, kind) key is claimed in the unpartitioned key table
    // (journal_entries is hash-partitioned by id, migration 1795004400000), and only the entries
    // whose key this statement claimed are inserted, with the id and seq the claim handed out; their
    // postings and totals only. Totals: one upsert per campaign, in campaign id order (the row locks' order).
    const values: unknown[] = [
      inputs.map((i) => i.kind), inputs.map((i) => i.sourceId), inputs.map((i) => i.campaignId), inputs.map((i) => i.currency),
      inputs.map((i) => i.occurredAt.toISOString()), inputs.map((i) => i.memo ?? null), inputs.map((i) => JSON.stringify(i.metadata ?? {})),
      postings.map((p) => p.n), postings.map((p) => p.account), postings.map((p) => p.currency), postings.map((p) => p.amount.toString()), postings.map((p) => p.designation),
      totals.map((t) => t.n), ...cols.map((c) => totals.map((t) => (t.deltas.get(c) ?? 0n).toString())), totals.map((t) => t.donation),
    ];
    const ctes: string[] = [];
    let returning: string | null = null;
    for (const [k, write] of alongside.entries()) {
      ctes.push(`, alongside_${k} AS (${shiftPlaceholders(write.text, values.length)})`);
      values.push(...write.values);
      if (write.returning) returning = `alongside_${k}`;
    }
    const rows: Record<string, any>[] = await manager.query(
      `WITH input AS (
         SELECT * FROM unnest($1::text[], $2::text[], $3::uuid[], $4::text[], $5::timestamptz[], $6::text[], $7::jsonb[]) WITH ORDINALITY
           AS t(kind, source_id, campaign_id, currency, occurred_at, memo, metadata, n)
       ), claimed AS (
         INSERT INTO journal_entry_keys (source_id, kind) SELECT source_id, kind FROM input ORDER BY n
         ON CONFLICT (source_id, kind) DO NOTHING
         RETURNING source_id, kind, entry_id, seq
       ), entries AS (
         INSERT INTO journal_entries (id, seq, kind, source_id, campaign_id, currency, occurred_at, memo, metadata)
         SELECT DISTINCT ON (c.seq) c.entry_id, c.seq, i.kind, i.source_id, i.campaign_id, i.currency, i.occurred_at, i.memo, i.metadata
           FROM claimed c JOIN input i ON i.source_id = c.source_id AND i.kind = c.kind
          ORDER BY c.seq, i.n
         RETURNING *
       ), posted AS (
         INSERT INTO postings (entry_id, account_code, currency, amount, designation)
         SELECT e.id, p.a, p.c, p.m, p.d
           FROM unnest($8::int[], $9::text[], $10::text[], $11::bigint[], $12::text[]) WITH ORDINALITY AS p(k, a, c, m, d, n)
           JOIN input i ON i.n = p.k JOIN entries e ON e.source_id = i.source_id AND e.kind = i.kind
          ORDER BY p.n
       ), totals AS (
         INSERT INTO campaign_ledger_totals AS t (campaign_id, currency, raised, processing_fees, platform_fees, refunded, disputed, paid_out, other, donations_count)
         SELECT i.campaign_id, (array_agg(i.currency ORDER BY i.n))[1], sum(x.raised), sum(x.processing_fees), sum(x.platform_fees), sum(x.refunded),
                sum(x.disputed), sum(x.paid_out), sum(x.other), sum(x.donations)
           FROM unnest($13::int[], $14::bigint[], $15::bigint[], $16::bigint[], $17::bigint[], $18::bigint[], $19::bigint[], $20::bigint[], $21::bigint[])
             AS x(k, raised, processing_fees, platform_fees, refunded, disputed, paid_out, other, donations)
           JOIN input i ON i.n = x.k JOIN entries e ON e.source_id = i.source_id AND e.kind = i.kind
          GROUP BY i.campaign_id ORDER BY i.campaign_id
         ON CONFLICT (campaign_id) DO UPDATE SET
           raised = t.raised + EXCLUDED.raised, processing_fees = t.processing_fees + EXCLUDED.processing_fees,
           platform_fees = t.platform_fees + EXCLUDED.platform_fees, refunded = t.refunded + EXCLUDED.refunded,
           disputed = t.disputed + EXCLUDED.disputed, paid_out = t.paid_out + EXCLUDED.paid_out, other = t.other + EXCLUDED.other,
           donations_count = t.donations_count + EXCLUDED.donations_count, updated_at = now()
       )${ctes.join('')}
       ${returning
    // The entries travel as JSON beside the returned rows (bigint seq as text).
    ? `SELECT r.*, l.ledger_entries AS "__ledger_entries" FROM (SELECT coalesce(json_agg(json_build_object('id', id, 'seq', seq::text, 'kind', kind,
         'source_id', source_id, 'campaign_id', campaign_id, 'currency', currency, 'occurred_at', occurred_at, 'recorded_at', recorded_at, 'memo', memo,
         'metadata', metadata)), '[]'::json) AS ledger_entries FROM entries) l LEFT JOIN (SELECT true AS "__returned", * FROM ${returning}) r ON true`
    : 'SELECT * FROM entries'}`,
      values,
    );
    let inserted: EntryRow[] = rows as EntryRow[];
    let returned: Record<string, any>[] = [];
    if (returning) {
      inserted = (rows[0]?.__ledger_entries ?? []).map((e: EntryRow) => ({ ...e, occurred_at: new Date(e.occurred_at), recorded_at: new Date(e.recorded_at) }));
      returned = rows.filter((r) => r.__returned).map(({ __returned, __ledger_entries, ...row }) => row);
    }
    const key = (kind: string, sourceId: string) => `${kind}\u0000${sourceId}`;
    const fresh = new Map(inserted.map((r) => [key(r.kind, r.source_id), r]));
    const missing = inputs.filter((i) => !fresh.has(key(i.kind, i.sourceId)));
    const existing = new Map<string, EntryRow>();
    if (missing.length > 0) {
      // Through the key table: its index finds the entries' ids, each read from its one partition.
      const found: EntryRow[] = await manager.query(
        `SELECT j.* FROM journal_entry_keys k JOIN journal_entries j ON j.id = k.entry_id
          WHERE (k.source_id, k.kind) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
        [missing.map((i) => i.sourceId), missing.map((i) => i.kind)],
      );
      for (const r of found) existing.set(key(r.kind, r.source_id), r);
    }

    // Fees converted from the settlement currency (fx-entries.ts): per campaign and rate, for the report.
    for (const input of inputs) {
      const fx = input.metadata?.fx as { rate?: string; settlement_currency?: string; settlement_fee?: string; fee?: string } | undefined;
      if (input.kind !== 'processing_fee' || !input.campaignId || !fx?.rate || !fx.settlement_fee || !fresh.has(key(input.kind, input.sourceId))) continue;
      await manager.query(
        `INSERT INTO campaign_fx_fee_totals AS t (campaign_id, settlement_currency, rate, fees_count, settlement_fees, fees) VALUES ($1, $2, $3, 1, $4, $5)
         ON CONFLICT (campaign_id, settlement_currency, rate) DO UPDATE SET fees_count = t.fees_count + 1,
           settlement_fees = t.settlement_fees + EXCLUDED.settlement_fees, fees = t.fees + EXCLUDED.fees, updated_at = now()`,
        [input.campaignId, fx.settlement_currency, fx.rate, fx.settlement_fee, fx.fee ?? '0'],
      );
    }

    const results = inputs.map((input) => {
      const k = key(input.kind, input.sourceId);
      const created = fresh.get(k);
      if (created) return { entry: toEntry(created), created: true };
      const found = existing.get(k);
      if (!found) throw new Error(`journal entry ${input.kind}:${input.sourceId} neither inserted nor found`);
      return { entry: toEntry(found), created: false };
    });
    return { results, rows: returned };
  }

  private async ensureAccounts(manager: EntityManager, inputs: EntryInput[]): Promise<void> {
    const wanted = new Map<string, { code: string; currency: string }>();
    for (const input of inputs) {
      for (const p of input.postings) {
        const currency = p.currency ?? input.currency;
        const k = `${p.account}|${currency}`;
        if (!this.knownAccounts.has(k)) wanted.set(k, { code: p.account, currency });
      }
    }
    if (wanted.size === 0) return;
    const list = [...wanted.values()].sort((a, b) => (a.code < b.code ? -1 : 1));
    const descriptors = list.map((a) => describeAccount(a.code));
    let created: { code: string; currency: string }[];
    try {
      created = await manager.query(
        `INSERT INTO ledger_accounts (code, currency, type, campaign_id)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::uuid[])
         ON CONFLICT (code, currency) DO NOTHING RETURNING code, currency`,
        [list.map((a) => a.code), list.map((a) => a.currency), descriptors.map((d) => d.type), descriptors.map((d) => d.campaignId)],
      );
    } catch (error) {
      if (isUniqueViolation(error, 'ledger_accounts_campaign_code_uq')) {
        throw new LedgerCurrencyMismatchError(list.find((a) => a.code.startsWith('campaign:'))?.code ?? '?', list[0].currency);
      }
      throw error;
    }
    // Rows this transaction created may still roll back; only pre-existing ones are cached.
    const fresh = new Set(created.map((r) => `${r.code}|${r.currency}`));
    for (const k of wanted.keys()) if (!fresh.has(k)) this.knownAccounts.add(k);
  }

  /** The balance of one account on its normal side (campaign funds read positive when funded), summed over its rows. */
  async balanceOf(account: string, currency: string, manager: EntityManager = this.dataSource.manager): Promise<bigint> {
    const type = describeAccount(account).type;
    const [row] = await manager.query(`SELECT balance FROM ledger_account_balances WHERE account_code = $1 AND currency = $2`, [account, currency]);
    return normalBalance(type, row ? BigInt(row.balance) : 0n);
  }

  /**
   * A campaign account's balance per designation on its normal side (the designation's funds read
   * positive when funded), from the rows the postings trigger keeps (migration 1795004700000).
   */
  async designationBalances(account: string, currency: string, manager: EntityManager = this.dataSource.manager): Promise<Map<string, bigint>> {
    const type = describeAccount(account).type;
    const rows: { designation: string; balance: string }[] = await manager.query(
      `SELECT designation, balance::text AS balance FROM ledger_designation_balances WHERE account_code = $1 AND currency = $2 ORDER BY designation`, [account, currency],
    );
    return new Map(rows.map((r) => [r.designation, normalBalance(type, BigInt(r.balance))]));
  }

  async campaignTotals(campaignId: string, manager: Queryable = this.dataSource.manager): Promise<CampaignTotals | null> {
    const [row] = await manager.query(
      `SELECT t.*, (SELECT b.balance FROM ledger_account_balances b WHERE b.account_code = 'campaign:' || t.campaign_id || ':funds' AND b.currency = t.currency) AS funds_balance
       FROM campaign_ledger_totals t WHERE t.campaign_id = $1`,
      [campaignId],
    );
    if (!row) return null;
    const n = (v: string | null) => BigInt(v ?? '0');
    const raised = n(row.raised);
    const processingFees = n(row.processing_fees);
    const platformFees = n(row.platform_fees);
    const refunded = n(row.refunded);
    const disputed = n(row.disputed);
    const paidOut = n(row.paid_out);
    const other = n(row.other);
    return {
      campaignId, currency: row.currency, raised, donationsCount: Number(row.donations_count), processingFees, platformFees, refunded, disputed, paidOut,
      net: raised - processingFees - platformFees - refunded - disputed + other,
      available: -n(row.funds_balance),
    };
  }

  /** What each campaign kept so far (gifts less refunds and disputes lost), in its currency: the dashboard's campaign list. */
  async keptByCampaign(campaignIds: readonly string[], manager: EntityManager = this.dataSource.manager): Promise<Map<string, { kept: bigint; donationsCount: number }>> {
    const result = new Map<string, { kept: bigint; donationsCount: number }>();
    if (campaignIds.length === 0) return result;
    const rows: { campaign_id: string; raised: string | null; refunded: string | null; disputed: string | null; donations_count: string | null }[] = await manager.query(
      `SELECT campaign_id, raised, refunded, disputed, donations_count FROM campaign_ledger_totals WHERE campaign_id = ANY($1::uuid[])`, [campaignIds],
    );
    const n = (v: string | null) => BigInt(v ?? '0');
    for (const row of rows) result.set(row.campaign_id, { kept: n(row.raised) - n(row.refunded) - n(row.disputed), donationsCount: Number(row.donations_count ?? 0) });
    return result;
  }

  /** A gift's journal entries (every fact planned for it carries `donation_id` in its metadata), oldest first, with their postings. */
  async entriesForDonation(campaignId: string, donationId: string, manager: EntityManager = this.dataSource.manager): Promise<JournalEntryWithPostings[]> {
    const rows: (EntryRow & { account_code: string; posting_currency: string; amount: string })[] = await manager.query(
      `SELECT e.*, p.account_code, p.currency AS posting_currency, p.amount::text AS amount
         FROM journal_entries e JOIN postings p ON p.entry_id = e.id
        WHERE e.campaign_id = $1 AND e.metadata->>'donation_id' = $2
        ORDER BY e.seq, p.id`,
      [campaignId, donationId],
    );
    const entries = new Map<string, JournalEntryWithPostings>();
    for (const r of rows) {
      const entry = entries.get(r.id) ?? { ...toEntry(r), postings: [] };
      entry.postings.push({ account: r.account_code, currency: r.posting_currency, amount: BigInt(r.amount) });
      entries.set(r.id, entry);
    }
    return [...entries.values()];
  }

  async entriesForSource(sourceId: string, manager: EntityManager = this.dataSource.manager): Promise<JournalEntry[]> {
    const rows: EntryRow[] = await manager.query(`SELECT * FROM journal_entries WHERE source_id = $1 ORDER BY seq`, [sourceId]);
    return rows.map(toEntry);
  }
}
