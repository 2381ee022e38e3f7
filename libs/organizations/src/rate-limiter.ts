import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { Redis } from 'ioredis';
import { AppConfig } from '@ataa/config';
import { DomainError } from '@ataa/common';
import { redisOptionsFromUrl } from '@ataa/queue';

export interface RateLimitRule {
  /** Attempts allowed per window. */
  limit: number;
  windowSeconds: number;
}

/** Limits on the auth endpoints. Login counts failures only, so people who type correctly are never slowed. */
export interface AuthRateLimits {
  loginFailuresPerIpAndEmail: RateLimitRule;
  loginFailuresPerIp: RateLimitRule;
  signupsPerIp: RateLimitRule;
}

export const AUTH_RATE_LIMITS = Symbol('AUTH_RATE_LIMITS');

export const DEFAULT_AUTH_RATE_LIMITS: AuthRateLimits = {
  loginFailuresPerIpAndEmail: { limit: 10, windowSeconds: 60 },
  loginFailuresPerIp: { limit: 100, windowSeconds: 60 },
  signupsPerIp: { limit: 20, windowSeconds: 600 },
};

/**
 * Fixed-window counters in Redis (shared by every API process), under the deployment's key prefix.
 * If Redis is unreachable the limiter fails open: auth keeps working, and the error is logged by
 * the caller's request log rather than locking everyone out.
 */
@Injectable()
export class RateLimiter implements OnModuleDestroy {
  private readonly redis: Redis;
  private readonly prefix: string;

  constructor(@Inject(AppConfig) config: AppConfig) {
    this.redis = new Redis(redisOptionsFromUrl(config.REDIS_URL, { maxRetriesPerRequest: 1, lazyConnect: true, enableOfflineQueue: true }));
    this.redis.on('error', () => undefined);
    this.prefix = `${config.QUEUE_PREFIX}:ratelimit`;
  }

  private key(bucket: string, subject: string, rule: RateLimitRule): string {
    const window = Math.floor(Date.now() / 1000 / rule.windowSeconds);
    return `${this.prefix}:${bucket}:${window}:${subject}`;
  }

  /** Throws 429 `rate_limited` when the subject already used its attempts in this window. */
  async assertUnder(bucket: string, subject: string, rule: RateLimitRule): Promise<void> {
    let used = 0;
    try {
      used = Number((await this.redis.get(this.key(bucket, subject, rule))) ?? 0);
    } catch {
      return;
    }
    if (used >= rule.limit) {
      throw new DomainError('rate_limited', 'Too many attempts; try again later', 429, { retryAfterSeconds: rule.windowSeconds });
    }
  }

  /** Counts one attempt. */
  async hit(bucket: string, subject: string, rule: RateLimitRule): Promise<void> {
    const key = this.key(bucket, subject, rule);
    try {
      await this.redis.multi().incr(key).expire(key, rule.windowSeconds * 2).exec();
    } catch {
      // fail open, see class comment
    }
  }

  async onModuleDestroy(): Promise<void> {
    this.redis.disconnect();
  }
}
