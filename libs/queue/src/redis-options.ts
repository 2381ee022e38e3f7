import { RedisOptions } from 'ioredis';

/**
 * The longest a Redis command made while serving an HTTP request may take. A request that needs
 * Redis and does not get an answer in time goes on as its limit's policy says (fail open or closed):
 * it never waits for a reconnect.
 */
export const REQUEST_PATH_REDIS_TIMEOUT_MS = 200;

/** ioredis options from a redis:// URL (one server; redis-clients.ts handles every topology). BullMQ needs `maxRetriesPerRequest: null` on its connections. */
export function redisOptionsFromUrl(url: string, overrides: RedisOptions = {}): RedisOptions {
  const parsed = new URL(url);
  return {
    host: parsed.hostname,
    port: parsed.port ? Number(parsed.port) : 6379,
    username: parsed.username || undefined,
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
    db: parsed.pathname && parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : undefined,
    tls: parsed.protocol === 'rediss:' ? {} : undefined,
    maxRetriesPerRequest: null,
    // Reconnect with capped backoff rather than giving up: Redis coming back must resume work.
    retryStrategy: (times) => Math.min(times * 200, 5000),
    ...overrides,
  };
}

/**
 * Options for a connection used on request paths (rate limits, health): every command fails after
 * the given commandTimeout (callers pass REDIS_REQUEST_TIMEOUT_MS; REQUEST_PATH_REDIS_TIMEOUT_MS by default), and at once while the connection is not ready (no offline queue,
 * no retries), so a Redis outage costs a request at most one short timeout per command. The
 * connection still reconnects in the background. Not for BullMQ workers (they need
 * `maxRetriesPerRequest: null` and blocking commands).
 */
export function requestPathRedisOptions(url: string, overrides: RedisOptions = {}): RedisOptions {
  return redisOptionsFromUrl(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: REQUEST_PATH_REDIS_TIMEOUT_MS,
    connectTimeout: 1000,
    ...overrides,
  });
}


/**
 * Waits until a connection is ready, fails, or `ms` pass, whichever comes first: for boot, so that
 * the first requests find the connection open, without ever holding boot up during an outage.
 */
export async function settleConnection(redis: { status: string; once(event: string, listener: () => void): unknown; off(event: string, listener: () => void): unknown }, ms = 2000): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      redis.off('ready', done);
      redis.off('error', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    redis.once('ready', done);
    redis.once('error', done);
  });
}
