import { DataSource } from 'typeorm';
import { createTestEnvironment, TestEnvironment } from '@ataa/testing';
import { dataSourceOptions } from './data-source-options.js';
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
