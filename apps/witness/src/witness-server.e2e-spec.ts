import { generateKeyPairSync } from 'node:crypto';
import pg from 'pg';
import { Writable } from 'node:stream';
import { createCosigner } from './domain/transparency.js';
import { parseTrustedLogs } from './domain/trusted-logs.js';
import { CheckpointStore } from './persistence/checkpoint-store.js';
import { TestLog } from './testing/test-log.js';
import { createWitnessLogger } from './witness-logger.js';
import { createWitnessServer } from './witness-server.js';
import { WitnessService } from './witness.service.js';

/**
 * The witness without its database (PostgreSQL unreachable): readiness says so, and add-checkpoint
 * answers 500 with an error id and no internals, cosigning nothing; checks that need no state still
 * answer as the spec says.
 */
describe('witness whose database is down', () => {
  const log = new TestLog({ platform: 'ataa.down' }).append(3);
  const lines: string[] = [];
  const logger = createWitnessLogger('info', new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } }));
  // Nothing listens on port 1: every connection attempt is refused.
  const pool = new pg.Pool({ connectionString: 'postgres://witness@127.0.0.1:1/witness', connectionTimeoutMillis: 2_000 });
  const store = new CheckpointStore(pool, 'witness');
  const logs = parseTrustedLogs(`ataa.down/campaigns/* ${log.vkey}`);
  const service = new WitnessService({ cosigner: createCosigner('witness.down/w', generateKeyPairSync('ed25519').privateKey), logs, store, logger });
  const app = createWitnessServer({ service, store, logs, logger, bodyLimit: 65_536 });

  afterAll(async () => {
    await app.close();
    await pool.end();
  });

  it('is live but not ready', async () => {
    expect((await app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
    const ready = await app.inject({ method: 'GET', url: '/health/ready' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({ status: 503, code: 'database_unavailable' });
  });

  it('answers add-checkpoint with 500 and an error id, without internals', async () => {
    const response = await app.inject({ method: 'POST', url: '/add-checkpoint', payload: log.request(0), headers: { 'content-type': 'text/plain' } });
    expect(response.statusCode).toBe(500);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    const problem = response.json();
    expect(problem).toMatchObject({ status: 500, code: 'internal_error' });
    expect(problem.errorId).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.body).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|stack/);
    // The log line carries the error and the same id, for the operator.
    const logged = lines.map((l) => JSON.parse(l)).find((l) => l.errorId === problem.errorId);
    expect(logged).toMatchObject({ level: 'error', msg: 'unhandled error' });
  });

  it('still refuses what needs no state: unknown log 404, bad signature 403, malformed 400', async () => {
    const stranger = new TestLog({ platform: 'other.example' }).append(1);
    const post = (payload: string) => app.inject({ method: 'POST', url: '/add-checkpoint', payload, headers: { 'content-type': 'text/plain' } });
    expect((await post(stranger.request(0))).statusCode).toBe(404);
    const forged = new TestLog({ platform: 'ataa.down', origin: log.origin }).append(3);
    expect((await post(forged.request(0))).statusCode).toBe(403);
    expect((await post('old x\n\n')).statusCode).toBe(400);
    // The body is read whatever its Content-Type, or without one (as Go's clients may send it).
    expect((await app.inject({ method: 'POST', url: '/add-checkpoint', payload: stranger.request(0) })).statusCode).toBe(404);
    expect((await app.inject({ method: 'POST', url: '/add-checkpoint', payload: Buffer.from(stranger.request(0)), headers: { 'content-type': 'application/octet-stream' } })).statusCode).toBe(404);
  });
});
