import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '@ataa/config';
import { DomainError } from '@ataa/common';
import { createRequestPathRedis, queuePrefixOf, settleConnection, type RedisClient } from '@ataa/queue';
import { onRedisFailure, RATE_LIMIT_POLICIES, type RateLimitClaim, type RateLimitName, type RateLimitRule } from './domain/rate-limits.js';

export type { RateLimitRule } from './domain/rate-limits.js';

/**
 * Limits on the auth endpoints keyed on the client address. Login counts failures only, so people
 * who type correctly are never slowed. The per-account limit (any address) comes from the config.
 * Tests change these on their own app (see setAuthRateLimits in @ataa/testing).
 */
export interface AuthRateLimits {
  loginFailuresPerIpAndEmail: RateLimitRule;
  loginFailuresPerIp: RateLimitRule;
  /** Wrong second-factor codes per account (any address). */
  secondFactorFailuresPerAccount: RateLimitRule;
  signupsPerIp: RateLimitRule;
  passwordResetsPerAddress: RateLimitRule;
  passwordResetsPerEmail: RateLimitRule;
  verificationMailsPerAccount: RateLimitRule;
  accountLinksPerAddress: RateLimitRule;
}

export const AUTH_RATE_LIMITS = Symbol('AUTH_RATE_LIMITS');

export const DEFAULT_AUTH_RATE_LIMITS: Readonly<AuthRateLimits> = Object.freeze({
  loginFailuresPerIpAndEmail: { limit: 10, windowSeconds: 60 },
  loginFailuresPerIp: { limit: 100, windowSeconds: 60 },
  secondFactorFailuresPerAccount: { limit: 10, windowSeconds: 900 },
  signupsPerIp: { limit: 20, windowSeconds: 600 },
  passwordResetsPerAddress: { limit: 10, windowSeconds: 3600 },
  passwordResetsPerEmail: { limit: 3, windowSeconds: 3600 },
  verificationMailsPerAccount: { limit: 3, windowSeconds: 3600 },
  accountLinksPerAddress: { limit: 30, windowSeconds: 600 },
});

/**
 * Takes one point from every key, all or none, in one atomic step. KEYS: one per limit; ARGV: for
 * each key its limit, window (seconds) and mode (1: the window restarts at every point, 0: it runs
 * from the first). When any key is used up nothing is counted and the reply is {index, seconds
 * until the longest refusing window ends}; otherwise {0, 0}.
 */
const TAKE = `
local refused, wait = 0, 0
for i, key in ipairs(KEYS) do
  if tonumber(redis.call('GET', key) or '0') >= tonumber(ARGV[3 * i - 2]) then
    local ttl = redis.call('TTL', key)
    if ttl < 1 then ttl = tonumber(ARGV[3 * i - 1]) end
    if ttl > wait then wait = ttl end
    refused = i
  end
end
if refused > 0 then return {refused, wait} end
for i, key in ipairs(KEYS) do
  local n = redis.call('INCR', key)
  if n == 1 or ARGV[3 * i] == '1' or redis.call('TTL', key) < 0 then redis.call('EXPIRE', key, ARGV[3 * i - 1]) end
end
return {0, 0}`;

/** Gives back one point on every key that still exists (never below zero; the window is kept). */
const GIVE_BACK = `
for _, key in ipairs(KEYS) do
  if tonumber(redis.call('GET', key) or '0') > 0 then redis.call('DECR', key) end
end
return 0`;

type LimiterRedis = RedisClient & {
  rateLimitTake(keyCount: number, ...keysAndArgs: (string | number)[]): Promise<[number, number]>;
  rateLimitGiveBack(keyCount: number, ...keys: string[]): Promise<number>;
};

/** Points taken by RateLimiter.take; giveBack returns them when the attempt turned out not to count. */
export interface TakenRateLimits {
  giveBack(): Promise<void>;
}

/** Where the rate-limit records live in Redis (their keys hold the client address they count; see the retention job). */
export function rateLimitKeyPrefix(queuePrefix: string): string {
  return `${queuePrefix}:ratelimit`;
}

const NOTHING_TAKEN: TakenRateLimits = { giveBack: async () => undefined };

/**
 * Every rate limit of the platform (policies in domain/rate-limits.ts): counters in Redis shared by
 * every API process, under the deployment's key prefix. A request takes its points before the work,
 * in one atomic script for all its limits, so N concurrent requests let exactly the limit through.
 *
 * Redis on a request path: the connection has no offline queue and a command timeout of
 * REDIS_REQUEST_TIMEOUT_MS (200 ms by default), so while Redis is down or stalled a request spends at most
 * one such timeout here and then goes on as the limits' policy says (fail open or closed).
 */
