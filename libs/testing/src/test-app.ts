import type { INestApplicationContext, Type } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AppConfig } from '@ataa/config';
import type { createLogger } from '@ataa/observability';
import type { AuthRateLimits } from '@ataa/organizations';
import { load } from './lazy.js';

// The API's and the worker's module graphs (~600 modules, ~3 CPU-s per test file: Jest's ES-module
// loader compiles them again for every file) load when a file starts an app, not for every file that
// imports @ataa/testing for a database, Redis or the sandbox (docs/test-speed.md; lazy.ts).
async function appModules<T>(app: () => Promise<T>): Promise<[T, typeof import('@ataa/observability')]> {
  const modules = await load(app);
  const observability = await load(() => import('@ataa/observability'));
  rateLimitsToken ??= (await load(() => import('@ataa/organizations'))).AUTH_RATE_LIMITS;
  return [modules, observability];
}

/** The AUTH_RATE_LIMITS token of this file's module registry, known once an app was started. */
let rateLimitsToken: symbol | undefined;

/** Starts the real API application in-process (Fastify ready, not listening unless asked). */
export async function startTestApi(
  config: AppConfig,
  options: { listen?: boolean; port?: number; imports?: Type[]; logger?: ReturnType<typeof createLogger> } = {},
): Promise<NestFastifyApplication> {
  const [{ createApiApp }, { createLogger }] = await appModules(() => import('../../../apps/api/src/create-api-app.js'));
  const app = await createApiApp(config, { logger: options.logger ?? createLogger(config.LOG_LEVEL, 'api-test'), imports: options.imports });
  if (options.listen) {
    await app.listen({ port: options.port ?? 0, host: '127.0.0.1' });
  } else {
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  }
  return app;
}

/** Starts the real worker (BullMQ processors, no HTTP) in-process. */
export async function startTestWorker(config: AppConfig, options: { imports?: Type[] } = {}): Promise<INestApplicationContext> {
  const [{ createWorkerApp }, { createLogger }] = await appModules(() => import('../../../apps/worker/src/create-worker-app.js'));
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
 * The app must come from startTestApi or startTestWorker (which load the token with the app).
 */
export function setAuthRateLimits(app: INestApplicationContext, limits: Partial<AuthRateLimits>): void {
  if (rateLimitsToken === undefined) throw new Error('setAuthRateLimits: start the app with startTestApi or startTestWorker first');
  Object.assign(app.get<AuthRateLimits>(rateLimitsToken, { strict: false }), limits);
}
