import 'reflect-metadata';
import { exitGracefullyOnSignals, runMain, waitFor } from '@ataa/common';
import { ConfigError, loadConfig, SECRETS_USED_BY } from '@ataa/config';
import { describeDatabaseUrl, probePostgres } from '@ataa/database';
import { createLogger } from '@ataa/observability';
import { waitForRedis } from '@ataa/queue';
import { closeWorkerApp } from './close-worker-app.js';
import { createWorkerApp } from './create-worker-app.js';

runMain(async () => {
  const config = loadConfig(process.env, SECRETS_USED_BY['worker']);
  const logger = createLogger(config.LOG_LEVEL, 'worker');
  await waitFor(`PostgreSQL at ${describeDatabaseUrl(config.DATABASE_URL)}`, () => probePostgres(config.DATABASE_URL), (m) => logger.warn(m));
  // DATABASE_REPLICA_URLS is the API's: the worker reads from the primary only (WorkerModule), so it neither checks nor connects to them.
  await waitForRedis(config, (m) => logger.warn(m));
  const app = await createWorkerApp(config, { logger });
  exitGracefullyOnSignals({
    graceMs: config.SHUTDOWN_GRACE_SECONDS * 1000,
    close: () => closeWorkerApp(app),
    log: { info: (m) => logger.info(m), error: (m) => logger.error(m) },
  });
  logger.info('worker started');
}, (error) => error instanceof ConfigError);