@Injectable()
export class RateLimiter implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly redis: LimiterRedis;
  private readonly prefix: string;
  private readonly logger = new Logger('RateLimiter');
  private lastFailureLoggedAt = 0;

  constructor(
    @Inject(AppConfig) private readonly config: AppConfig,
    @Inject(AUTH_RATE_LIMITS) private readonly authLimits: AuthRateLimits,
  ) {
    this.redis = createRequestPathRedis(config, config.REDIS_REQUEST_TIMEOUT_MS) as LimiterRedis;
    this.redis.on('error', () => undefined); // reported (throttled) when a request meets it
    this.redis.defineCommand('rateLimitTake', { lua: TAKE });
    this.redis.defineCommand('rateLimitGiveBack', { lua: GIVE_BACK });
    // Hash-tagged on a Redis Cluster like the queues: one take's keys must share a slot.
    this.prefix = rateLimitKeyPrefix(queuePrefixOf(config));
  }

  /** Waits (briefly) for the connection so that the first requests are counted; never blocks boot on an outage. */
  async onApplicationBootstrap(): Promise<void> {
    await settleConnection(this.redis);
  }

  /** The numbers behind each limit: the auth limits (AUTH_RATE_LIMITS) and the configured ones. */
  rule(name: RateLimitName): RateLimitRule {
    switch (name) {
      case 'loginFailuresPerAccount':
        return { limit: this.config.LOGIN_FAILURES_PER_ACCOUNT, windowSeconds: this.config.LOGIN_FAILURE_WINDOW_SECONDS };
      case 'checkoutsPerAddress':
        return { limit: this.config.CHECKOUTS_PER_ADDRESS, windowSeconds: this.config.CHECKOUT_WINDOW_SECONDS };
      case 'dataExportsPerEmail':
        return { limit: this.config.DATA_EXPORT_REQUESTS_PER_EMAIL, windowSeconds: this.config.DATA_EXPORT_WINDOW_SECONDS };
      case 'dataExportsPerAddress':
        return { limit: this.config.DATA_EXPORT_REQUESTS_PER_ADDRESS, windowSeconds: this.config.DATA_EXPORT_WINDOW_SECONDS };
      case 'erasureRequestsPerAddress':
        return { limit: this.config.ERASURE_REQUESTS_PER_ADDRESS, windowSeconds: this.config.ERASURE_REQUEST_WINDOW_SECONDS };
      case 'erasureRequestsPerEmail':
        return { limit: this.config.ERASURE_REQUESTS_PER_EMAIL, windowSeconds: this.config.ERASURE_REQUEST_WINDOW_SECONDS };
      case 'donorSignInLinksPerAddress':
        return { limit: this.config.DONOR_SIGN_IN_LINKS_PER_ADDRESS, windowSeconds: this.config.DONOR_SIGN_IN_LINK_WINDOW_SECONDS };
      case 'donorSignInLinksPerEmail':
        return { limit: this.config.DONOR_SIGN_IN_LINKS_PER_EMAIL, windowSeconds: this.config.DONOR_SIGN_IN_LINK_WINDOW_SECONDS };
      case 'reportsPerAddress':
        return { limit: this.config.REPORTS_PER_ADDRESS, windowSeconds: this.config.REPORT_WINDOW_SECONDS };
      default:
        return this.authLimits[name];
    }
  }

  /**
   * Takes one point from each claimed limit, all or none, atomically, before the work it guards.
   * Throws 429 `rate_limited` (with retryAfterSeconds) when any is used up; nothing is counted then,
   * so a refused attempt never extends a window. If Redis fails, the limits' policy decides: the
   * request goes on uncounted (fail open) or gets 503 `rate_limit_unavailable` (fail closed).
   */
  async take(claims: readonly RateLimitClaim[]): Promise<TakenRateLimits> {
    const keys = claims.map((claim) => this.key(claim));
    const args = claims.flatMap((claim) => {
      const rule = this.rule(claim.limit);
      return [rule.limit, rule.windowSeconds, RATE_LIMIT_POLICIES[claim.limit].window === 'from-last' ? 1 : 0];
    });
    let refused: number;
    let wait: number;
    try {
      [refused, wait] = await this.redis.rateLimitTake(keys.length, ...keys, ...args);
    } catch (error) {
      return this.redisFailed(claims, error);
    }
    if (refused > 0) {
      const rule = this.rule(claims[refused - 1].limit);
      throw new DomainError('rate_limited', 'Too many attempts; try again later', 429, { retryAfterSeconds: wait > 0 ? wait : rule.windowSeconds });
    }
    return {
      giveBack: async () => {
        try {
          await this.redis.rateLimitGiveBack(keys.length, ...keys);
        } catch (error) {
          this.logFailure(error); // the point stays counted until its window ends
        }
      },
    };
  }

  private key(claim: RateLimitClaim): string {
    return `${this.prefix}:${RATE_LIMIT_POLICIES[claim.limit].bucket}:${claim.subject}`;
  }

  private redisFailed(claims: readonly RateLimitClaim[], error: unknown): TakenRateLimits {
    this.logFailure(error);
    if (onRedisFailure(claims) === 'open') return NOTHING_TAKEN;
    throw new DomainError('rate_limit_unavailable', 'This action is briefly unavailable; try again shortly', 503, { retryAfterSeconds: 5 });
  }

  private logFailure(error: unknown): void {
    if (Date.now() - this.lastFailureLoggedAt < 10_000) return;
    this.lastFailureLoggedAt = Date.now();
    this.logger.warn(`Redis did not answer a rate limit (policy applied): ${(error as Error)?.message ?? String(error)}`);
  }

  async onModuleDestroy(): Promise<void> {
    this.redis.disconnect();
  }
}
