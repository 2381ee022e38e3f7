import { randomBytes } from 'node:crypto';
import type { AppConfig } from '@ataa/config';
import { createTestDatabase, TestDatabase } from './test-database.js';
import { load } from './lazy.js';

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** One test file's private world: its own database and its own Redis key prefix. */
export interface TestEnvironment {
  config: AppConfig;
  database: TestDatabase;
  queuePrefix: string;
  /** A configuration for this environment with some variables changed. */
  configWith(overrides: Record<string, string>): AppConfig;
  cleanup(): Promise<void>;
}

export async function deleteRedisPrefix(prefix: string): Promise<void> {
  const { Redis } = await load(() => import('ioredis'));
  const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

export async function createTestEnvironment(overrides: Record<string, string> = {}): Promise<TestEnvironment> {
  // Loaded by the files that make an environment only (see test-app.ts).
  const { loadConfig } = await load(() => import('@ataa/config'));
  const database = await createTestDatabase();
  const queuePrefix = `ataa-test-${process.env.ATAA_TEST_RUN_ID ?? 'local'}-${randomBytes(4).toString('hex')}`;
  const baseEnv: Record<string, string> = {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATABASE_URL: database.url,
    DATABASE_POOL_SIZE: '5',
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: queuePrefix,
    API_PORT: '0',
    // The tests play the production proxy on loopback: signUpUser sends its own X-Forwarded-For per
    // sign-up, and every gift comes from 127.0.0.1 (the throttling tests set their own limits).
    TRUST_PROXY: 'loopback',
    CHECKOUTS_PER_ADDRESS: '1000000',
    REPORTS_PER_ADDRESS: '1000000',
    // Test files run side by side (Jest workers): one rendering thread per worker app is plenty.
    RECEIPT_RENDER_THREADS: '1',
    // A loaded CI machine (2 cores, a dozen test processes) can keep a Redis answer past the 200 ms
    // production bound: a rate limit would then fail open or closed at random. The tests of that
    // bound (test/platform/redis-down-requests) set it back to 200 ms.
    REDIS_REQUEST_TIMEOUT_MS: '1500',
    ...overrides,
  };
  const configWith = (more: Record<string, string>) => loadConfig({ ...baseEnv, ...more });
  return {
    config: configWith({}),
    database,
    queuePrefix,
    configWith,
    async cleanup() {
      await Promise.all([database.drop(), deleteRedisPrefix(queuePrefix)]);
    },
  };
}
