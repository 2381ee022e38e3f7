/**
 * The scale-out tier's platform on loopback (issue 23, item 5): its own PostgreSQL primary (initdb;
 * the shared server on 5432 is never touched) and, when the build supports read replicas, a streaming
 * replica; Redis (a six-node Redis Cluster when the build supports it, else one redis-server); HAProxy
 * with docker/haproxy.cfg; two API and two worker processes from the built dist/; the Stripe sandbox
 * (in this process) delivering its webhooks to the balancer; an SMTP sink (in this process).
 * Every port comes from one range (SCALE_PORT_BASE..): PostgreSQL +0/+1 on SCALE_PG_PORT, Redis on
 * SCALE_REDIS_PORT (+0 single, +1..+6 cluster), HTTP on SCALE_HTTP_PORT (+0 balancer, +1/+2 APIs,
 * +3 sandbox, +4 SMTP, +5 balancer stats). `stop()` stops everything started, whatever failed.
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmodSync, chownSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { failoverClusterMasterOf, startSmtpSink, type SmtpSink } from '@ataa/testing';
import { createSandbox, SandboxControlClient, type Sandbox } from '../../apps/stripe-sandbox/src/index.js';

export const root = path.resolve(import.meta.dirname, '..', '..');
const port = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const PG_PORT = port('SCALE_PG_PORT', 5450);
const BOOT_TIMEOUT_MS = 300_000;
const REDIS_PORT = port('SCALE_REDIS_PORT', 7200);
const HTTP_PORT = port('SCALE_HTTP_PORT', 3950);
export const PORTS = {
  primary: PG_PORT, replica: PG_PORT + 1, redis: REDIS_PORT, cluster: [1, 2, 3, 4, 5, 6].map((i) => REDIS_PORT + i),
  balancer: HTTP_PORT, apis: [HTTP_PORT + 1, HTTP_PORT + 2], sandbox: HTTP_PORT + 3, smtp: HTTP_PORT + 4, stats: HTTP_PORT + 5,
};
export const WEBHOOK_SECRET = 'whsec_ataa_scale';
const STRIPE_KEY = 'sk_test_ataa_scale';
/** The BullMQ keys' slot on a cluster: QUEUE_PREFIX (unset here: `ataa`), hash-tagged (libs/queue queuePrefixOf). */
const QUEUE_SLOT_KEY = '{ataa}';

const pgBin = (() => {
  const versions = existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a)) : [];
  return versions.length ? `/usr/lib/postgresql/${versions[0]}/bin` : '';
})();
const bin = (name: string) => (pgBin && existsSync(path.join(pgBin, name)) ? path.join(pgBin, name) : name);

/** PostgreSQL refuses to run as root: as root, its processes run as the `postgres` user. */
const asPostgres = (() => {
  if (process.getuid?.() !== 0) return {};
  const id = (flag: string) => Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
  return { uid: id('-u'), gid: id('-g') };
})();

/** Runs a command to its end without blocking this event loop; throws with its output on failure. */
export function run(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; asPostgres?: boolean; cwd?: string } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd ?? root, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'], ...(options.asPostgres ? asPostgres : {}) });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${out.slice(-3000)}`))));
  });
}

export async function until<T>(check: () => Promise<T | false | undefined | null>, what: string, timeoutMs = 60_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
    await sleep(everyMs);
  }
}

// ----- the build ---------------------------------------------------------------------------------

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== 'testing') newest = Math.max(newest, newestSource(full));
    } else if (entry.name.endsWith('.ts') && !/\.(spec|medium-spec|e2e-spec|browser-spec|fuzz-spec|scale-spec)\.ts$/.test(entry.name)) {
      newest = Math.max(newest, statSync(full).mtimeMs);
    }
  }
  return newest;
}

