import { RedisOptions } from 'ioredis';
import type { ConnectionOptions } from 'bullmq';

/** ioredis options from a redis:// URL. BullMQ needs `maxRetriesPerRequest: null` on its connections. */
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

/** The same options typed for BullMQ (whose connection type is a wider union). */
export function bullConnection(url: string): ConnectionOptions {
  return redisOptionsFromUrl(url) as ConnectionOptions;
}
