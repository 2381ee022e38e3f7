import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { shiftPlaceholders, type Queryable, type SqlWrite } from '@ataa/database';

/** A journal entry as stored (snake_case columns). */
export interface EntryRow {
  id: string; seq: string; kind: string; source_id: string; campaign_id: string | null; currency: string;
  occurred_at: Date; recorded_at: Date; memo: string | null; metadata: Record<string, unknown>;
}

/** The entries of one `insertEntries` statement, with their postings and totals deltas, as parallel arrays (unnest). */
export interface EntriesStatement {
  /** $1..$7: the entries, by their 1-based position `n`. */
  entries: { kind: string[]; sourceId: string[]; campaignId: (string | null)[]; currency: string[]; occurredAt: string[]; memo: (string | null)[]; metadata: string[] };
  /** $8..$12: the postings (entry position, account, currency, amount, designation), in account order. */
  postings: { n: number[]; account: string[]; currency: string[]; amount: string[]; designation: (string | null)[] };
  /** $13..$21: per entry position, the campaign totals deltas (raised, processing_fees, platform_fees, refunded, disputed, paid_out, other) and gifts counted. */
  totals: { n: number[]; deltas: string[][]; donations: number[] };
}

/** The campaign_ledger_totals row of a campaign with its funds balance. */
export interface CampaignTotalsRow {
  currency: string; raised: string | null; processing_fees: string | null; platform_fees: string | null; refunded: string | null; disputed: string | null;
  paid_out: string | null; other: string | null; donations_count: string | number | null; funds_balance: string | null;
}

