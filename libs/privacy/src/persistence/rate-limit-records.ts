import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { Redis } from 'ioredis';
import { AppConfig } from '@ataa/config';
import { rateLimitKeyPrefix } from '@ataa/organizations';
import { redisOptionsFromUrl } from '@ataa/queue';

/**
 * The rate-limit records in Redis (RateLimiter): each key names the client address (or e-mail
 * hash) it counts and normally lives one window. The retention job makes sure none outlives the
 * IP retention period: a key without an expiry, or expiring later than the period allows, is given
 * the period as its expiry. Not a request path: the worker's own connection, SCAN in pages.
 */
@Injectable()
export class RateLimitRecords implements OnModuleDestroy {
  private redis: Redis | null = null;

  constructor(@Inject(AppConfig) private readonly config: AppConfig) {}

  /** Caps every record's remaining life at `maxSeconds`; answers how many records were changed. */
  async capLifetime(maxSeconds: number, pageSize: number): Promise<number> {
    if (!this.redis) {
      this.redis = new Redis(redisOptionsFromUrl(this.config.REDIS_URL, { maxRetriesPerRequest: 2 }));
      this.redis.on('error', () => undefined); // a failed command rejects; the job logs it and runs again later
    }
    const redis = this.redis;
    const pattern = `${rateLimitKeyPrefix(this.config.QUEUE_PREFIX)}:*`;
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
