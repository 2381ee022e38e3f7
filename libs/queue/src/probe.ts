import { Redis, RedisOptions } from 'ioredis';
import { DependencyMisconfiguredError, waitFor, type WaitForOptions } from '@ataa/common';
import { describeRedisTopology, formatAddress, redactRedisUrl, type RedisNodeAddress, type RedisTopology } from '@ataa/config';
import { createRedisClient, redisTopologyOf, type RedisTarget } from './redis-clients.js';
import { redisOptionsFromUrl } from './redis-options.js';

type Reason = Error & { code?: string };

/**
 * Checks Redis once, as the configuration describes it. Throws an Error with a short reason when it
 * is unreachable (worth waiting for), and a DependencyMisconfiguredError naming the setting when
 * what answers is not what the configuration says: a lone server named as a cluster, a cluster
 * node named as a lone server (its other slots would answer MOVED), a sentinel that is not one or
 * knows no master of that name.
 */
export async function probeRedis(target: RedisTarget, timeoutMs = 2000): Promise<void> {
  const topology = redisTopologyOf(target);
  const probe = probeOptions(timeoutMs);
  switch (topology.kind) {
    case 'standalone':
      return probeStandalone(topology.url, probe);
    case 'cluster':
      return probeCluster(topology, probe);
    case 'sentinel':
      return probeSentinel(topology, probe, timeoutMs);
  }
}

/** Where Redis is, for the boot lines: `Redis at 127.0.0.1:6379`, or the cluster's or sentinels' addresses. */
export function describeRedis(target: RedisTarget): string {
  const topology = redisTopologyOf(target);
  return topology.kind === 'standalone' ? `Redis at ${describeRedisUrl(topology.url)}` : describeRedisTopology(topology);
}

export function describeRedisUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || 6379}`;
}

/**
 * Boot: waits for Redis as configured (the API and the worker call it before they start); gives up
 * at once, with one line, when it is misconfigured.
 */
export async function waitForRedis(target: RedisTarget, log: (message: string) => void, options: WaitForOptions & { probeTimeoutMs?: number } = {}): Promise<void> {
  await waitFor(describeRedis(target), () => probeRedis(target, options.probeTimeoutMs), log, options);
}

function probeOptions(timeoutMs: number): RedisOptions {
  return { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: timeoutMs, commandTimeout: timeoutMs, enableOfflineQueue: false };
}

/** Runs `work` on a fresh connection; connection failures become an Error with their code. */
async function withConnection<T>(options: RedisOptions, work: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis(options);
  let lastError: Reason | undefined;
  redis.on('error', (error: Reason) => (lastError = error));
  try {
    await redis.connect();
    return await work(redis);
  } catch (error) {
    if (error instanceof DependencyMisconfiguredError) throw error;
    const cause = lastError ?? (error as Reason);
    throw new Error(cause.code ?? cause.message);
  } finally {
    redis.disconnect();
  }
}

/** INFO cluster, or '' where INFO is not allowed (then nothing can be told from it). */
async function clusterInfo(redis: Redis): Promise<string> {
  try {
    return await redis.info('cluster');
  } catch (error) {
    if (/NOPERM|unknown command/i.test((error as Error).message)) return '';
    throw error;
  }
}

async function probeStandalone(url: string, probe: RedisOptions): Promise<void> {
  await withConnection(redisOptionsFromUrl(url, probe), async (redis) => {
    await redis.ping();
    if (/cluster_enabled:1/.test(await clusterInfo(redis))) {
      throw new DependencyMisconfiguredError(
        `Configuration error: REDIS_URL ${redactRedisUrl(url)} is a node of a Redis Cluster; name the cluster with a redis+cluster:// REDIS_URL or REDIS_CLUSTER_NODES`,
      );
    }
  });
}

async function probeCluster(topology: Extract<RedisTopology, { kind: 'cluster' }>, probe: RedisOptions): Promise<void> {
  const auth = { username: topology.auth.username, password: topology.auth.password, tls: topology.auth.tls ? {} : undefined };
  // Every seed is asked: one that is not a cluster node is a mistake even while others answer.
  const results = await Promise.allSettled(topology.nodes.map((node) => withConnection({ ...probe, ...auth, host: node.host, port: node.port }, async (redis) => {
    if (!/cluster_enabled:1/.test(await clusterInfo(redis))) {
      throw new DependencyMisconfiguredError(
        `Configuration error: ${topology.source} names ${formatAddress(node)}, which is not a Redis Cluster node (cluster support is disabled there)`,
      );
    }
    const state = /cluster_state:(\w+)/.exec(String(await redis.cluster('INFO')))?.[1] ?? 'unknown';
    if (state !== 'ok') throw new Error(`cluster_state:${state} at ${formatAddress(node)}`);
  })));
  const misconfigured = results.find((r): r is PromiseRejectedResult => r.status === 'rejected' && r.reason instanceof DependencyMisconfiguredError);
  if (misconfigured) throw misconfigured.reason;
  if (results.some((r) => r.status === 'fulfilled')) return;
  throw (results[0] as PromiseRejectedResult).reason;
}

async function probeSentinel(topology: Extract<RedisTopology, { kind: 'sentinel' }>, probe: RedisOptions, timeoutMs: number): Promise<void> {
  const asked = await Promise.allSettled(topology.sentinels.map((sentinel) => askSentinel(sentinel, topology, probe)));
  const misconfigured = asked.find((r): r is PromiseRejectedResult => r.status === 'rejected' && r.reason instanceof DependencyMisconfiguredError);
  if (misconfigured) throw misconfigured.reason;
  const answers = asked.filter((r): r is PromiseFulfilledResult<boolean> => r.status === 'fulfilled');
  if (answers.length === 0) throw (asked[0] as PromiseRejectedResult).reason;
  if (!answers.some((r) => r.value)) {
    const named = topology.source === 'REDIS_URL' ? 'REDIS_URL' : 'REDIS_SENTINEL_NAME';
    throw new DependencyMisconfiguredError(`Configuration error: ${named} names master "${topology.name}", which no sentinel of ${topology.source} knows`);
  }
  // A sentinel knows the master: connect to it through the sentinels, as the clients will.
  const client = createRedisClient(topology, { ...probe, connectTimeout: timeoutMs });
  let lastError: Reason | undefined;
  client.on('error', (error: Reason) => (lastError = error));
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    const cause = lastError ?? (error as Reason);
    throw new Error(cause.code ?? cause.message);
  } finally {
    client.disconnect();
  }
}

/** True when this sentinel knows the master, false when it does not; throws when it is no sentinel or unreachable. */
async function askSentinel(sentinel: RedisNodeAddress, topology: Extract<RedisTopology, { kind: 'sentinel' }>, probe: RedisOptions): Promise<boolean> {
  return withConnection({ ...probe, host: sentinel.host, port: sentinel.port, password: topology.sentinelPassword, tls: topology.auth.tls ? {} : undefined }, async (redis) => {
    try {
      const address = await redis.call('SENTINEL', 'get-master-addr-by-name', topology.name);
      return Array.isArray(address) && address.length === 2;
    } catch (error) {
      if (/unknown (sub)?command/i.test((error as Error).message)) {
        throw new DependencyMisconfiguredError(`Configuration error: ${topology.source} names ${formatAddress(sentinel)}, which is not a Redis Sentinel`);
      }
      throw error;
    }
  });
}
