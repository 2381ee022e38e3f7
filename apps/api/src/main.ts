import 'reflect-metadata';
import { exitGracefullyOnSignals, runMain, waitFor } from '@ataa/common';
import { ConfigError, loadConfig, SECRETS_USED_BY } from '@ataa/config';
import { describeDatabaseUrl, probePostgres, verifyReadReplicas } from '@ataa/database';
import { createLogger } from '@ataa/observability';
import { waitForRedis } from '@ataa/queue';
import { closeApiApp } from './close-api-app.js';
import { createApiApp } from './create-api-app.js';

runMain(async () => {
  const config = loadConfig(process.env, SECRETS_USED_BY['api']);
  const logger = createLogger(config.LOG_LEVEL, 'api');
  await waitFor(`PostgreSQL at ${describeDatabaseUrl(config.DATABASE_URL)}`, () => probePostgres(config.DATABASE_URL), (m) => logger.warn(m));
  // A replica that is not one of this primary stops the boot (ConfigError, one line); one that is down is skipped until it answers.
  const replicas = await verifyReadReplicas(config.DATABASE_URL, config.DATABASE_REPLICA_URLS);
  for (const down of replicas.unreachable) logger.warn(`read replica ${down} does not answer: its reads go to the primary until it does`);
  await waitForRedis(config, (m) => logger.warn(m));
  const app = await createApiApp(config, { logger });
  await app.listen({ port: config.API_PORT, host: config.API_HOST });
  exitGracefullyOnSignals({
    graceMs: config.SHUTDOWN_GRACE_SECONDS * 1000,
    close: () => closeApiApp(app),
    log: { info: (m) => logger.info(m), error: (m) => logger.error(m) },
  });
  logger.info({ url: config.PUBLIC_BASE_URL }, 'api listening');
}, (error) => error instanceof ConfigError);
