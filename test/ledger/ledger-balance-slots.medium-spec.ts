import { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { dataSourceOptions, TransactionRunner } from '@ataa/database';
import {
  auditLedger, campaignFundsAccount, donationEntry, EntryInput, LedgerRepository, LedgerService, PLATFORM_ACCOUNTS, platformFeeEntry, processingFeeEntry,
} from '@ataa/ledger';
import { createTestEnvironment, TestEnvironment } from '@ataa/testing';

/**
 * No hot platform rows (issue 16, migration 1795001300000): platform balances are striped over up to
 * 16 rows (slot = transaction id mod 16), campaign balances stay on one row, a balance is the sum of
 * its rows; balances move once per account per INSERT statement; the deferred balance check still
 * refuses every unbalanced or lonely entry.
 */
describe('ledger balances striped over slots, applied per statement', () => {
  let env: TestEnvironment;
  let ds: DataSource;
  let ledger: LedgerService;
  let tx: TransactionRunner;
  const at = new Date('2026-03-01T00:00:00Z');
  const campaign = (i: number) => `55555555-5555-4555-8555-${String(i).padStart(12, '0')}`;
  const { stripeBalance, feeRevenue, processingFees } = PLATFORM_ACCOUNTS;

  /** One gift's three entries: gross, Stripe fee (2.9% + 30), platform fee (2%). */
  function gift(campaignId: string, id: string, gross: bigint): EntryInput[] {
    const base = { campaignId, currency: 'usd', occurredAt: at, sourceId: `ch_${id}` };
    return [donationEntry(base, gross), processingFeeEntry({ ...base, sourceId: `txn_${id}` }, (gross * 29n) / 1000n + 30n), platformFeeEntry(base, (gross * 2n) / 100n)];
  }

  /** Every account's balance (sum over its rows) against the sum of its postings. */
  async function balancesVsPostings() {
    return ds.query(
      `SELECT p.account_code, p.total::text AS postings, b.balance::text AS cached, b.postings_count::int AS counted, p.n::int AS n
       FROM (SELECT account_code, currency, sum(amount) AS total, count(*) AS n FROM postings GROUP BY 1, 2) p
       FULL JOIN ledger_account_balances b USING (account_code, currency) ORDER BY 1`,
    );
  }

  beforeAll(async () => {
    env = await createTestEnvironment();
    ds = await new DataSource(dataSourceOptions(env.database.url, { logging: false, extra: { max: 16 } })).initialize();
    ledger = new LedgerService(new LedgerRepository(ds));
    tx = new TransactionRunner(ds);
    // Creates the platform accounts (an account row inserted by an open transaction would make others wait).
    await tx.run((m) => ledger.postMany(m, gift(campaign(0), 'seed', 10_000n)));
  });
  afterAll(async () => {
    await ds?.destroy();
    await env?.cleanup();
  });

  it('8 concurrent transactions posting to the platform accounts end with balances equal to their postings', async () => {
    // Each transaction: its own campaign, 5 INSERT statements of 40 gifts (120 entries, 320 postings) each.
    const gifts = (t: number, s: number) => Array.from({ length: 40 }, (_, g) => gift(campaign(t + 1), `c${t}_${s}_${g}`, BigInt(1_000 + 10 * (t * 200 + s * 40 + g)))).flat();
    await Promise.all(Array.from({ length: 8 }, (_, t) => tx.run(async (m) => {
      for (let s = 0; s < 5; s++) await ledger.postMany(m, gifts(t, s));
    })));

    // Expected from the inputs: the seed gift plus 8 x 200 gifts.
    const all = [...gift(campaign(0), 'seed', 10_000n), ...Array.from({ length: 8 }, (_, t) => Array.from({ length: 5 }, (_, s) => gifts(t, s)).flat()).flat()];
    const expected = new Map<string, bigint>();
    for (const e of all) for (const p of e.postings) expected.set(p.account, (expected.get(p.account) ?? 0n) + p.amount);
    for (const account of [stripeBalance, feeRevenue, processingFees, ...Array.from({ length: 9 }, (_, i) => campaignFundsAccount(campaign(i)))]) {
      const [row] = await ds.query(`SELECT balance::text FROM ledger_account_balances WHERE account_code = $1 AND currency = 'usd'`, [account]);
      expect({ account, balance: BigInt(row.balance) }).toEqual({ account, balance: expected.get(account) });
    }
    expect(await ledger.balanceOf(stripeBalance, 'usd')).toBe(expected.get(stripeBalance));
    expect(await ledger.balanceOf(feeRevenue, 'usd')).toBe(-expected.get(feeRevenue)!);
    for (const r of await balancesVsPostings()) expect({ account: r.account_code, cached: r.cached, counted: r.counted }).toEqual({ account: r.account_code, cached: r.postings, counted: r.n });
    expect(await auditLedger(ds.manager)).toEqual([]);

    // Platform balances are spread over several rows (8 transaction ids all equal mod 16 would be a
    // 1-in-16^7 accident); campaign balances have exactly one row, slot 0.
    const rows: { account_code: string; slot: number }[] = await ds.query(`SELECT account_code, slot FROM ledger_balances ORDER BY 1, 2`);
    expect(rows.filter((r) => r.account_code === stripeBalance).length).toBeGreaterThan(1);
    expect(rows.every((r) => r.slot >= 0 && r.slot < 16)).toBe(true);
    expect(rows.filter((r) => r.account_code.startsWith('campaign:')).map((r) => r.slot)).toEqual(Array(9).fill(0));
  });

  it('a gift commits while another transaction holds its platform balance rows until commit', async () => {
    const holder: QueryRunner = ds.createQueryRunner();
    await holder.connect();
    try {
      await holder.startTransaction();
      await ledger.postMany(holder.manager, gift(campaign(20), 'held', 5_000n));
      // The holder keeps its rows locked. Another gift (another campaign) must not wait for it: it
      // takes its transaction id's slot. It waits only if that is the holder's slot (1 in 16): then
      // lock_timeout aborts it and it runs again with a new transaction id. With one row per
      // account (before striping) every attempt would wait for the holder and time out.
      let attempts = 0;
      for (;;) {
        attempts++;
        try {
          await ds.transaction(async (m: EntityManager) => {
            await m.query(`SET LOCAL lock_timeout = '2s'`);
            await ledger.postMany(m, gift(campaign(21), 'free', 7_000n));
          });
          break;
        } catch (error) {
          if ((error as { code?: string; driverError?: { code?: string } }).driverError?.code !== '55P03' || attempts >= 6) throw error;
        }
      }
      expect(attempts).toBeLessThan(6);
      expect(await ledger.balanceOf(campaignFundsAccount(campaign(21)), 'usd')).toBeGreaterThan(0n);
      expect(await ledger.balanceOf(campaignFundsAccount(campaign(20)), 'usd')).toBe(0n); // not committed yet
      await holder.commitTransaction();
    } finally {
      if (holder.isTransactionActive) await holder.rollbackTransaction();
      await holder.release();
    }
    expect(await ledger.balanceOf(campaignFundsAccount(campaign(20)), 'usd')).toBeGreaterThan(0n);
    expect(await auditLedger(ds.manager)).toEqual([]);
  });

  it('a batch of 1,000 gifts in one statement writes each balance row once', async () => {
    // Counts the row writes to ledger_balances (a trigger of this test's database only).
    await ds.query(`CREATE TABLE test_balance_writes (account_code text NOT NULL)`);
    await ds.query(`CREATE FUNCTION test_count_balance_write() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN INSERT INTO test_balance_writes VALUES (NEW.account_code); RETURN NULL; END $$`);
    await ds.query(`CREATE TRIGGER test_count_balance_writes AFTER INSERT OR UPDATE ON ledger_balances FOR EACH ROW EXECUTE FUNCTION test_count_balance_write()`);
    try {
      await tx.run((m) => ledger.postMany(m, Array.from({ length: 1_000 }, (_, g) => gift(campaign(30), `batch_${g}`, BigInt(2_000 + g))).flat()));
    } finally {
      await ds.query(`DROP TRIGGER test_count_balance_writes ON ledger_balances`);
      await ds.query(`DROP FUNCTION test_count_balance_write()`);
    }
    // 3,000 entries, 8,000 postings to 4 accounts: each balance row written once (it was 8,000 row updates).
    expect(await ds.query(`SELECT account_code, count(*)::int AS n FROM test_balance_writes GROUP BY 1 ORDER BY 1`)).toEqual(
      [campaignFundsAccount(campaign(30)), feeRevenue, processingFees, stripeBalance].map((account_code) => ({ account_code, n: 1 })),
    );
    const [count] = await ds.query(`SELECT postings_count::int AS n FROM ledger_account_balances WHERE account_code = $1`, [campaignFundsAccount(campaign(30))]);
    expect(count.n).toBe(3_000);
    expect(await auditLedger(ds.manager)).toEqual([]);
  });

  it('ledger_balances changes only through the postings trigger, and cannot be truncated', async () => {
    const before = await ds.query(`SELECT * FROM ledger_balances ORDER BY account_code, slot`);
    await expect(ds.query(`UPDATE ledger_balances SET balance = 0`)).rejects.toThrow(/maintained by the postings trigger: UPDATE/);
    await expect(ds.query(`UPDATE ledger_balances SET slot = 15 WHERE account_code = $1`, [stripeBalance])).rejects.toThrow(/maintained by the postings trigger: UPDATE/);
    await expect(ds.query(`DELETE FROM ledger_balances WHERE slot <> 0`)).rejects.toThrow(/maintained by the postings trigger: DELETE/);
    await expect(ds.query(`INSERT INTO ledger_balances (account_code, currency, slot, balance) VALUES ($1, 'usd', 15, 5)`, [stripeBalance])).rejects.toThrow(/maintained by the postings trigger: INSERT/);
    await expect(ds.query(`TRUNCATE ledger_balances`)).rejects.toThrow(/append-only: TRUNCATE/);
    expect(await ds.query(`SELECT * FROM ledger_balances ORDER BY account_code, slot`)).toEqual(before);
  });

  describe('the deferred balance check still refuses', () => {
    const newEntry = (m: EntityManager, sourceId: string) =>
      m.query(`INSERT INTO journal_entries (kind, source_id, campaign_id, currency, occurred_at) VALUES ('adjustment', $1, $2, 'usd', now()) RETURNING id`, [sourceId, campaign(40)])
        .then((rows: { id: string }[]) => rows[0].id);
    const post = (m: EntityManager, entryId: string, ...legs: [string, number][]) =>
      m.query(
        `INSERT INTO postings (entry_id, account_code, currency, amount) SELECT $1, a, 'usd', x FROM unnest($2::text[], $3::bigint[]) AS t(a, x)`,
        [entryId, legs.map(([a]) => a), legs.map(([, x]) => x)],
      );
    const funds = campaignFundsAccount(campaign(40));
    let committed: string;

    beforeAll(async () => {
      await tx.run((m) => ledger.postMany(m, gift(campaign(40), 'checks', 10_000n)));
      [{ id: committed }] = await ds.query(`SELECT id FROM journal_entries WHERE source_id = 'ch_checks' AND kind = 'donation'`);
    });
    afterEach(async () => {
      expect(await auditLedger(ds.manager)).toEqual([]);
    });

    it('an unbalanced entry', async () => {
      await expect(ds.transaction(async (m) => post(m, await newEntry(m, 'u1'), [stripeBalance, 100], [funds, -99]))).rejects.toThrow(/does not balance in usd: off by 1/);
      // Posted leg by leg in separate statements, the last one making it unbalanced.
      await expect(ds.transaction(async (m) => {
        const id = await newEntry(m, 'u2');
        await post(m, id, [stripeBalance, 100]);
        await post(m, id, [funds, -100]);
        await post(m, id, [feeRevenue, -1]);
      })).rejects.toThrow(/does not balance in usd: off by -1/);
      expect(await ds.query(`SELECT source_id FROM journal_entries WHERE source_id IN ('u1', 'u2')`)).toEqual([]);
    });

    it('an entry with one posting, and one with none', async () => {
      await expect(ds.transaction(async (m) => post(m, await newEntry(m, 'o1'), [stripeBalance, 100]))).rejects.toThrow(/has 1 posting\(s\); at least two/);
      await expect(ds.transaction((m) => newEntry(m, 'o2'))).rejects.toThrow(/has 0 posting\(s\); at least two/);
    });

    it('a posting appended later to an entry already committed', async () => {
      await expect(ds.transaction((m) => post(m, committed, [stripeBalance, 1]))).rejects.toThrow(/does not balance in usd: off by 1/);
      await expect(ds.query(`INSERT INTO postings (entry_id, account_code, currency, amount) VALUES ($1, $2, 'usd', -1)`, [committed, feeRevenue])).rejects.toThrow(/does not balance/);
      // Even in the transaction of a fresh, balanced entry.
      await expect(ds.transaction(async (m) => {
        await post(m, await newEntry(m, 'a1'), [stripeBalance, 100], [funds, -100]);
        await post(m, committed, [stripeBalance, 5]);
      })).rejects.toThrow(/does not balance in usd: off by 5/);
    });

    it('a posting appended after the entry was checked early (SET CONSTRAINTS ... IMMEDIATE)', async () => {
      for (const constraints of ['journal_entries_have_postings', 'ALL']) {
        await expect(ds.transaction(async (m) => {
          const id = await newEntry(m, `e_${constraints}`);
          await post(m, id, [stripeBalance, 100], [funds, -100]);
          await m.query(`SET CONSTRAINTS ${constraints} IMMEDIATE`); // the entry's own check runs now, and passes
          await m.query(`SET CONSTRAINTS ${constraints} DEFERRED`);
          await post(m, id, [stripeBalance, 7]);
        })).rejects.toThrow(/does not balance in usd: off by 7/);
      }
      // The entry and its postings inserted in one statement while checked immediately.
      await expect(ds.transaction(async (m) => {
        await m.query(`SET CONSTRAINTS ALL IMMEDIATE`);
        const [{ id }] = await m.query(
          `WITH e AS (INSERT INTO journal_entries (kind, source_id, campaign_id, currency, occurred_at) VALUES ('adjustment', 'e_cte', $1, 'usd', now()) RETURNING id),
             p AS (INSERT INTO postings (entry_id, account_code, currency, amount) SELECT id, a, 'usd', x FROM e, (VALUES ($2, 100), ($3, -100)) AS v(a, x))
           SELECT id FROM e`,
          [campaign(40), stripeBalance, funds],
        );
        await post(m, id, [funds, -3]);
      })).rejects.toThrow(/does not balance in usd: off by -3/);
    });

    it('inside savepoints, and after a savepoint that ran the early check was rolled back', async () => {
      await expect(ds.transaction(async (m) => {
        await m.query(`SAVEPOINT s1`);
        const id = await newEntry(m, 's1');
        await post(m, id, [stripeBalance, 100], [funds, -100]);
        await m.query(`RELEASE SAVEPOINT s1`);
        await post(m, id, [stripeBalance, 2]);
      })).rejects.toThrow(/does not balance in usd: off by 2/);
      await expect(ds.transaction(async (m) => {
        const id = await newEntry(m, 's2');
        await post(m, id, [stripeBalance, 100], [funds, -100]);
        await m.query(`SAVEPOINT s2`);
        await m.query(`SET CONSTRAINTS journal_entries_have_postings IMMEDIATE`);
        await m.query(`ROLLBACK TO SAVEPOINT s2`); // the early check is undone: it runs again at commit
        await post(m, id, [funds, 4]);
      })).rejects.toThrow(/does not balance in usd: off by 4/);
    });

    it('and still accepts balanced entries posted leg by leg, with their balances', async () => {
      const before = await ledger.balanceOf(stripeBalance, 'usd');
      await ds.transaction(async (m) => {
        const id = await newEntry(m, 'ok1');
        await post(m, id, [stripeBalance, 60]);
        await post(m, id, [stripeBalance, 40], [feeRevenue, -70]);
        await post(m, id, [feeRevenue, -30]);
        await m.query(`SET CONSTRAINTS ALL IMMEDIATE`);
        await post(m, id, [stripeBalance, 5], [feeRevenue, -5]);
      });
      expect(await ledger.balanceOf(stripeBalance, 'usd')).toBe(before + 105n);
    });
  });
});
