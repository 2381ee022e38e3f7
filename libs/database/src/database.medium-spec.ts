import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { DependencyUnreachableError } from '@ataa/common';
import { createTestEnvironment, TestEnvironment, withServerClient } from '@ataa/testing';
import { dataSourceOptions } from './data-source-options.js';
import { migrateDatabase } from './migrate.js';
import { MIGRATIONS } from './migrations/index.js';
import { bigintTransformer } from './money.transformer.js';
import { isUniqueViolation, TransactionRunner } from './transaction-runner.js';

describe('database (real PostgreSQL)', () => {
  let env: TestEnvironment;
  let dataSource: DataSource;

  beforeAll(async () => {
    env = await createTestEnvironment();
    dataSource = await new DataSource(dataSourceOptions(env.database.url)).initialize();
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await env?.cleanup();
  });

  it('starts from the migrated template with no pending migration', async () => {
    expect(await dataSource.showMigrations()).toBe(false);
    const [row] = await dataSource.query(`SELECT count(*)::int AS n FROM pg_proc WHERE proname = 'ataa_forbid_mutation'`);
    expect(row.n).toBe(1);
  });

  it('ataa_forbid_mutation makes a table append-only in the database itself', async () => {
    await dataSource.query(`CREATE TABLE t_append (id int primary key, v text)`);
    await dataSource.query(`CREATE TRIGGER t_append_guard BEFORE UPDATE OR DELETE ON t_append FOR EACH ROW EXECUTE FUNCTION ataa_forbid_mutation()`);
    await dataSource.query(`INSERT INTO t_append VALUES (1, 'a')`);
    await expect(dataSource.query(`UPDATE t_append SET v = 'b'`)).rejects.toThrow(/append-only: UPDATE/);
    await expect(dataSource.query(`DELETE FROM t_append`)).rejects.toThrow(/append-only: DELETE/);
    expect(await dataSource.query(`SELECT v FROM t_append`)).toEqual([{ v: 'a' }]);
  });

  it('round-trips bigint minor units beyond 2^53 exactly', async () => {
    const big = 9_007_199_254_740_993n; // 2^53 + 1: a float would round it
    const [row] = await dataSource.query(`SELECT $1::bigint AS v`, [bigintTransformer.to(big)]);
    expect(bigintTransformer.from(row.v)).toBe(big);
  });

  it('retries a transaction that lost a serialization race and commits exactly once', async () => {
    await dataSource.query(`CREATE TABLE t_counter (id int primary key, n int not null)`);
    await dataSource.query(`INSERT INTO t_counter VALUES (1, 0)`);
    const runner = new TransactionRunner(dataSource);
    // 8 concurrent SERIALIZABLE increments: some fail with 40001 and are retried, none is lost.
    await Promise.all(Array.from({ length: 8 }, () => runner.run(async (m) => {
      const [{ n }] = await m.query(`SELECT n FROM t_counter WHERE id = 1`);
      await m.query(`UPDATE t_counter SET n = $1 WHERE id = 1`, [n + 1]);
    }, { isolation: 'SERIALIZABLE', retries: 20 })));
    expect(await dataSource.query(`SELECT n FROM t_counter`)).toEqual([{ n: 8 }]);
  });

  it('rolls the whole unit back on error and recognises unique violations', async () => {
    await dataSource.query(`CREATE TABLE t_unique (k text primary key)`);
    const runner = new TransactionRunner(dataSource);
    const failing = runner.run(async (m) => {
      await m.query(`INSERT INTO t_unique VALUES ('x')`);
      await m.query(`INSERT INTO t_unique VALUES ('x')`);
    });
    const error = await failing.then(() => null, (e: unknown) => e);
    expect(isUniqueViolation(error, 't_unique_pkey')).toBe(true);
    expect(isUniqueViolation(new Error('other'))).toBe(false);
    expect(await dataSource.query(`SELECT * FROM t_unique`)).toEqual([]);
  });
});

