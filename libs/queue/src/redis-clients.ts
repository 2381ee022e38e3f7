import { Cluster, ClusterOptions, Redis, RedisOptions } from 'ioredis';
import { createIORedisClient, RedisConnection, type ConnectionOptions } from 'bullmq';
import { parseRedisTopology, type RedisSettings, type RedisTopology } from '@ataa/config';
import { redisOptionsFromUrl, REQUEST_PATH_REDIS_TIMEOUT_MS } from './redis-options.js';

/**
 * Every Redis client of the platform is made here, from the configured topology (one server, a
 * Redis Cluster or Sentinel; @ataa/config parseRedisTopology): BullMQ's connections, the rate
 * limiter's, the readiness check's, the retention job's. docs/redis-cluster.md.
 */
export type RedisClient = Redis | Cluster;

/**
 * A REDIS_URL alone (any of its forms), the configuration (REDIS_URL with the cluster and sentinel
 * variables), or a topology already read from either.
 */
export type RedisTarget = string | RedisSettings | RedisTopology;

export function redisTopologyOf(target: RedisTarget): RedisTopology {
  if (typeof target === 'string') return parseRedisTopology({ REDIS_URL: target });
  return 'kind' in target ? target : parseRedisTopology(target);
}

/**
 * A client for the target. `overrides` are the per-connection ioredis options (timeouts, retries,
 * offline queue, lazyConnect, retryStrategy): on a cluster they apply to every node connection,
 * and lazyConnect, enableOfflineQueue and retryStrategy to the cluster client itself.
 */
export function createRedisClient(target: RedisTarget, overrides: RedisOptions = {}): RedisClient {
  const topology = redisTopologyOf(target);
  if (topology.kind === 'cluster') return createClusterClient(topology, { ...baseOptions(), ...overrides });
  return new Redis(singleClientOptions(topology, overrides));
}

/**
 * A client for request paths (rate limits, readiness): every command fails after `commandTimeout`
 * (REDIS_REQUEST_TIMEOUT_MS), and at once while the connection is not ready (no offline queue, no
 * retries); it still reconnects in the background. See requestPathRedisOptions.
 */
export function createRequestPathRedis(target: RedisTarget, commandTimeout = REQUEST_PATH_REDIS_TIMEOUT_MS): RedisClient {
  return createRedisClient(target, { enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout, connectTimeout: 1000 });
}

/**
 * BullMQ's connection options for the target. One server and Sentinel are plain ioredis options
 * (BullMQ makes its own clients from them); a cluster carries its topology under a private key,
 * and the client factory installed below makes a Cluster client of it for every connection BullMQ
 * opens (its queue, worker and blocking connections), which BullMQ then owns and closes.
 */
export function bullConnection(target: RedisTarget): ConnectionOptions {
  const topology = redisTopologyOf(target);
  if (topology.kind === 'cluster') return { ...baseOptions(), [CLUSTER_TOPOLOGY]: topology } as ConnectionOptions;
  return singleClientOptions(topology, {}) as ConnectionOptions;
}

/**
 * The BullMQ key prefix: QUEUE_PREFIX, hash-tagged on a Redis Cluster (`ataa` becomes `{ataa}`)
 * unless it already holds a tag, so that every key of every queue hashes to one slot and BullMQ's
 * multi-key scripts run there. One server and Sentinel keep it as it is (their keys stay where
 * they were before a cluster was configured).
 */
export function queuePrefixOf(config: RedisSettings & { QUEUE_PREFIX: string }): string {
  return redisTopologyOf(config).kind === 'cluster' ? hashTagged(config.QUEUE_PREFIX) : config.QUEUE_PREFIX;
}

export function hashTagged(prefix: string): string {
  return /\{[^{}]+\}/.test(prefix) ? prefix : `{${prefix}}`;
}

/**
 * The clients to SCAN to see every key: each master of a cluster (once the cluster client knows
 * them; it gives up waiting after `ms`), or the one client.
 */
export async function scanTargetsOf(client: RedisClient, ms = 10_000): Promise<Redis[]> {
  if (!(client instanceof Cluster)) return [client];
  if (client.status !== 'ready') {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        client.off('ready', ready);
        reject(new Error(`Redis Cluster not ready after ${ms} ms`));
      }, ms);
      const ready = () => {
        clearTimeout(timer);
        resolve();
      };
      client.once('ready', ready);
    });
  }
  return client.nodes('master');
}

const CLUSTER_TOPOLOGY = Symbol('ataa.redisClusterTopology');

function baseOptions(): RedisOptions {
  return {
    maxRetriesPerRequest: null,
    // Reconnect with capped backoff rather than giving up: Redis coming back must resume work.
    retryStrategy: (times) => Math.min(times * 200, 5000),
  };
}

function singleClientOptions(topology: Exclude<RedisTopology, { kind: 'cluster' }>, overrides: RedisOptions): RedisOptions {
  if (topology.kind === 'standalone') return redisOptionsFromUrl(topology.url, overrides);
  const { retryStrategy, ...rest } = overrides;
  return {
    ...baseOptions(),
    sentinels: topology.sentinels,
    name: topology.name,
    db: topology.db,
    username: topology.auth.username,
    password: topology.auth.password,
    sentinelPassword: topology.sentinelPassword,
    tls: topology.auth.tls ? {} : undefined,
    enableTLSForSentinelMode: topology.auth.tls,
    // Ask the sentinels again on every reconnect, and hear of a failover from them at once.
    failoverDetector: true,
    ...(retryStrategy === undefined ? {} : { retryStrategy, sentinelRetryStrategy: retryStrategy ?? undefined }),
    ...rest,
  };
}

function createClusterClient(topology: Extract<RedisTopology, { kind: 'cluster' }>, options: RedisOptions): Cluster {
  // host and port come from the topology (BullMQ adds defaults for them); the rest is per node.
  const { lazyConnect, enableOfflineQueue, retryStrategy, host: _host, port: _port, ...node } = options;
  const clusterOptions: ClusterOptions = {
    lazyConnect,
    enableOfflineQueue: enableOfflineQueue ?? true,
    clusterRetryStrategy: retryStrategy,
    // While a master fails over, commands wait for the new slot map instead of failing.
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 300,
    retryDelayOnTryAgain: 200,
    slotsRefreshTimeout: 2000,
    redisOptions: {
      ...node,
      username: topology.auth.username,
      password: topology.auth.password,
      tls: topology.auth.tls ? {} : undefined,
    },
  };
  return new Cluster(topology.nodes, clusterOptions);
}

// BullMQ makes a client per connection from the options it is given; a cluster's options carry
// their topology, and get a Cluster client. Anything else is made as BullMQ would make it.
RedisConnection.clientFactory = (options: RedisOptions) => {
  const topology = (options as { [CLUSTER_TOPOLOGY]?: Extract<RedisTopology, { kind: 'cluster' }> })[CLUSTER_TOPOLOGY];
  if (topology) {
    const { [CLUSTER_TOPOLOGY]: _topology, ...rest } = options as RedisOptions & { [CLUSTER_TOPOLOGY]?: unknown };
    return createIORedisClient(createClusterClient(topology, rest));
  }
  const { url, ...rest } = options as RedisOptions & { url?: string };
  return createIORedisClient(url ? new Redis(url, rest) : new Redis(rest));
};