/** `npm run build` when dist/ is missing or older than a source file of apps/ or libs/. */
export async function ensureBuilt(log: (line: string) => void): Promise<void> {
  const marker = path.join(root, 'dist/apps/api/src/main.js');
  const sources = Math.max(newestSource(path.join(root, 'apps')), newestSource(path.join(root, 'libs')));
  if (existsSync(marker) && statSync(marker).mtimeMs >= sources) return;
  log('dist/ is missing or stale: npm run build');
  await run('npm', ['run', '--silent', 'build']);
}

/** What the built app supports (items 1 and 2 of issue 23): the scale spec fails unless both are there. */
export function builtSupport(): { replicas: boolean; redisCluster: boolean } {
  const config = readFileSync(path.join(root, 'dist/libs/config/src/app-config.js'), 'utf8');
  return { replicas: config.includes('DATABASE_REPLICA_URLS'), redisCluster: config.includes('REDIS_CLUSTER_NODES') };
}

// ----- processes ---------------------------------------------------------------------------------

export interface Proc {
  name: string;
  child: ChildProcess;
  logFile: string;
  exited: Promise<void>;
}

export class ScaleCluster {
  readonly work = mkdtempSync(path.join(tmpdir(), 'ataa-scale-'));
  readonly support = builtSupport();
  readonly secrets = {
    AUTH_SECRET: randomBytes(32).toString('hex'),
    OPERATOR_TOKEN: randomBytes(24).toString('hex'),
    TRANSPARENCY_SIGNING_KEY: generateKeyPairSync('ed25519').privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64'),
  };
  readonly databaseUrl = `postgres://postgres@127.0.0.1:${PORTS.primary}/ataa`;
  readonly replicaUrl = `postgres://postgres@127.0.0.1:${PORTS.replica}/ataa`;
  readonly baseUrl = `http://127.0.0.1:${PORTS.balancer}`;
  readonly sandboxUrl = `http://127.0.0.1:${PORTS.sandbox}`;
  readonly control = new SandboxControlClient(this.sandboxUrl);
  private readonly procs = new Set<Proc>();
  private readonly dataDirs: string[] = [];
  apis: Proc[] = [];
  workers: Proc[] = [];
  haproxy?: Proc;
  sandbox?: Sandbox;
  smtp?: SmtpSink;
  db?: pg.Pool;
  replicaRunning = false;

  /** PostgreSQL's sockets and logs: a directory its user may write. */
  private readonly pgRun: string;

  constructor(private readonly log: (line: string) => void) {
    chmodSync(this.work, 0o755);
    this.pgRun = path.join(this.work, 'pg');
    mkdirSync(this.pgRun, { mode: 0o755 });
    if (asPostgres.uid !== undefined) chownSync(this.pgRun, asPostgres.uid, asPostgres.gid!);
  }

  // ----- PostgreSQL ----------------------------------------------------------------------------

  private pgDir(name: string): string {
    const dir = path.join(this.work, name);
    mkdirSync(dir, { mode: 0o700 });
    if (asPostgres.uid !== undefined) chownSync(dir, asPostgres.uid, asPostgres.gid!);
    this.dataDirs.push(dir);
    return dir;
  }

  private async pgStart(dir: string, portNumber: number): Promise<void> {
    // fsync off: this server's data lives as long as the test; a crash of PostgreSQL (not of the machine) loses nothing.
    const options = `-p ${portNumber} -k ${this.pgRun} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=200 -c wal_level=replica -c max_wal_senders=4 -c hot_standby=on -c shared_buffers=64MB`;
    await run(bin('pg_ctl'), ['-D', dir, '-o', options, '-l', path.join(this.pgRun, `${path.basename(dir)}.log`), '-w', '-t', '120', 'start'], { asPostgres: true });
  }

  async startPrimary(): Promise<void> {
    const dir = this.pgDir('primary');
    await run(bin('initdb'), ['-D', dir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '-N'], { asPostgres: true });
    await this.pgStart(dir, PORTS.primary);
    this.db = new pg.Pool({ connectionString: this.databaseUrl, max: 4 });
    // A pooled connection cut by a restart must not crash this process.
    this.db.on('error', () => undefined);
  }

