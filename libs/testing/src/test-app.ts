import { INestApplicationContext, Type } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppConfig } from '@ataa/config';
import { createLogger } from '@ataa/observability';
import { AUTH_RATE_LIMITS, type AuthRateLimits } from '@ataa/organizations';
import { createApiApp } from '../../../apps/api/src/create-api-app.js';
import { createWorkerApp } from '../../../apps/worker/src/create-worker-app.js';

/** Starts the real API application in-process (Fastify ready, not listening unless asked). */
export async function startTestApi(
  config: AppConfig,
  options: { listen?: boolean; imports?: Type[]; logger?: ReturnType<typeof createLogger> } = {},
): Promise<NestFastifyApplication> {
  const app = await createApiApp(config, { logger: options.logger ?? createLogger(config.LOG_LEVEL, 'api-test'), imports: options.imports });
  if (options.listen) {
    await app.listen({ port: 0, host: '127.0.0.1' });
  } else {
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  }
  return app;
}

/** Starts the real worker (BullMQ processors, no HTTP) in-process. */
export async function startTestWorker(config: AppConfig, options: { imports?: Type[] } = {}): Promise<INestApplicationContext> {
  return createWorkerApp(config, { logger: createLogger(config.LOG_LEVEL, 'worker-test'), imports: options.imports });
}

/** The base URL of a listening app. */
export async function baseUrlOf(app: NestFastifyApplication): Promise<string> {
  const address = await app.getUrl();
  return address.replace('[::1]', '127.0.0.1');
}

/**
 * Changes the auth rate limits (the AUTH_RATE_LIMITS value) of one running app: each app has its
 * own copy, read by RateLimiter at every request, so small limits keep the throttling tests fast.
 */
export function setAuthRateLimits(app: INestApplicationContext, limits: Partial<AuthRateLimits>): void {
  Object.assign(app.get<AuthRateLimits>(AUTH_RATE_LIMITS, { strict: false }), limits);
}
