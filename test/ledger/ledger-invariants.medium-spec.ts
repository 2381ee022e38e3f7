import { DataSource } from 'typeorm';
import { dataSourceOptions, TransactionRunner } from '@ataa/database';
import {
  auditLedger, campaignFundsAccount, donationEntry, LedgerCurrencyMismatchError, LedgerRepository, LedgerService, platformFeeEntry, processingFeeEntry,
} from '@ataa/ledger';
import { createTestEnvironment, TestEnvironment } from '@ataa/testing';

/** Tries to break each ledger invariant directly in SQL: the database itself must refuse. */
describe('ledger invariants enforced by PostgreSQL', () => {
  let env: TestEnvironment;
  let ds: DataSource;
  let ledger: LedgerService;
  let tx: TransactionRunner;
  const campaignId = '44444444-4444-4444-8444-444444444444';
  const at = new Date('2026-03-01T00:00:00Z');
  const base = (sourceId: string) => ({ campaignId, currency: 'usd', occurredAt: at, sourceId });

  beforeAll(async () => {
    env = await createTestEnvironment();
    ds = await new DataSource(dataSourceOptions(env.database.url, { logging: false })).initialize();
    ledger = new LedgerService(new LedgerRepository(ds));
    tx = new TransactionRunner(ds);
    await tx.run((m) => ledger.postMany(m, [donationEntry(base('ch_a'), 10_000n), processingFeeEntry(base('txn_a'), 320n), platformFeeEntry(base('ch_a'), 200n)]));
  });
  afterAll(async () => {
    await ds?.destroy();
    await env?.cleanup();
  });

  it('posts a gift, keeps balances and campaign totals in step', async () => {
    expect(await ledger.balanceOf(campaignFundsAccount(campaignId), 'usd')).toBe(9_480n);
    expect(await ledger.balanceOf('platform:stripe_balance', 'usd')).toBe(9_680n);
    const totals = await ledger.campaignTotals(campaignId);
    expect(totals).toMatchObject({ raised: 10_000n, processingFees: 320n, platformFees: 200n, net: 9_480n, available: 9_480n, donationsCount: 1 });
    expect(await auditLedger(ds.manager)).toEqual([]);
  });

  it('rejects an unbalanced entry at commit (deferred constraint trigger)', async () => {
    const attempt = ds.transaction(async (m) => {
      const [e] = await m.query(`INSERT INTO journal_entries (kind, source_id, campaign_id, currency, occurred_at) VALUES ('adjustment', 'x1', $1, 'usd', now()) RETURNING id`, [campaignId]);
      await m.query(`INSERT INTO postings (entry_id, account_code, currency, amount) VALUES ($1, 'platform:stripe_balance', 'usd', 100), ($1, $2, 'usd', -99)`, [e.id, campaignFundsAccount(campaignId)]);
    });
    await expect(attempt).rejects.toThrow(/does not balance/);
    expect(await ds.query(`SELECT count(*)::int AS n FROM journal_entries WHERE source_id = 'x1'`)).toEqual([{ n: 0 }]);
  });

  it('rejects an entry with no postings, and one with a single zero-sum-impossible posting', async () => {
    await expect(ds.transaction((m) => m.query(`INSERT INTO journal_entries (kind, source_id, currency, occurred_at) VALUES ('adjustment', 'x2', 'usd', now())`))).rejects.toThrow(/at least two/);
    await expect(ds.query(`INSERT INTO postings (entry_id, account_code, currency, amount) SELECT id, 'platform:stripe_balance', 'usd', 0 FROM journal_entries LIMIT 1`)).rejects.toThrow(/check/);
  });

  it('balances per currency: a USD debit cannot be offset by a EUR credit', async () => {
    const attempt = ds.transaction(async (m) => {
      await m.query(`INSERT INTO ledger_accounts (code, currency, type) VALUES ('platform:fee_revenue', 'eur', 'revenue') ON CONFLICT DO NOTHING`);
      const [e] = await m.query(`INSERT INTO journal_entries (kind, source_id, currency, occurred_at) VALUES ('adjustment', 'x3', 'usd', now()) RETURNING id`);
      await m.query(`INSERT INTO postings (entry_id, account_code, currency, amount) VALUES ($1, 'platform:stripe_balance', 'usd', 100), ($1, 'platform:fee_revenue', 'eur', -100)`, [e.id]);
    });
    await expect(attempt).rejects.toThrow(/does not balance/);
  });

  it('forbids UPDATE, DELETE and TRUNCATE of entries, postings and accounts', async () => {
    await expect(ds.query(`UPDATE postings SET amount = amount * 2`)).rejects.toThrow(/append-only/);
    await expect(ds.query(`DELETE FROM postings`)).rejects.toThrow(/append-only/);
    await expect(ds.query(`UPDATE journal_entries SET memo = 'rewritten'`)).rejects.toThrow(/append-only/);
    await expect(ds.query(`DELETE FROM journal_entries`)).rejects.toThrow(/append-only/);
    await expect(ds.query(`TRUNCATE postings, journal_entries CASCADE`)).rejects.toThrow(/append-only/);
    await expect(ds.query(`UPDATE ledger_accounts SET currency = 'eur'`)).rejects.toThrow(/append-only/);
  });

  it('cached balances cannot be edited directly', async () => {
    await expect(ds.query(`UPDATE ledger_balances SET balance = 0`)).rejects.toThrow(/maintained by the postings trigger/);
    await expect(ds.query(`DELETE FROM ledger_balances`)).rejects.toThrow(/maintained by the postings trigger/);
    await expect(ds.query(`INSERT INTO ledger_balances (account_code, currency, balance) VALUES ('platform:paid_out', 'usd', 5)`)).rejects.toThrow();
    expect(await auditLedger(ds.manager)).toEqual([]);
  });

  it('posts each (source id, kind) at most once, also under concurrency', async () => {
    const runs = await Promise.all(Array.from({ length: 6 }, () => tx.run((m) => ledger.post(m, donationEntry(base('ch_concurrent'), 5_000n)))));
    expect(runs.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(runs.map((r) => r.entry.id)).size).toBe(1);
    await expect(ds.query(`INSERT INTO journal_entries (kind, source_id, currency, occurred_at) VALUES ('donation', 'ch_concurrent', 'usd', now())`)).rejects.toThrow(/journal_entries_source_kind_uq/);
    expect((await ledger.campaignTotals(campaignId))!.raised).toBe(15_000n);
    expect(await auditLedger(ds.manager)).toEqual([]);
  });

  it('posts entries, postings and totals in one statement with the caller\'s writes alongside: only fresh entries move the totals; a failing write rolls back all', async () => {
    const before = (await ledger.campaignTotals(campaignId))!;
    // One fact already posted (ch_a) and one new: the new one only is posted and counted; the alongside write returns its row.
    const { results, rows } = await tx.run((m) => ledger.postWith(m, [donationEntry(base('ch_a'), 10_000n), donationEntry(base('ch_alongside'), 2_500n)], [
      { text: `INSERT INTO audit_log (organization_id, actor, action, target_type, target_id) VALUES (NULL, $1, 'test.alongside', 'test', $2) RETURNING actor, target_id`, values: ['tester', 'ch_alongside'], returning: true },
    ]));
    expect(results.map((r) => r.created)).toEqual([false, true]);
    expect(rows).toEqual([{ actor: 'tester', target_id: 'ch_alongside' }]);
    expect((await ledger.campaignTotals(campaignId))).toMatchObject({ raised: before.raised + 2_500n, donationsCount: before.donationsCount + 1 });
    // A write alongside that fails: nothing of the statement stays.
    await expect(tx.run((m) => ledger.postWith(m, [donationEntry(base('ch_alongside_failed'), 700n)], [
      { text: `INSERT INTO audit_log (organization_id, actor, action, target_type) VALUES (NULL, $1, 'test.alongside', 'test')`, values: [null] },
    ]))).rejects.toThrow(/null value/);
    expect(await ds.query(`SELECT count(*)::int AS n FROM journal_entry_keys WHERE source_id = 'ch_alongside_failed'`)).toEqual([{ n: 0 }]);
    expect((await ledger.campaignTotals(campaignId))!.raised).toBe(before.raised + 2_500n);
    expect(await auditLedger(ds.manager)).toEqual([]);
  });

  it('keeps a campaign account in one currency', async () => {
    const eur = { ...base('ch_eur'), currency: 'eur' };
    await expect(tx.run((m) => ledger.post(m, donationEntry(eur, 1_000n)))).rejects.toBeInstanceOf(LedgerCurrencyMismatchError);
    await expect(ds.query(`INSERT INTO ledger_accounts (code, currency, type, campaign_id) VALUES ($1, 'eur', 'liability', $2)`, [campaignFundsAccount(campaignId), campaignId])).rejects.toThrow(/ledger_accounts_campaign_code_uq/);
    await expect(ds.transaction(async (m) => {
      const [e] = await m.query(`INSERT INTO journal_entries (kind, source_id, currency, occurred_at) VALUES ('adjustment', 'x4', 'eur', now()) RETURNING id`);
      await m.query(`INSERT INTO postings (entry_id, account_code, currency, amount) VALUES ($1, $2, 'eur', 1), ($1, 'platform:stripe_balance', 'eur', -1)`, [e.id, campaignFundsAccount(campaignId)]);
    })).rejects.toThrow(/foreign key/);
  });

  it('refuses to post outside a transaction', async () => {
    await expect(ledger.post(ds.manager, donationEntry(base('ch_no_tx'), 100n))).rejects.toThrow(/inside a transaction/);
  });
});