  async migrate(): Promise<void> {
    await run(process.execPath, ['scripts/migrate.js'], { env: { DATABASE_URL: this.databaseUrl } });
  }

  async startReplica(): Promise<void> {
    const dir = path.join(this.work, 'replica');
    if (!existsSync(dir)) {
      this.pgDir('replica');
      await run(bin('pg_basebackup'), ['-h', '127.0.0.1', '-p', String(PORTS.primary), '-U', 'postgres', '-D', dir, '-R', '-X', 'stream'], { asPostgres: true });
    }
    await this.pgStart(dir, PORTS.replica);
    this.replicaRunning = true;
  }

  async stopReplica(): Promise<void> {
    await run(bin('pg_ctl'), ['-D', path.join(this.work, 'replica'), '-m', 'fast', '-w', 'stop'], { asPostgres: true });
    this.replicaRunning = false;
  }

  /** (e) PostgreSQL crashes (immediate stop: no checkpoint, every connection cut) and comes back after `downMs`. */
  async restartPrimary(downMs: number): Promise<void> {
    const dir = path.join(this.work, 'primary');
    await run(bin('pg_ctl'), ['-D', dir, '-m', 'immediate', '-w', 'stop'], { asPostgres: true });
    await sleep(downMs);
    await this.pgStart(dir, PORTS.primary);
  }

  // ----- Redis -----------------------------------------------------------------------------------

  private startRedis(portNumber: number, cluster: boolean): Proc {
    const dir = path.join(this.work, `redis-${portNumber}`);
    mkdirSync(dir);
    return this.spawn(`redis-${portNumber}`, 'redis-server', [
      '--port', String(portNumber), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir,
      ...(cluster ? ['--cluster-enabled', 'yes', '--cluster-config-file', path.join(dir, 'nodes.conf'), '--cluster-node-timeout', '2000'] : []),
    ]);
  }

  async startRedisServers(): Promise<void> {
    if (!this.support.redisCluster) {
      this.startRedis(PORTS.redis, false);
      await until(async () => (await run('redis-cli', ['-p', String(PORTS.redis), 'ping'])).includes('PONG'), 'Redis');
      return;
    }
    for (const p of PORTS.cluster) this.startRedis(p, true);
    for (const p of PORTS.cluster) await until(async () => (await run('redis-cli', ['-p', String(p), 'ping'])).includes('PONG'), `Redis ${p}`);
    await run('redis-cli', ['--cluster', 'create', ...PORTS.cluster.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '1', '--cluster-yes']);
    await until(async () => (await this.clusterInfo(PORTS.cluster[0])).includes('cluster_state:ok'), 'the Redis Cluster to be ok');
  }

  private clusterInfo(p: number): Promise<string> {
    return run('redis-cli', ['-p', String(p), 'cluster', 'info']);
  }

  /**
   * (d) The master of the queues' slot fails over to its replica: the shared helper of the medium
   * specs (CLUSTER FAILOVER asked again every 10 s, never FORCE; up to CLUSTER_FAILOVER_MAX_MS).
   * Resolves once the replica is master and the cluster ok, its old master back as a replica in sync.
   */
  async failOverRedisMaster(): Promise<string> {
    const { from, to } = await failoverClusterMasterOf(PORTS.cluster, QUEUE_SLOT_KEY);
    return `master 127.0.0.1:${from} (the queues' slot, ${QUEUE_SLOT_KEY}) replaced by its replica 127.0.0.1:${to}`;
  }

  // ----- HTTP processes --------------------------------------------------------------------------

