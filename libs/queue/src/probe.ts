import { Redis } from 'ioredis';
import { redisOptionsFromUrl } from './redis-options.js';

/** Pings Redis once; throws with a short reason when it is unreachable. */
export async function probeRedis(url: string, timeoutMs = 2000): Promise<void> {
  const redis = new Redis(redisOptionsFromUrl(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: timeoutMs, enableOfflineQueue: false }));
  let lastError: (Error & { code?: string }) | undefined;
  redis.on('error', (error) => (lastError = error));
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    const cause = lastError ?? (error as Error & { code?: string });
    throw new Error(cause.code ?? cause.message);
  } finally {
    redis.disconnect();
  }
}

export function describeRedisUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || 6379}`;
}
