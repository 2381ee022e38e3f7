import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { AppConfig } from '@ataa/config';
import { rateLimitKeyPrefix } from '@ataa/organizations';
import { createRedisClient, queuePrefixOf, scanTargetsOf, type RedisClient } from '@ataa/queue';

/**
 * The rate-limit records in Redis (RateLimiter): each key names the client address (or e-mail
 * hash) it counts and normally lives one window. The retention job makes sure none outlives the
 * IP retention period: a key without an expiry, or expiring later than the period allows, is given
 * the period as its expiry. Not a request path: the worker's own connection, SCAN in pages.
 */
@Injectable()
export class RateLimitRecords implements OnModuleDestroy {
  private redis: RedisClient | null = null;

  constructor(@Inject(AppConfig) private readonly config: AppConfig) {}

  /** Caps every record's remaining life at `maxSeconds`; answers how many records were changed. */
  async capLifetime(maxSeconds: number, pageSize: number): Promise<number> {
    if (!this.redis) {
      this.redis = createRedisClient(this.config, { maxRetriesPerRequest: 2 });
      this.redis.on('error', () => undefined); // a failed command rejects; the job logs it and runs again later
    }
    const pattern = `${rateLimitKeyPrefix(queuePrefixOf(this.config))}:*`;
    let changed = 0;
    // On a Redis Cluster every master is scanned (SCAN sees one node's keys); each node's keys are capped through that node.
    for (const node of await scanTargetsOf(this.redis)) changed += await this.capOn(node, pattern, maxSeconds, pageSize);
    return changed;
  }

  private async capOn(redis: Redis, pattern: string, maxSeconds: number, pageSize: number): Promise<number> {
    let cursor = '0';
    let changed = 0;
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', pageSize);
      cursor = next;
      if (keys.length === 0) continue;
      const ttls = (await redis.pipeline(keys.map((key) => ['ttl', key])).exec()) ?? [];
      const capped = keys.filter((_, i) => {
        const ttl = Number(ttls[i]?.[1]);
        return ttl === -1 || ttl > maxSeconds; // -2: gone meanwhile
      });
      if (capped.length === 0) continue;
      // EXPIRE ... GT would not cap a key without expiry; LT would not set one: plain EXPIRE on the chosen keys.
      const results = (await redis.pipeline(capped.map((key) => ['expire', key, String(maxSeconds)])).exec()) ?? [];
      changed += results.filter(([, value]) => Number(value) === 1).length;
    } while (cursor !== '0');
    return changed;
  }

  onModuleDestroy(): void {
    this.redis?.disconnect();
  }
}