/** The journal, its accounts, their cached balances and the campaign totals: the ledger's SQL. */
@Injectable()
export class LedgerRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * One statement: the keys claimed, the entries whose key it claimed, their postings and the campaign
   * totals, with the caller's writes (`alongside`) as CTEs of the same statement. Without a returning
   * write the rows are the inserted entries; with one, that write's rows with the entries as JSON
   * (`__ledger_entries`) beside them (`__returned` marks the write's rows).
   */
  async insertEntries(manager: EntityManager, statement: EntriesStatement, alongside: readonly SqlWrite[]): Promise<Record<string, any>[]> {
    const { entries: e, postings: p, totals: t } = statement;
    const values: unknown[] = [
      e.kind, e.sourceId, e.campaignId, e.currency, e.occurredAt, e.memo, e.metadata,
      p.n, p.account, p.currency, p.amount, p.designation,
      t.n, ...t.deltas, t.donations,
    ];
    const ctes: string[] = [];
    let returning: string | null = null;
    for (const [k, write] of alongside.entries()) {
      ctes.push(`, alongside_${k} AS (${shiftPlaceholders(write.text, values.length)})`);
      values.push(...write.values);
      if (write.returning) returning = `alongside_${k}`;
    }
    return manager.query(
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
  }

  /** The entries already posted under these (source id, kind) keys. */
  async entriesByKeys(manager: EntityManager, keys: readonly { sourceId: string; kind: string }[]): Promise<EntryRow[]> {
    // Through the key table: its index finds the entries' ids, each read from its one partition.
    return manager.query(
      `SELECT j.* FROM journal_entry_keys k JOIN journal_entries j ON j.id = k.entry_id
        WHERE (k.source_id, k.kind) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
      [keys.map((i) => i.sourceId), keys.map((i) => i.kind)],
    );
  }

  /** Adds one converted fee to its campaign's totals per settlement currency and rate (the FX report). */
  async addFxFee(manager: EntityManager, fee: { campaignId: string; settlementCurrency: string | undefined; rate: string; settlementFee: string; fee: string }): Promise<void> {
    await manager.query(
      `INSERT INTO campaign_fx_fee_totals AS t (campaign_id, settlement_currency, rate, fees_count, settlement_fees, fees) VALUES ($1, $2, $3, 1, $4, $5)
       ON CONFLICT (campaign_id, settlement_currency, rate) DO UPDATE SET fees_count = t.fees_count + 1,
         settlement_fees = t.settlement_fees + EXCLUDED.settlement_fees, fees = t.fees + EXCLUDED.fees, updated_at = now()`,
      [fee.campaignId, fee.settlementCurrency, fee.rate, fee.settlementFee, fee.fee],
    );
  }

  /** Creates the accounts missing (in code order); returns those this statement created. Raises the unique violation of a code in another currency. */
  async insertAccounts(manager: EntityManager, accounts: readonly { code: string; currency: string; type: string; campaignId: string | null }[]): Promise<{ code: string; currency: string }[]> {
    return manager.query(
      `INSERT INTO ledger_accounts (code, currency, type, campaign_id)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::uuid[])
       ON CONFLICT (code, currency) DO NOTHING RETURNING code, currency`,
      [accounts.map((a) => a.code), accounts.map((a) => a.currency), accounts.map((a) => a.type), accounts.map((a) => a.campaignId)],
    );
  }

  /** An account's cached balance (signed: debit > 0), summed over its rows; null when it has none. */
  async balance(account: string, currency: string, manager: EntityManager = this.dataSource.manager): Promise<string | null> {
    const [row] = await manager.query(`SELECT balance FROM ledger_account_balances WHERE account_code = $1 AND currency = $2`, [account, currency]);
    return row ? row.balance : null;
  }

  /** A campaign account's cached balance per designation (signed), in designation order. */
  async designationBalances(account: string, currency: string, manager: EntityManager = this.dataSource.manager): Promise<{ designation: string; balance: string }[]> {
    return manager.query(
      `SELECT designation, balance::text AS balance FROM ledger_designation_balances WHERE account_code = $1 AND currency = $2 ORDER BY designation`, [account, currency],
    );
  }

  /** A campaign's totals row with its funds account's balance, or null. */
  async campaignTotals(campaignId: string, manager: Queryable = this.dataSource.manager): Promise<CampaignTotalsRow | null> {
    const [row] = await manager.query(
      `SELECT t.*, (SELECT b.balance FROM ledger_account_balances b WHERE b.account_code = 'campaign:' || t.campaign_id || ':funds' AND b.currency = t.currency) AS funds_balance
       FROM campaign_ledger_totals t WHERE t.campaign_id = $1`,
      [campaignId],
    );
    return row ?? null;
  }

  /** Raised, refunded, disputed and gifts counted of each of these campaigns (those with totals). */
  async keptTotals(campaignIds: readonly string[], manager: EntityManager = this.dataSource.manager): Promise<{ campaign_id: string; raised: string | null; refunded: string | null; disputed: string | null; donations_count: string | null }[]> {
    return manager.query(
      `SELECT campaign_id, raised, refunded, disputed, donations_count FROM campaign_ledger_totals WHERE campaign_id = ANY($1::uuid[])`, [campaignIds],
    );
  }

  /** A gift's entries (by `donation_id` in their metadata), one row per posting, oldest first. */
  async entryPostingsForDonation(campaignId: string, donationId: string, manager: EntityManager = this.dataSource.manager): Promise<(EntryRow & { account_code: string; posting_currency: string; amount: string })[]> {
    return manager.query(
      `SELECT e.*, p.account_code, p.currency AS posting_currency, p.amount::text AS amount
         FROM journal_entries e JOIN postings p ON p.entry_id = e.id
        WHERE e.campaign_id = $1 AND e.metadata->>'donation_id' = $2
        ORDER BY e.seq, p.id`,
      [campaignId, donationId],
    );
  }

  async entriesForSource(sourceId: string, manager: EntityManager = this.dataSource.manager): Promise<EntryRow[]> {
    return manager.query(`SELECT * FROM journal_entries WHERE source_id = $1 ORDER BY seq`, [sourceId]);
  }
}
