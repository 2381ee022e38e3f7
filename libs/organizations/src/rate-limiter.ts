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

/**
 * Limits on the auth endpoints keyed on the client address. Login counts failures only, so people
 * who type correctly are never slowed. The per-account limit (any address) comes from the config.
 */
export interface AuthRateLimits {
  loginFailuresPerIpAndEmail: RateLimitRule;
  loginFailuresPerIp: RateLimitRule;
  signupsPerIp: RateLimitRule;
}

export const AUTH_RATE_LIMITS = Symbol('AUTH_RATE_LIMITS');

// Atomic in Redis: check and count in one step. Returns {-1, ttl} when locked, else {count, window}.
const RESERVE_FAILURE = `
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
if used >= tonumber(ARGV[1]) then return {-1, redis.call('TTL', KEYS[1])} end
local n = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
return {n, tonumber(ARGV[2])}`;
const RELEASE_FAILURE = `
if tonumber(redis.call('GET', KEYS[1]) or '0') > 0 then redis.call('DECR', KEYS[1]) end
return 0`;

export const DEFAULT_AUTH_RATE_LIMITS: AuthRateLimits = {
  loginFailuresPerIpAndEmail: { limit: 10, windowSeconds: 60 },
  loginFailuresPerIp: { limit: 100, windowSeconds: 60 },
  signupsPerIp: { limit: 20, windowSeconds: 600 },
};

/**
 * Counters in Redis (shared by every API process), under the deployment's key prefix: fixed windows
 * (assertUnder/hit), and windows that start at the first attempt (consume) or restart at every
 * failure (reserveFailure). If Redis is unreachable the limiter fails open: auth and checkout keep
 * working, and the error is logged by the caller's request log rather than locking everyone out.
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

  /**
   * A failure counter whose window restarts at every failure: `rule.limit` failures, each within
   * the window of the previous one, lock the subject until a whole window has passed since the
   * last. The attempt is counted as a failure before it is judged (so concurrent guesses all count)
   * and given back with releaseFailure when it succeeds. Refused attempts are not counted, so a
   * lock always ends.
   */
  async reserveFailure(bucket: string, subject: string, rule: RateLimitRule): Promise<void> {
    let result: [number, number];
    try {
      result = (await this.redis.eval(RESERVE_FAILURE, 1, `${this.prefix}:${bucket}:${subject}`, rule.limit, rule.windowSeconds)) as [number, number];
    } catch {
      return;
    }
    if (result[0] < 0) {
      throw new DomainError('rate_limited', 'Too many attempts; try again later', 429, { retryAfterSeconds: result[1] > 0 ? result[1] : rule.windowSeconds });
    }
  }

  /** Takes back a reserveFailure whose attempt succeeded (not below zero, never outliving the window). */
  async releaseFailure(bucket: string, subject: string): Promise<void> {
    try {
      await this.redis.eval(RELEASE_FAILURE, 1, `${this.prefix}:${bucket}:${subject}`);
    } catch {
      // fail open, see class comment
    }
  }

  /**
   * Counts one attempt and refuses it (429) when it is over the limit, in one atomic step so that
   * concurrent requests cannot all slip under it. The window starts at the subject's first attempt.
   */
  async consume(bucket: string, subject: string, rule: RateLimitRule): Promise<void> {
    const key = `${this.prefix}:${bucket}:${subject}`;
    let used = 0;
    let ttl = rule.windowSeconds;
    try {
      const replies = (await this.redis.multi().set(key, 0, 'EX', rule.windowSeconds, 'NX').incr(key).ttl(key).exec()) ?? [];
      used = Number(replies[1]?.[1] ?? 0);
      const remaining = Number(replies[2]?.[1] ?? -1);
      if (remaining > 0) ttl = remaining;
    } catch {
      return;
    }
    if (used > rule.limit) {
      throw new DomainError('rate_limited', 'Too many attempts; try again later', 429, { retryAfterSeconds: ttl });
    }
  }

  async onModuleDestroy(): Promise<void> {
    this.redis.disconnect();
  }
}
