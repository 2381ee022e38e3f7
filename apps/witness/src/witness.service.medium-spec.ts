import { generateKeyPairSync, randomBytes } from 'node:crypto';
import pg from 'pg';
import { testDatabaseUrl, withServerClient } from '@ataa/testing';
import { createCosigner } from './domain/transparency.js';
import { createWitnessLogger } from './witness-logger.js';
import { parseTrustedLogs } from './domain/trusted-logs.js';
import { CheckpointStore } from './persistence/checkpoint-store.js';
import { migrateWitnessSchema } from './persistence/witness-database.js';
import { TestLog } from './testing/test-log.js';
import { WitnessService, type AddCheckpointResult } from './witness.service.js';

/**
 * The witness's state in PostgreSQL: checking the old size and storing the new checkpoint are one
 * transaction with the log's row locked, so concurrent add-checkpoint calls for one log from the
 * same old size never both succeed, for a log already recorded and for a log's very first record.
 */
describe('witness state under concurrency (PostgreSQL)', () => {
  const databaseName = `ataa_w_${randomBytes(6).toString('hex')}`;
  const logKey = generateKeyPairSync('ed25519').privateKey;
  const platform = 'ataa.medium';
  let pool: pg.Pool;
  let store: CheckpointStore;
  let service: WitnessService;

  beforeAll(async () => {
    await withServerClient((client) => client.query(`CREATE DATABASE ${databaseName}`));
    pool = new pg.Pool({ connectionString: testDatabaseUrl(databaseName), max: 10 });
    // An idle connection ended by the server (as witness-app's pool does): the next query reconnects.
    pool.on('error', () => undefined);
    const client = await pool.connect();
    try {
      expect(await migrateWitnessSchema(client, 'witness')).toEqual(['1795003200000-witness-checkpoints']);
      // Applying them again does nothing.
      expect(await migrateWitnessSchema(client, 'witness')).toEqual([]);
    } finally {
      client.release();
    }
    store = new CheckpointStore(pool, 'witness');
    service = new WitnessService({
      cosigner: createCosigner('witness.medium/w1', generateKeyPairSync('ed25519').privateKey),
      logs: parseTrustedLogs(`${platform}/campaigns/* ${new TestLog({ platform, key: logKey }).vkey}`),
      store,
      logger: createWitnessLogger('silent'),
    });
  });
  afterAll(async () => {
    await pool?.end();
    await withServerClient((client) => client.query(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`));
  });

  // Every call gets a connection at once (none waits for one to be opened), so their transactions interleave.
  const warmPool = () => Promise.all(Array.from({ length: 10 }, () => pool.query('SELECT pg_sleep(0.05)')));

  const outcomes = (results: AddCheckpointResult[]) => results.map((r) => (r.kind === 'cosigned' ? `200 ${r.size}` : `${r.status} ${r.latestSize ?? r.code}`));

  it('lets exactly one of N parallel calls from the same old size succeed; the others get 409 with the new size', async () => {
    const log = new TestLog({ platform, key: logKey }).append(5);
    expect((await service.addCheckpoint(log.request(0))).kind).toBe('cosigned');
    log.append(8);
    // Eight valid requests from old size 5, to sizes 6..13, all at once.
    const requests = [6, 7, 8, 9, 10, 11, 12, 13].map((size) => log.request(5, size));
    await warmPool();
    const results = await Promise.all(requests.map((body) => service.addCheckpoint(body)));
    const winners = results.filter((r) => r.kind === 'cosigned');
    expect(winners).toHaveLength(1);
    const winnerSize = (winners[0] as { size: number }).size;
    // Every other call was told the size the winner stored.
    expect(outcomes(results).filter((o) => !o.startsWith('200')).sort()).toEqual(Array(7).fill(`409 ${winnerSize}`));
    const stored = await store.latest(log.origin);
    expect(stored && { size: stored.size, root: stored.rootHash.toString('base64') }).toEqual({ size: winnerSize, root: log.rootAt(winnerSize).toString('base64') });
  });

  it('lets exactly one of N parallel first submissions of a new log succeed', async () => {
    const log = new TestLog({ platform, key: logKey }).append(12);
    await warmPool();
    const results = await Promise.all([3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map((size) => service.addCheckpoint(log.request(0, size))));
    const winners = results.filter((r) => r.kind === 'cosigned');
    expect(winners).toHaveLength(1);
    const winnerSize = (winners[0] as { size: number }).size;
    expect(outcomes(results).filter((o) => !o.startsWith('200')).sort()).toEqual(Array(9).fill(`409 ${winnerSize}`));
    expect((await store.latest(log.origin))?.size).toBe(winnerSize);
  });

  it('never rolls a log back: a smaller consistent checkpoint arriving after a larger one is refused (409)', async () => {
    const log = new TestLog({ platform, key: logKey }).append(4);
    await service.addCheckpoint(log.request(0));
    log.append(6);
    // The spec's race: A (4 -> 6) and B (4 -> 10) both checked against size 4; B is stored first.
    expect((await service.addCheckpoint(log.request(4, 10))).kind).toBe('cosigned');
    const late = await service.addCheckpoint(log.request(4, 6));
    expect(outcomes([late])).toEqual(['409 10']);
    expect((await store.latest(log.origin))?.size).toBe(10);
  });

  it('never dates a cosignature before the log\'s previous one, even when the clock steps back', async () => {
    let clock = Date.UTC(2030, 0, 1);
    const timed = new WitnessService({
      cosigner: createCosigner('witness.medium/w2', generateKeyPairSync('ed25519').privateKey),
      logs: parseTrustedLogs(`${platform}/campaigns/* ${new TestLog({ platform, key: logKey }).vkey}`),
      store,
      logger: createWitnessLogger('silent'),
      now: () => clock,
    });
    const log = new TestLog({ platform, key: logKey }).append(2);
    const first = await timed.addCheckpoint(log.request(0));
    expect(first.kind).toBe('cosigned');
    clock -= 3_600_000; // an hour back
    log.append(1);
    const second = await timed.addCheckpoint(log.request(2));
    const timestampOf = (r: AddCheckpointResult) => Buffer.from((r as { cosignature: string }).cosignature.trim().split(' ')[2], 'base64').readBigUInt64BE(4);
    // 2030-01-01T00:00:00Z is 1893456000 in POSIX seconds.
    expect(timestampOf(first)).toBe(1893456000n);
    expect(timestampOf(second)).toBe(1893456000n);
    expect((await store.latest(log.origin))?.cosignedAt.toISOString()).toBe('2030-01-01T00:00:00.000Z');
  });

  it('compare-and-swap: a swap from a size the record no longer has changes nothing', async () => {
    const log = new TestLog({ platform, key: logKey }).append(3);
    await service.addCheckpoint(log.request(0));
    const before = await store.latest(log.origin);
    const swapped = await store.withLog(log.origin, async ({ stored, swap }) => {
      expect(stored?.size).toBe(3);
      const ok = await swap(2, { origin: log.origin, size: 9, rootHash: Buffer.alloc(32), note: 'x', cosignature: 'y', cosignedAt: new Date() });
      return { commit: ok, result: ok };
    });
    expect(swapped).toBe(false);
    // A first-record insert for a log that has one does nothing either.
    const inserted = await store.withLog(log.origin, async ({ swap }) => {
      const ok = await swap(null, { origin: log.origin, size: 9, rootHash: Buffer.alloc(32), note: 'x', cosignature: 'y', cosignedAt: new Date() });
      return { commit: ok, result: ok };
    });
    expect(inserted).toBe(false);
    expect(await store.latest(log.origin)).toEqual(before);
  });

  it('refuses an origin longer than the record allows (400) before touching the database', async () => {
    const origin = `${platform}/campaigns/${'x'.repeat(1100)}`;
    const log = new TestLog({ platform, key: logKey, origin }).append(1);
    const result = await service.addCheckpoint(log.request(0));
    expect(outcomes([result])).toEqual(['400 malformed_checkpoint']);
    expect(await store.latest(origin)).toBeNull();
  });
});