/** Everything the migrations create in the public schema, in a comparable form. */
async function schemaFingerprint(dataSource: DataSource): Promise<Record<string, string[]>> {
  const list = async (sql: string) => (await dataSource.query(sql)).map((r: { v: string }) => r.v);
  return {
    columns: await list(`SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '') AS v
      FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1`),
    constraints: await list(`SELECT conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid) AS v
      FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1`),
    indexes: await list(`SELECT indexdef AS v FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1`),
    triggers: await list(`SELECT tgrelid::regclass || ' ' || tgname AS v FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1`),
    functions: await list(`SELECT proname || '(' || pg_get_function_identity_arguments(oid) || ')' AS v
      FROM pg_proc WHERE pronamespace = 'public'::regnamespace ORDER BY 1`),
    types: await list(`SELECT typname AS v FROM pg_type WHERE typnamespace = 'public'::regnamespace AND typtype IN ('e', 'd', 'c')
      AND typrelid = 0 ORDER BY 1`),
    sequences: await list(`SELECT sequence_name AS v FROM information_schema.sequences WHERE sequence_schema = 'public' ORDER BY 1`),
    views: await list(`SELECT table_name AS v FROM information_schema.views WHERE table_schema = 'public' ORDER BY 1`),
    extensions: await list(`SELECT extname AS v FROM pg_extension ORDER BY 1`),
  };
}

