import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { isUniqueViolation, type Queryable, type SqlWrite } from '@ataa/database';
import { describeAccount, normalBalance } from './domain/accounts.js';
import { EntryInput, postingDesignation, totalsColumnFor, validateEntry } from './domain/entry.js';
import { LedgerRepository, type EntryRow } from './persistence/ledger.repository.js';

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

  constructor(private readonly repository: LedgerRepository) {}

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
    const rows = await this.repository.insertEntries(manager, {
      entries: {
        kind: inputs.map((i) => i.kind), sourceId: inputs.map((i) => i.sourceId), campaignId: inputs.map((i) => i.campaignId), currency: inputs.map((i) => i.currency),
        occurredAt: inputs.map((i) => i.occurredAt.toISOString()), memo: inputs.map((i) => i.memo ?? null), metadata: inputs.map((i) => JSON.stringify(i.metadata ?? {})),
      },
      postings: { n: postings.map((p) => p.n), account: postings.map((p) => p.account), currency: postings.map((p) => p.currency), amount: postings.map((p) => p.amount.toString()), designation: postings.map((p) => p.designation) },
      totals: { n: totals.map((t) => t.n), deltas: cols.map((c) => totals.map((t) => (t.deltas.get(c) ?? 0n).toString())), donations: totals.map((t) => t.donation) },
    }, alongside);
    const returning = alongside.some((w) => w.returning);
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
      const found = await this.repository.entriesByKeys(manager, missing);
      for (const r of found) existing.set(key(r.kind, r.source_id), r);
    }

    // Fees converted from the settlement currency (fx-entries.ts): per campaign and rate, for the report.
    for (const input of inputs) {
      const fx = input.metadata?.fx as { rate?: string; settlement_currency?: string; settlement_fee?: string; fee?: string } | undefined;
      if (input.kind !== 'processing_fee' || !input.campaignId || !fx?.rate || !fx.settlement_fee || !fresh.has(key(input.kind, input.sourceId))) continue;
      await this.repository.addFxFee(manager, { campaignId: input.campaignId, settlementCurrency: fx.settlement_currency, rate: fx.rate, settlementFee: fx.settlement_fee, fee: fx.fee ?? '0' });
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
      created = await this.repository.insertAccounts(manager, list.map((a, i) => ({ code: a.code, currency: a.currency, type: descriptors[i].type, campaignId: descriptors[i].campaignId })));
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
  async balanceOf(account: string, currency: string, manager?: EntityManager): Promise<bigint> {
    const type = describeAccount(account).type;
    const balance = await this.repository.balance(account, currency, manager);
    return normalBalance(type, balance !== null ? BigInt(balance) : 0n);
  }

  /**
   * A campaign account's balance per designation on its normal side (the designation's funds read
   * positive when funded), from the rows the postings trigger keeps (migration 1795004700000).
   */
  async designationBalances(account: string, currency: string, manager?: EntityManager): Promise<Map<string, bigint>> {
    const type = describeAccount(account).type;
    const rows = await this.repository.designationBalances(account, currency, manager);
    return new Map(rows.map((r) => [r.designation, normalBalance(type, BigInt(r.balance))]));
  }

  async campaignTotals(campaignId: string, manager?: Queryable): Promise<CampaignTotals | null> {
    const row = await this.repository.campaignTotals(campaignId, manager);
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
  async keptByCampaign(campaignIds: readonly string[], manager?: EntityManager): Promise<Map<string, { kept: bigint; donationsCount: number }>> {
    const result = new Map<string, { kept: bigint; donationsCount: number }>();
    if (campaignIds.length === 0) return result;
    const rows = await this.repository.keptTotals(campaignIds, manager);
    const n = (v: string | null) => BigInt(v ?? '0');
    for (const row of rows) result.set(row.campaign_id, { kept: n(row.raised) - n(row.refunded) - n(row.disputed), donationsCount: Number(row.donations_count ?? 0) });
    return result;
  }

  /** A gift's journal entries (every fact planned for it carries `donation_id` in its metadata), oldest first, with their postings. */
  async entriesForDonation(campaignId: string, donationId: string, manager?: EntityManager): Promise<JournalEntryWithPostings[]> {
    const rows = await this.repository.entryPostingsForDonation(campaignId, donationId, manager);
    const entries = new Map<string, JournalEntryWithPostings>();
    for (const r of rows) {
      const entry = entries.get(r.id) ?? { ...toEntry(r), postings: [] };
      entry.postings.push({ account: r.account_code, currency: r.posting_currency, amount: BigInt(r.amount) });
      entries.set(r.id, entry);
    }
    return [...entries.values()];
  }

  async entriesForSource(sourceId: string, manager?: EntityManager): Promise<JournalEntry[]> {
    const rows = await this.repository.entriesForSource(sourceId, manager);
    return rows.map(toEntry);
  }
}
