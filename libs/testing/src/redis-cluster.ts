import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stopProcess, until, withNode } from './redis-processes.js';

const run = promisify(execFile);
const HOST = '127.0.0.1';

/** A real Redis Cluster on loopback for one test file: 3 masters, 3 replicas (redis-server --cluster-enabled yes). */
export interface TestRedisCluster {
  /** Data ports of the six nodes. */
  ports: number[];
  /** `redis+cluster://127.0.0.1:<port>,…` for REDIS_URL. */
  url: string;
  /** `127.0.0.1:<port>,…` for REDIS_CLUSTER_NODES. */
  nodeList: string;
  /** The port of the master serving `key`'s slot now. */
  masterOf(key: string): Promise<number>;
  /**
   * Fails over the master serving `key`'s slot: CLUSTER FAILOVER on its replica (the coordinated
   * manual failover: the master stops writes until the replica has caught up, then they swap).
   * Resolves once the replica is master, the old master its replica, and the cluster is ok again.
   */
  failoverMasterOf(key: string): Promise<{ from: number; to: number }>;
  /** Stops every node and removes their files. */
  stop(): Promise<void>;
}

export interface RedisClusterOptions {
  /**
   * First port of the cluster's 20: data ports basePort…basePort+5, cluster bus ports
   * basePort+10…basePort+15 (set with --cluster-port, so the bus stays in the caller's range).
   */
  basePort: number;
}

/**
 * Starts six redis-server processes with cluster mode on, joins them with `redis-cli --cluster
 * create … --cluster-replicas 1 --cluster-yes`, and waits until every node says cluster_state:ok
 * and every replica is in sync. Share one per test file (it takes a few seconds); stop it in afterAll.
 */
export async function startRedisCluster(options: RedisClusterOptions): Promise<TestRedisCluster> {
  const ports = Array.from({ length: 6 }, (_, i) => options.basePort + i);
  const dir = await mkdtemp(join(tmpdir(), 'ataa-redis-cluster-'));
  const servers: ChildProcess[] = [];
  const stop = async () => {
    await Promise.all(servers.map((server) => stopProcess(server)));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (const [i, port] of ports.entries()) {
      servers.push(spawn('redis-server', [
        '--port', String(port), '--bind', HOST, '--cluster-enabled', 'yes', '--cluster-port', String(options.basePort + 10 + i),
        '--cluster-config-file', join(dir, `nodes-${port}.conf`), '--dir', dir, '--dbfilename', `dump-${port}.rdb`,
        '--save', '', '--appendonly', 'no', '--cluster-node-timeout', '3000',
        // Replicas sync at once (the default waits 5 s for more replicas to share one transfer).
        '--repl-diskless-sync-delay', '0', '--logfile', join(dir, `redis-${port}.log`),
      ], { stdio: 'ignore' }));
    }
    await Promise.all(ports.map((port) => until(`redis-server on ${port}`, async () => (await withNode(port, (r) => r.ping())) === 'PONG')));
    await run('redis-cli', ['--cluster', 'create', ...ports.map((port) => `${HOST}:${port}`), '--cluster-replicas', '1', '--cluster-yes'], { timeout: 60_000 });
    await waitUntilHealthy(ports);
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    ports,
    url: `redis+cluster://${ports.map((port) => `${HOST}:${port}`).join(',')}`,
    nodeList: ports.map((port) => `${HOST}:${port}`).join(','),
    masterOf: (key: string) => clusterMasterOf(ports, key),
    failoverMasterOf: (key: string) => failoverClusterMasterOf(ports, key),
    stop,
  };
}

/** The port of the master serving `key`'s slot now, in the loopback cluster whose data ports are `ports`. */
async function clusterMasterOf(ports: number[], key: string): Promise<number> {
  const slot = Number(await withNode(ports[0], (r) => r.cluster('KEYSLOT', key)));
  const slots = (await withNode(ports[0], (r) => r.cluster('SLOTS'))) as unknown as [number, number, [string, number, string]][];
  const range = slots.find(([from, to]) => slot >= from && slot <= to);
  if (!range) throw new Error(`no master serves slot ${slot}`);
  return Number(range[2][1]);
}

const FAILOVER_ASKING_MS = 90_000;
const CLUSTER_SETTLE_MS = 60_000;
/** The longest failoverClusterMasterOf takes before it gives up: asking, then the cluster settling. */
export const CLUSTER_FAILOVER_MAX_MS = FAILOVER_ASKING_MS + CLUSTER_SETTLE_MS;

/**
 * Fails over the master serving `key`'s slot in the loopback cluster whose data ports are `ports`
 * (every master with one replica): CLUSTER FAILOVER on its replica (the coordinated manual
 * failover: the master stops writes until the replica has caught up, then they swap). Resolves once
 * the replica is master, the old master its replica, and the cluster is ok again: up to 90 s of
 * asking, then up to 60 s for the cluster to settle. Used by the medium specs (TestRedisCluster)
 * and the scale tier's drill (d), which starts its own nodes.
 */
export async function failoverClusterMasterOf(ports: number[], key: string): Promise<{ from: number; to: number }> {
  const from = await clusterMasterOf(ports, key);
  const replicaOf = async (port: number) => {
    const id = String(await withNode(port, (r) => r.cluster('MYID')));
    for (const candidate of ports) {
      const info = await withNode(candidate, (r) => r.info('replication'));
      if (/role:slave/.test(info) && new RegExp(`master_port:${port}\\b`).test(info) && /master_link_status:up/.test(info)) return candidate;
    }
    throw new Error(`master ${port} (${id}) has no replica in sync`);
  };
  const to = await replicaOf(from);
  // A manual failover that has not completed in 5 s is abandoned by Redis (its fixed manual
  // failover timeout), which a loaded machine can hit: ask again until the replica is master.
  // Never FORCE: that skips the catch-up with the master and could drop acknowledged writes.
  const isMaster = async () => /role:master/.test(await withNode(to, (r) => r.info('replication')));
  const deadline = Date.now() + FAILOVER_ASKING_MS;
  for (;;) {
    await withNode(to, (r) => r.cluster('FAILOVER')).catch(() => undefined);
    const took = await until(`${to} to take over from ${from}`, isMaster, Math.min(10_000, Math.max(1, deadline - Date.now())))
      .then(() => true, (error: unknown) => { if (Date.now() >= deadline) throw error; return false; });
    if (took) break;
  }
  await waitUntilHealthy(ports);
  return { from, to };
}

/** Every node says cluster_state:ok, and every replica (half the nodes) is in sync with its master. */
async function waitUntilHealthy(ports: number[]): Promise<void> {
  await until('the Redis Cluster to be ok', async () => {
    let synced = 0;
    for (const port of ports) {
      if (!/cluster_state:ok/.test(String(await withNode(port, (r) => r.cluster('INFO'))))) return false;
      const info = await withNode(port, (r) => r.info('replication'));
      if (/role:slave/.test(info)) {
        if (!/master_link_status:up/.test(info)) return false;
        synced += 1;
      }
    }
    return synced === ports.length / 2;
  }, CLUSTER_SETTLE_MS);
}
