import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import type { Logger } from 'pino';
import { createCosigner, type Cosigner } from './domain/transparency.js';
import { CheckpointStore } from './persistence/checkpoint-store.js';
import { prepareWitnessDatabase } from './persistence/witness-database.js';
import type { WitnessConfig } from './witness-config.js';
import { createWitnessServer } from './witness-server.js';
import { WitnessService } from './witness.service.js';

export interface RunningWitness {
  /** Base URL it listens on (the submission prefix: POST `${url}/add-checkpoint`). */
  url: string;
  port: number;
  name: string;
  /** The witness's vkey (`name+id+base64(0x04 || key)`), for platforms and verifiers. */
  vkey: string;
  cosigner: Cosigner;
  server: FastifyInstance;
  store: CheckpointStore;
  close(): Promise<void>;
}

export interface StartWitnessOptions {
  logger: Logger;
  /** Cosignature clock (milliseconds since the epoch); tests may pin it. */
  now?: () => number;
}

/** Prepares the witness's database (creates it if missing, migrates its schema), then listens. */
export async function startWitness(config: WitnessConfig, options: StartWitnessOptions): Promise<RunningWitness> {
  const cosigner = createCosigner(config.WITNESS_NAME, config.WITNESS_SIGNING_KEY);
  const { created, applied } = await prepareWitnessDatabase(config.WITNESS_DATABASE_URL, {
    schema: config.WITNESS_DATABASE_SCHEMA,
    waitMs: config.WITNESS_DATABASE_WAIT_SECONDS * 1000,
    log: (message) => options.logger.warn(message),
  });
  if (created) options.logger.info('created the witness database');
  if (applied.length > 0) options.logger.info({ applied }, 'applied witness migrations');
  const pool = new pg.Pool({ connectionString: config.WITNESS_DATABASE_URL, max: config.WITNESS_DATABASE_POOL_SIZE });
  pool.on('error', (error) => options.logger.warn({ err: error }, 'idle database connection failed'));
  const store = new CheckpointStore(pool, config.WITNESS_DATABASE_SCHEMA);
  const service = new WitnessService({ cosigner, logs: config.WITNESS_LOGS, store, logger: options.logger, now: options.now });
  const server = createWitnessServer({ service, store, logs: config.WITNESS_LOGS, logger: options.logger, bodyLimit: config.WITNESS_BODY_LIMIT_BYTES });
  try {
    await server.listen({ host: config.WITNESS_HOST, port: config.WITNESS_PORT });
  } catch (error) {
    await pool.end();
    throw error;
  }
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : config.WITNESS_PORT;
  const host = config.WITNESS_HOST.includes(':') ? `[${config.WITNESS_HOST}]` : config.WITNESS_HOST;
  let closed = false;
  return {
    url: `http://${host}:${port}`,
    port,
    name: cosigner.name,
    vkey: service.vkey,
    cosigner,
    server,
    store,
    close: async () => {
      if (closed) return;
      closed = true;
      await server.close();
      await pool.end();
    },
  };
}
