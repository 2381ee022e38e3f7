import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import type { DestinationStream } from 'pino';
import type { RunningWitness } from '../../../apps/witness/src/index.js';
import { testDatabaseUrl, withServerClient } from './test-database.js';
import { load } from './lazy.js';

export interface TestWitnessOptions {
  /**
   * The logs it cosigns for: `{ origin, vkey }` pairs (an origin ending in `*` is a prefix, e.g.
   * `ataa.local/campaigns/*`), or the WITNESS_LOGS text itself.
   */
  logs: { origin: string; vkey: string }[] | string;
  /** The cosigner name; default `witness-<random>.test/w`. */
  name?: string;
  /** The cosigner key; default a fresh Ed25519 key. */
  key?: KeyObject;
  /** Cosignature clock (milliseconds since the epoch). */
  now?: () => number;
  /** Where its JSON log lines go (tests that read them); default: TEST_LOG_LEVEL, else silent. */
  logDestination?: DestinationStream;
  logLevel?: string;
}

export interface TestWitness extends RunningWitness {
  /** Its own fresh database, dropped by stop(). */
  databaseUrl: string;
  /** The private key, so a restarted witness (restart()) cosigns with the same key. */
  key: KeyObject;
  /** Starts it again on the same database, key and port after close() (a witness that was down comes back). */
  restart(): Promise<TestWitness>;
  /** Closes the server and drops its database. */
  stop(): Promise<void>;
}

/**
 * Starts a real witness (apps/witness) in-process on an ephemeral port with a fresh database of its
 * own. `close()` stops it (a witness that is down) and keeps its database; `restart()` brings it
 * back; `stop()` closes it and drops the database (call it in afterAll).
 */
export async function startTestWitness(options: TestWitnessOptions): Promise<TestWitness> {
  // Loaded by the files that start a witness only (see test-app.ts).
  const { createWitnessLogger, loadWitnessConfig, startWitness } = await load(() => import('../../../apps/witness/src/index.js'));
  const databaseName = `ataa_w_${randomBytes(6).toString('hex')}`;
  const databaseUrl = testDatabaseUrl(databaseName);
  await withServerClient(async (client) => {
    await client.query(`CREATE DATABASE ${databaseName}`);
  });
  const key = options.key ?? generateKeyPairSync('ed25519').privateKey;
  const name = options.name ?? `witness-${randomBytes(4).toString('hex')}.test/w`;
  const logs = typeof options.logs === 'string' ? options.logs : options.logs.map((l) => `${l.origin} ${l.vkey}`).join(',');
  const level = options.logLevel ?? process.env.TEST_LOG_LEVEL ?? 'silent';
  const logger = createWitnessLogger(level, options.logDestination, 'witness-test');

  const launch = async (port: number): Promise<TestWitness> => {
    const config = loadWitnessConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: level,
      WITNESS_NAME: name,
      WITNESS_SIGNING_KEY: key.export({ format: 'der', type: 'pkcs8' }).toString('base64'),
      WITNESS_DATABASE_URL: databaseUrl,
      WITNESS_DATABASE_POOL_SIZE: '4',
      WITNESS_DATABASE_WAIT_SECONDS: '10',
      WITNESS_HOST: '127.0.0.1',
      WITNESS_PORT: String(port),
      WITNESS_LOGS: logs,
    });
    const running = await startWitness(config, { logger, now: options.now });
    return {
      ...running,
      databaseUrl,
      key,
      restart: () => launch(running.port),
      stop: async () => {
        await running.close();
        await withServerClient(async (client) => {
          await client.query(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`);
        });
      },
    };
  };
  try {
    return await launch(0);
  } catch (error) {
    await withServerClient((client) => client.query(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`));
    throw error;
  }
}