describe('migrations (real PostgreSQL, a fresh database)', () => {
  let env: TestEnvironment;
  let name: string;
  let url: string;

  beforeAll(async () => {
    env = await createTestEnvironment();
    // Not cloned from the template: this database starts empty and migrateDatabase creates it.
    name = `ataa_t_${randomBytes(6).toString('hex')}`;
    const parsed = new URL(env.database.url);
    parsed.pathname = `/${name}`;
    url = parsed.toString();
  });
  afterAll(async () => {
    await withServerClient((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    await env?.cleanup();
  });

  it('run all, revert all with down(), run all again: each down() undoes exactly its up()', async () => {
    const all = MIGRATIONS.map((m) => m.name);
    const first = await migrateDatabase(url, { waitMs: 10_000, log: () => undefined });
    expect(first).toEqual({ created: true, applied: all });

    const dataSource = await new DataSource(dataSourceOptions(url, { logging: ['error'] })).initialize();
    try {
      const migrated = await schemaFingerprint(dataSource);
      expect(migrated.columns.length).toBeGreaterThan(50);
      const applied = async () => (await dataSource.query(`SELECT name FROM schema_migrations ORDER BY id`)).map((r: { name: string }) => r.name);

      for (let left = all.length; left > 0; left--) {
        await dataSource.undoLastMigration({ transaction: 'each' });
        expect(await applied()).toEqual(all.slice(0, left - 1));
      }
      // Only TypeORM's bookkeeping table is left: no table, type, function, trigger or view of ours.
      const reverted = await schemaFingerprint(dataSource);
      expect({ ...reverted, columns: [], constraints: [], indexes: [] }).toEqual({
        columns: [], constraints: [], indexes: [], triggers: [], functions: [], types: [], sequences: ['schema_migrations_id_seq'], views: [], extensions: ['plpgsql'],
      });
      expect(reverted.columns.every((c) => c.startsWith('schema_migrations.'))).toBe(true);
      expect(reverted.constraints.every((c) => c.startsWith('schema_migrations '))).toBe(true);
      expect(reverted.indexes).toEqual([expect.stringContaining(' ON public.schema_migrations ')]);

      const again = await migrateDatabase(url, { waitMs: 10_000, log: () => undefined });
      expect(again).toEqual({ created: false, applied: all });
      expect(await schemaFingerprint(dataSource)).toEqual(migrated);
    } finally {
      await dataSource.destroy();
    }
  });

  it('migrateDatabase retries an unreachable server, then gives up with one clear line', async () => {
    const log: string[] = [];
    const error = await migrateDatabase('postgres://postgres@127.0.0.1:1/ataa', { waitMs: 1200, log: (m) => log.push(m) })
      .then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(DependencyUnreachableError);
    expect((error as Error).message).toMatch(/^PostgreSQL at 127\.0\.0\.1:1\/postgres is still unreachable after [\d.]+s and \d+ attempts \(ECONNREFUSED\); giving up$/);
    expect(log[0]).toBe('PostgreSQL at 127.0.0.1:1/postgres is unreachable (ECONNREFUSED); retrying in 0.5s');
  });
});

describe('migration 1795001300000 (ledger balance slots): down() folds the slots back into one row per account', () => {
  let env: TestEnvironment;
  let dataSource: DataSource;
  let previousName: string;
  const previousUrl = () => Object.assign(new URL(env.database.url), { pathname: `/${previousName}` }).toString();
  const functionBodies = async (ds: DataSource) => ds.query(`SELECT proname, prosrc FROM pg_proc WHERE pronamespace = 'public'::regnamespace ORDER BY 1`);
  /** Per account: the sum and count of its postings next to its balance rows. */
  const balances = (ds: DataSource) => ds.query(
    `SELECT p.account_code, p.total::text AS postings, p.n::int AS n, b.balance::text AS balance, b.postings_count::int AS counted, b.rows::int AS rows
     FROM (SELECT account_code, currency, sum(amount) AS total, count(*) AS n FROM postings GROUP BY 1, 2) p
     FULL JOIN (SELECT account_code, currency, sum(balance) AS balance, sum(postings_count) AS postings_count, count(*) AS rows FROM ledger_balances GROUP BY 1, 2) b
       USING (account_code, currency) ORDER BY 1`,
  );
  const postGift = (ds: DataSource, i: number) => ds.transaction(async (m) => {
    const [{ id }] = await m.query(`INSERT INTO journal_entries (kind, source_id, currency, occurred_at) VALUES ('adjustment', $1, 'usd', now()) RETURNING id`, [`slots_${i}`]);
    await m.query(
      `INSERT INTO postings (entry_id, account_code, currency, amount) VALUES ($1, 'platform:stripe_balance', 'usd', $2), ($1, 'platform:fee_revenue', 'usd', $3),
         ($1, 'campaign:66666666-6666-4666-8666-666666666666:funds', 'usd', $4)`,
      [id, 1_000 + i, -(20 + i), -(980)],
    );
  });

  beforeAll(async () => {
    env = await createTestEnvironment();
    dataSource = await new DataSource(dataSourceOptions(env.database.url, { logging: ['error'] })).initialize();
    previousName = `ataa_t_${randomBytes(6).toString('hex')}`;
    await withServerClient((client) => client.query(`CREATE DATABASE ${previousName}`));
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await withServerClient((client) => client.query(`DROP DATABASE IF EXISTS ${previousName} WITH (FORCE)`));
    await env?.cleanup();
  });

  it('keeps every balance, restores the previous schema exactly, and migrates up again', async () => {
    const index = MIGRATIONS.findIndex((m) => m.name === 'LedgerBalanceSlots1795001300000');
    expect(index).toBeGreaterThan(0);
    const migrated = { schema: await schemaFingerprint(dataSource), bodies: await functionBodies(dataSource) };
    await dataSource.query(
      `INSERT INTO ledger_accounts (code, currency, type, campaign_id) VALUES ('platform:stripe_balance', 'usd', 'asset', NULL),
         ('platform:fee_revenue', 'usd', 'revenue', NULL), ('campaign:66666666-6666-4666-8666-666666666666:funds', 'usd', 'liability', '66666666-6666-4666-8666-666666666666')`,
    );
    // 20 transactions: 20 transaction ids, on several slots (all equal mod 16 would be a 1-in-16^19 accident).
    for (let i = 0; i < 20; i++) await postGift(dataSource, i);
    const [{ rows }] = await dataSource.query(`SELECT count(*)::int AS rows FROM ledger_balances WHERE account_code = 'platform:stripe_balance'`);
    expect(rows).toBeGreaterThan(1);
    const striped = await balances(dataSource);
    expect(striped.map((r: { postings: string; n: number }) => [r.postings, r.n])).toEqual(striped.map((r: { balance: string; counted: number }) => [r.balance, r.counted]));

    // Reverted with the migrations after it, if any.
    for (let left = MIGRATIONS.length; left > index; left--) await dataSource.undoLastMigration({ transaction: 'each' });
    // One row per account, each with the sum and count of its postings.
    expect(await balances(dataSource)).toEqual(striped.map((r: object) => ({ ...r, rows: 1 })));
    // The schema is the previous migration's, function bodies included.
    const previous = await new DataSource(dataSourceOptions(previousUrl(), { logging: ['error'], migrations: MIGRATIONS.slice(0, index) })).initialize();
    try {
      await previous.runMigrations({ transaction: 'each' });
      expect(await schemaFingerprint(dataSource)).toEqual(await schemaFingerprint(previous));
      expect(await functionBodies(dataSource)).toEqual(await functionBodies(previous));
    } finally {
      await previous.destroy();
    }
    // The per-row trigger of the previous schema keeps the balances.
    await postGift(dataSource, 20);
    const after = await balances(dataSource);
    expect(after.map((r: { postings: string; n: number }) => [r.postings, r.n, 1])).toEqual(after.map((r: { balance: string; counted: number; rows: number }) => [r.balance, r.counted, r.rows]));

    // Up again: the rows become slot 0, and the schema is the migrated one.
    await dataSource.runMigrations({ transaction: 'each' });
    expect(await schemaFingerprint(dataSource)).toEqual(migrated.schema);
    expect(await functionBodies(dataSource)).toEqual(migrated.bodies);
    expect(await dataSource.query(`SELECT DISTINCT slot FROM ledger_balances`)).toEqual([{ slot: 0 }]);
    expect(await balances(dataSource)).toEqual(after);
  });
});
