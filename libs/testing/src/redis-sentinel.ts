import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopProcess, until, withNode } from './redis-processes.js';

const HOST = '127.0.0.1';

/** A Redis master, its replica and three sentinels (quorum 2) on loopback, for one test file. */
export interface TestRedisSentinel {
  /** The master's name as the sentinels know it. */
  name: string;
  masterPort: number;
  replicaPort: number;
  sentinelPorts: number[];
  /** `redis+sentinel://127.0.0.1:<port>,…/<name>` for REDIS_URL. */
  url: string;
  /** The port the sentinels name as master now. */
  currentMasterPort(): Promise<number>;
  /** SENTINEL FAILOVER; resolves once the sentinels name the other server and it is a master. */
  failover(): Promise<{ from: number; to: number }>;
  /** Stops every process and removes their files. */
  stop(): Promise<void>;
}

/**
 * Starts a master (basePort), its replica (basePort+1) and three sentinels (basePort+2…+4, started
 * with `redis-server <conf> --sentinel`), and waits until every sentinel knows the master, its
 * replica and the other sentinels.
 */
export async function startRedisSentinel(options: { basePort: number; name?: string }): Promise<TestRedisSentinel> {
  const name = options.name ?? 'ataa';
  const masterPort = options.basePort;
  const replicaPort = options.basePort + 1;
  const sentinelPorts = [2, 3, 4].map((i) => options.basePort + i);
  const dir = await mkdtemp(join(tmpdir(), 'ataa-redis-sentinel-'));
  const processes: ChildProcess[] = [];
  const stop = async () => {
    await Promise.all(processes.map((child) => stopProcess(child)));
    await rm(dir, { recursive: true, force: true });
  };
  const server = (port: number, extra: string[]) => spawn('redis-server', [
    '--port', String(port), '--bind', HOST, '--dir', dir, '--dbfilename', `dump-${port}.rdb`, '--save', '', '--appendonly', 'no',
    '--repl-diskless-sync-delay', '0', '--logfile', join(dir, `redis-${port}.log`), ...extra,
  ], { stdio: 'ignore' });
  try {
    processes.push(server(masterPort, []), server(replicaPort, ['--replicaof', HOST, String(masterPort)]));
    await until('the replica to sync', async () => /master_link_status:up/.test(await withNode(replicaPort, (r) => r.info('replication'))));
    for (const port of sentinelPorts) {
      const conf = join(dir, `sentinel-${port}.conf`);
      await writeFile(conf, [
        `port ${port}`, `bind ${HOST}`, `dir ${dir}`, `logfile ${join(dir, `sentinel-${port}.log`)}`,
        `sentinel monitor ${name} ${HOST} ${masterPort} 2`,
        `sentinel down-after-milliseconds ${name} 2000`,
        `sentinel failover-timeout ${name} 10000`,
        '',
      ].join('\n'));
      processes.push(spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' }));
    }
    await until('the sentinels to know the master, its replica and each other', async () => {
      for (const port of sentinelPorts) {
        const replicas = (await withNode(port, (r) => r.call('SENTINEL', 'REPLICAS', name))) as unknown[];
        const others = (await withNode(port, (r) => r.call('SENTINEL', 'SENTINELS', name))) as unknown[];
        if (replicas.length !== 1 || others.length !== 2) return false;
      }
      return true;
    });
  } catch (error) {
    await stop();
    throw error;
  }
  const currentMasterPort = async () => Number(((await withNode(sentinelPorts[0], (r) => r.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name))) as string[])[1]);
  return {
    name,
    masterPort,
    replicaPort,
    sentinelPorts,
    url: `redis+sentinel://${sentinelPorts.map((port) => `${HOST}:${port}`).join(',')}/${name}`,
    currentMasterPort,
    async failover() {
      const from = await currentMasterPort();
      const to = from === masterPort ? replicaPort : masterPort;
      await withNode(sentinelPorts[0], (r) => r.call('SENTINEL', 'FAILOVER', name));
      await until(`the sentinels to name ${to} master`, async () => {
        for (const port of sentinelPorts) {
          const address = (await withNode(port, (r) => r.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name))) as string[];
          if (Number(address[1]) !== to) return false;
        }
        return /role:master/.test(await withNode(to, (r) => r.info('replication')));
      });
      // The old master follows the new one (the sentinels reconfigure it) and is in sync.
      await until(`${from} to replicate ${to}`, async () => /master_link_status:up/.test(await withNode(from, (r) => r.info('replication'))));
      return { from, to };
    },
    stop,
  };
}