  private spawn(name: string, command: string, args: string[], env: NodeJS.ProcessEnv = {}): Proc {
    const logFile = path.join(this.work, `${name}.log`);
    const fd = openSync(logFile, 'a');
    const child = spawn(command, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    const exited = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.once('error', () => resolve());
    });
    const proc = { name, child, logFile, exited };
    this.procs.add(proc);
    void exited.then(() => this.procs.delete(proc));
    return proc;
  }

  /** The configuration the APIs and workers share, as a deployment would set it. */
  appEnv(): NodeJS.ProcessEnv {
    const cluster = this.support.redisCluster;
    return {
      NODE_ENV: 'production', LOG_LEVEL: 'info', LOG_REQUEST_SAMPLE_PERCENT: '0', ...this.secrets,
      DATABASE_URL: this.databaseUrl, DATABASE_POOL_SIZE: '8',
      // Passed only when this run started them (so only when the build reads them).
      ...(this.support.replicas ? { DATABASE_REPLICA_URLS: this.replicaUrl, REPLICA_MAX_LAG_MS: '2000' } : {}),
      REDIS_URL: `redis://127.0.0.1:${cluster ? PORTS.cluster[0] : PORTS.redis}`,
      ...(cluster ? { REDIS_CLUSTER_NODES: PORTS.cluster.map((p) => `127.0.0.1:${p}`).join(',') } : {}),
      // A loaded 2-core machine: Redis answers within 200 ms in production, not always here.
      REDIS_REQUEST_TIMEOUT_MS: '3000',
      STRIPE_API_BASE: this.sandboxUrl, STRIPE_SECRET_KEY: STRIPE_KEY, STRIPE_WEBHOOK_SECRETS: WEBHOOK_SECRET,
      SMTP_URL: `smtp://127.0.0.1:${PORTS.smtp}`, PUBLIC_BASE_URL: this.baseUrl, TRUST_PROXY: '127.0.0.1',
      // Every gift comes from this one address.
      CHECKOUTS_PER_ADDRESS: '1000000', RECEIPT_RENDER_THREADS: '1', FEE_SWEEP_SECONDS: '5',
      // A killed worker's receipt job comes back in seconds, not the production 30.
      NOTIFICATIONS_JOB_LOCK_MS: '5000', NOTIFICATIONS_STALLED_INTERVAL_MS: '2000', RECEIPT_SEND_LEASE_SECONDS: '10',
      UPLOAD_DIR: path.join(this.work, 'uploads'), NODE_NO_WARNINGS: '1',
    };
  }

  /**
   * How long a process may take to boot. Generous: on two cores at load average 25 (other test runs,
   * a build) an API was seen printing nothing for 120 s while loading dist/; a process that exits is reported at once.
   */
  async startApi(i: number): Promise<Proc> {
    const proc = this.spawn(`api-${i + 1}`, process.execPath, ['dist/apps/api/src/main.js'], { ...this.appEnv(), API_PORT: String(PORTS.apis[i]), API_HOST: '127.0.0.1' });
    this.apis[i] = proc;
    await until(async () => {
      if (proc.child.exitCode !== null) throw new Error(`api-${i + 1} exited: ${this.tail(proc)}`);
      return (await fetch(`http://127.0.0.1:${PORTS.apis[i]}/health/ready`)).ok;
    }, `api-${i + 1} to be ready`, BOOT_TIMEOUT_MS, 250);
    return proc;
  }

  async startWorker(i: number): Promise<Proc> {
    const proc = this.spawn(`worker-${i + 1}`, process.execPath, ['dist/apps/worker/src/main.js'], this.appEnv());
    this.workers[i] = proc;
    await until(async () => {
      if (proc.child.exitCode !== null) throw new Error(`worker-${i + 1} exited: ${this.tail(proc)}`);
      return readFileSync(proc.logFile, 'utf8').includes('"worker started"');
    }, `worker-${i + 1} to start`, BOOT_TIMEOUT_MS, 250);
    return proc;
  }

  async startHaproxy(): Promise<void> {
    if (!existsSync('/usr/sbin/haproxy')) throw new Error('HAProxy is not installed: apt-get install haproxy (.ci/run installs it)');
    this.haproxy = this.spawn('haproxy', '/usr/sbin/haproxy', ['-db', '-f', path.join(root, 'docker/haproxy.cfg')], {
      HAPROXY_BIND: `127.0.0.1:${PORTS.balancer}`, API_1: `127.0.0.1:${PORTS.apis[0]}`, API_2: `127.0.0.1:${PORTS.apis[1]}`,
      HAPROXY_STATS: `127.0.0.1:${PORTS.stats}`, HAPROXY_DNS: `127.0.0.1:${PORTS.stats + 1}`,
    });
    await until(async () => (await fetch(`${this.baseUrl}/health/ready`)).ok, 'the balancer to reach an API', 60_000, 250);
  }

  /** HAProxy's view of each API (its stats CSV): `UP`, `DOWN`, ... */
  async balancerStatus(): Promise<Record<string, string>> {
    const csv = await (await fetch(`http://127.0.0.1:${PORTS.stats}/stats;csv`)).text();
    return Object.fromEntries(csv.split('\n').map((l) => l.split(',')).filter((f) => f[0] === 'api' && f[1].startsWith('api-')).map((f) => [f[1], f[17]]));
  }

  async startSandbox(): Promise<void> {
    // Deliveries retried for about two minutes (an API down, PostgreSQL restarting), as Stripe retries for days.
    this.sandbox = await createSandbox({
      testMode: true, tickIntervalMs: 0,
      retry: { baseDelayMs: 200, maxDelayMs: 5_000, maxAttempts: 30, timeoutMs: 15_000 },
      webhookEndpoints: [{ url: `${this.baseUrl}/webhooks/stripe`, secret: WEBHOOK_SECRET }],
    });
    await this.sandbox.listen({ port: PORTS.sandbox, host: '127.0.0.1' });
  }

  async startSmtp(): Promise<void> {
    this.smtp = await startSmtpSink({ port: PORTS.smtp });
  }

  /** SIGKILL: no grace, whatever the process was doing is cut short. */
  async kill(proc: Proc): Promise<void> {
    proc.child.kill('SIGKILL');
    await proc.exited;
  }

  tail(proc: Proc, chars = 2000): string {
    try {
      return readFileSync(proc.logFile, 'utf8').slice(-chars);
    } catch {
      return '';
    }
  }

  /** The last lines of every log, for a failure's message. */
  diagnostics(): string {
    const logs = [this.work, this.pgRun].flatMap((dir) => readdirSync(dir).filter((f) => f.endsWith('.log')).map((f) => path.join(dir, f)));
    return logs.map((f) => `--- ${path.basename(f)}\n${readFileSync(f, 'utf8').split('\n').filter((l) => !/"level":"info"/.test(l)).slice(-15).join('\n')}`).join('\n');
  }

  /** Stops everything this run started (each step on its own: one failing does not keep the rest running). */
  async stop(): Promise<void> {
    const quietly = async (step: () => Promise<unknown> | undefined) => {
      try {
        await step();
      } catch { /* stop the rest */ }
    };
    // The apps first (SIGTERM: they finish in-flight work against a still running Redis and PostgreSQL),
    // then the balancer and Redis; SIGKILL for whatever is still up 20 s later.
    const stopAll = async (procs: Proc[]) => {
      for (const p of procs) p.child.kill('SIGTERM');
      await Promise.race([Promise.all(procs.map((p) => p.exited)), sleep(20_000)]);
      for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
      await Promise.all(procs.map((p) => p.exited));
    };
    const isApp = (p: Proc) => /^(api|worker)-/.test(p.name);
    await stopAll([...this.procs].filter(isApp));
    await stopAll([...this.procs]);
    await quietly(() => this.sandbox?.close());
    await quietly(() => this.smtp?.close());
    await quietly(() => this.db?.end());
    for (const dir of this.dataDirs) {
      if (existsSync(path.join(dir, 'postmaster.pid'))) await quietly(() => run(bin('pg_ctl'), ['-D', dir, '-m', 'immediate', '-w', 'stop'], { asPostgres: true }));
    }
    if (!process.env.SCALE_KEEP_LOGS) rmSync(this.work, { recursive: true, force: true });
  }
}

export function writeText(file: string, text: string): void {
  writeFileSync(file, text);
}
