import { execFile } from 'node:child_process';
import { chownSync, chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, appendFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import pg from 'pg';
import { load } from './lazy.js';

/** The PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup): the newest installed major. */
function pgBin(tool: string): string {
  const root = '/usr/lib/postgresql';
  const major = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a))[0] : undefined;
  return major ? path.join(root, major, 'bin', tool) : tool;
}

/** Runs a server tool as the postgres user when we are root (initdb and postgres refuse to run as root). */
function run(tool: string, args: string[]): Promise<string> {
  const asRoot = process.getuid?.() === 0;
  const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', pgBin(tool), ...args]] : [pgBin(tool), args];
  return new Promise((resolve, reject) => {
    execFile(file, argv, { timeout: 120_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${tool} ${args.join(' ')} failed: ${stderr || stdout || error.message}`));
      else resolve(stdout);
    });
  });
}

function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function queryOnce<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

/** A private PostgreSQL primary and one streaming replica of it on loopback, for the read-replica tests. */
export interface ReplicatedPostgres {
  /** URLs of the migrated database on the primary and on the replica. */
  primaryUrl: string;
  replicaUrl: string;
  /** Waits until the replica has replayed everything the primary had when called. */
  caughtUp(timeoutMs?: number): Promise<void>;
  /** Stops or resumes the replica's replay (it keeps receiving WAL): a replica falling behind. */
  pauseReplay(): Promise<void>;
  resumeReplay(): Promise<void>;
  stopReplica(): Promise<void>;
  startReplica(): Promise<void>;
  /** Stops both servers and removes their data directories. */
  stop(): Promise<void>;
}

/**
 * Starts a fresh primary (initdb, without fsync: a test server) on `primaryPort`, migrates database
 * `database` on it, then makes a streaming replica of it the way scripts/scaling-demo.sh does
 * (pg_basebackup -R: standby.signal and primary_conninfo written for us; initdb's pg_hba allows
 * replication from 127.0.0.1) and starts it on `replicaPort`. A private primary rather than the
 * shared test server: the base backup is of a small cluster, and the shared server's pg_hba and WAL
 * are left alone. Costs about 5 to 10 s (initdb most of it); start it once per test file.
 */
export async function startReplicatedPostgres(options: {
  primaryPort: number;
  replicaPort: number;
  database?: string;
  /**
   * postgresql.conf lines after the test server's own, which they override (a benchmark's:
   * `fsync = on`, `max_connections = 200`, ...). The replica copies them with the base backup.
   */
  settings?: string[];
}): Promise<ReplicatedPostgres> {
  const { primaryPort, replicaPort } = options;
  const database = options.database ?? 'ataa';
  for (const port of [primaryPort, replicaPort]) {
    if (await portInUse(port)) throw new Error(`port ${port} is in use: a server left by an earlier run? (stop it, e.g. pg_ctl -D /tmp/ataa-replicated-*/… stop)`);
  }
  const work = mkdtempSync(path.join(tmpdir(), 'ataa-replicated-'));
  chmodSync(work, 0o755);
  if (process.getuid?.() === 0) {
    // The servers run as postgres: their directory is theirs.
    const id = (flag: string) => new Promise<number>((resolve, reject) => execFile('id', [flag, 'postgres'], (e, out) => (e ? reject(e) : resolve(Number(out.trim())))));
    chownSync(work, await id('-u'), await id('-g'));
  }
  const primaryDir = path.join(work, 'primary');
  const replicaDir = path.join(work, 'replica');
  const url = (port: number) => `postgres://postgres@127.0.0.1:${port}/${database}`;
  const admin = (port: number) => `postgres://postgres@127.0.0.1:${port}/postgres`;
  const start = (dir: string, port: number) => run('pg_ctl', ['-D', dir, '-l', `${dir}.log`, '-o', `-p ${port} -k ${work}`, '-w', '-t', '60', 'start']);
  const stopServer = (dir: string, mode: 'fast' | 'immediate') => run('pg_ctl', ['-D', dir, '-m', mode, '-w', '-t', '60', 'stop']);
  const running = (dir: string) => existsSync(path.join(dir, 'postmaster.pid'));
  let primaryStarted = false;

  const stop = async () => {
    for (const dir of [replicaDir, primaryDir]) if (running(dir)) await stopServer(dir, 'immediate').catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
  };

  try {
    await run('initdb', ['-D', primaryDir, '-U', 'postgres', '-A', 'trust', '--no-sync', '--no-instructions']);
    // A throwaway test server: durability off. Replication on loopback (initdb's pg_hba allows it).
    appendFileSync(primaryDir + '/postgresql.conf', [
      "listen_addresses = '127.0.0.1'", 'fsync = off', 'synchronous_commit = off', 'full_page_writes = off',
      'wal_level = replica', 'max_wal_senders = 4', 'hot_standby = on', 'shared_buffers = 32MB', 'max_connections = 60',
      ...(options.settings ?? []), '',
    ].join('\n'));
    await start(primaryDir, primaryPort);
    primaryStarted = true;
    await queryOnce(admin(primaryPort), `CREATE DATABASE ${database}`);
    const { runMigrations } = await load(() => import('../../database/src/migrate.js'));
    await runMigrations(url(primaryPort));
    // --checkpoint=fast: the default spread checkpoint would keep the backup waiting for minutes.
    await run('pg_basebackup', ['-h', '127.0.0.1', '-p', String(primaryPort), '-U', 'postgres', '-D', replicaDir, '-R', '-X', 'stream', '--checkpoint=fast', '--no-sync']);
    await start(replicaDir, replicaPort);
  } catch (error) {
    if (primaryStarted) await stop();
    else rmSync(work, { recursive: true, force: true });
    throw error;
  }

  const replicated: ReplicatedPostgres = {
    primaryUrl: url(primaryPort),
    replicaUrl: url(replicaPort),
    async caughtUp(timeoutMs = 30_000) {
      // With this server's synchronous_commit off, a commit that has returned may still be in the WAL
      // buffers: the write position (pg_current_wal_lsn) can be short of it, and a commit that wrote no
      // WAL of its own is not flushed even with synchronous_commit on (it was tried: the replica was
      // then read before the commit it waited for). The insert position covers every commit that has
      // returned; the WAL writer flushes it within wal_writer_delay and the replica replays it.
      const [{ lsn }] = await queryOnce<{ lsn: string }>(admin(primaryPort), 'SELECT pg_current_wal_insert_lsn()::text AS lsn');
      const until = Date.now() + timeoutMs;
      for (;;) {
        const [row] = await queryOnce<{ done: boolean }>(admin(replicaPort), `SELECT pg_last_wal_replay_lsn() >= '${lsn}'::pg_lsn AS done`);
        if (row.done) return;
        if (Date.now() > until) throw new Error(`the replica did not replay up to ${lsn} within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async pauseReplay() {
      await queryOnce(admin(replicaPort), 'SELECT pg_wal_replay_pause()');
    },
    async resumeReplay() {
      await queryOnce(admin(replicaPort), 'SELECT pg_wal_replay_resume()');
    },
    async stopReplica() {
      await stopServer(replicaDir, 'fast');
    },
    async startReplica() {
      await start(replicaDir, replicaPort);
    },
    stop,
  };
  return replicated;
}
