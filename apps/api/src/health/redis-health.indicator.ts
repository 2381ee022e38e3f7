import { Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { AppConfig } from '@ataa/config';
import { createRequestPathRedis, settleConnection, type RedisClient } from '@ataa/queue';

/**
 * Pings Redis on a request-path connection (no offline queue, 200 ms command timeout): while Redis
 * is down or stalled the readiness check answers `down` at once or within 200 ms. Readiness fails
 * closed by design (503 tells the load balancer); nothing else on the request depends on it.
 */
@Injectable()
export class RedisHealthIndicator implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly redis: RedisClient;

  constructor(private readonly config: AppConfig, private readonly indicators: HealthIndicatorService) {
    this.redis = createRequestPathRedis(config, config.REDIS_REQUEST_TIMEOUT_MS);
    this.redis.on('error', () => undefined); // state is reported by the check, not by crashing
  }

  async onApplicationBootstrap(): Promise<void> {
    await settleConnection(this.redis);
  }

  async isHealthy(key: string) {
    const indicator = this.indicators.check(key);
    let timer: NodeJS.Timeout | undefined;
    try {
      // The command timeout bounds the ping; the race is a second bound, should a command never be sent.
      const pong = await Promise.race([
        this.redis.ping(),
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), this.config.REDIS_REQUEST_TIMEOUT_MS + 50))),
      ]);
      return pong === 'PONG' ? indicator.up() : indicator.down({ message: 'unexpected reply' });
    } catch {
      return indicator.down({ message: 'Redis is unreachable' });
    } finally {
      clearTimeout(timer);
    }
  }

  async onModuleDestroy(): Promise<void> {
    this.redis.disconnect();
  }
}
