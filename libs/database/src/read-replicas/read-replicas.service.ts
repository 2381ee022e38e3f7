import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import pg from 'pg';
import { Gauge } from 'prom-client';
import { DataSource } from 'typeorm';
import { AppConfig } from '@ataa/config';
import { MetricsService } from '@ataa/observability';
import { acquirePgClient, pgPoolOf } from '../pg-client.js';
import { describeDatabaseUrl } from '../probe.js';
import { isUnavailableError, parseLsn, WalSamples } from './replica-lag.js';
import { IDENTITY_SQL, whyNotAReplica } from './verify-replicas.js';

/** Where a public read goes: a replica or the primary. Plain SQL only (the read repositories' way). */
export interface ReadSource {
  /** `primary`, or the replica's host:port/database. */
  readonly name: string;
  readonly replica: boolean;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  query<T = any>(sql: string, params?: unknown[]): Promise<T[]>;
  /** A client of this source's pool for what `query` cannot do (COPY): released as `acquirePgClient`'s. */
  connect(): Promise<pg.PoolClient>;
}

/**
 * What a read method takes to read from: a ReadSource (a replica, or the primary's pool), TypeORM's
 * data source or an entity manager. A page whose reads must come from one snapshot passes one source to all.
 */
export interface Queryable {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  query(sql: string, params?: unknown[]): Promise<any>;
}

/** A replica as the last check saw it. */
export interface ReplicaStatus {
  name: string;
  /** Reads may go to it: it answered the last check, is a replica of the primary and is within REPLICA_MAX_LAG_MS. */
  usable: boolean;
  /** Its lag at the last check (ms); null when unknown (down, or not checked yet). */
  lagMs: number | null;
  /** Why it is skipped; null when usable. */
  reason: string | null;
}

interface Replica extends ReplicaStatus {
  url: string;
  /** Its pool for reads (DATABASE_POOL_SIZE connections at most). */
  pool: pg.Pool;
  /** One connection for the health checks, apart: a long CSV export never delays a check, nor a check a read. */
  checks: pg.Pool;
  source: ReadSource;
}

/**
 * The read replicas (DATABASE_REPLICA_URLS) and the choice of where each public read goes.
 *
 * A second set of pools beside TypeORM's data source, rather than TypeORM's `replication` option:
 * the public read paths are plain SQL through their repositories already (design §4), TypeORM's
 * replication picks a slave at random with no notion of health or lag and has no way to send one
 * request's reads to the source its first read went to, which a page needs (its entries must come
 * from a snapshot at least as new as the log head it shows). Writes and every other read keep using
 * the data source (the primary) untouched.
 *
 * Every REPLICA_CHECK_INTERVAL_MS one check samples the primary's WAL position and asks each replica
 * for its identity (system identifier, in recovery) and replayed position; a replica is usable when
 * it answers, is a replica of the primary and is behind by at most REPLICA_MAX_LAG_MS (lag measured
 * as in replica-lag.ts). `reader()` hands out the usable replicas in turn, else the primary. A read
 * that finds its replica unavailable is made on the primary and the replica is skipped until a
 * check finds it well again. Gauges: `ataa_db_replica_lag_seconds{replica}`, `ataa_db_replica_usable{replica}`.
 */
@Injectable()
export class ReadReplicas implements OnModuleInit, OnModuleDestroy {
  readonly primary: ReadSource;
  private readonly replicas: Replica[];
  private readonly samples: WalSamples;
  private readonly logger = new Logger('ReadReplicas');
  private primaryIdentifier: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  private checking: Promise<void> | null = null;
  private turn = 0;

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly metrics: MetricsService,
  ) {
    this.primary = {
      name: 'primary',
      replica: false,
      // Plain SELECTs (a read source's only use) straight to TypeORM's pool: the same rows as dataSource.query, without its per-query runner.
      query: async (sql, params) => (await pgPoolOf(dataSource).query(sql, params)).rows,
      connect: () => acquirePgClient(dataSource),
    };
    this.samples = new WalSamples(Math.max(2 * config.REPLICA_MAX_LAG_MS, 10 * config.REPLICA_CHECK_INTERVAL_MS));
    this.replicas = config.DATABASE_REPLICA_URLS.map((url) => this.replicaOf(url));
  }

  /** Every read on the primary, over a plain data source: for code run outside the apps (tests, benchmarks). */
  static primaryOnly(dataSource: DataSource): ReadReplicas {
    const config = Object.assign(new AppConfig(), { DATABASE_REPLICA_URLS: [] });
    // No replica: the metrics are never touched.
    return new ReadReplicas(dataSource, config, undefined as unknown as MetricsService);
  }

  /** Whether any replica is configured. */
  get configured(): boolean {
    return this.replicas.length > 0;
  }

  /** The source for a public read: the next usable replica, else the primary. */
  reader(): ReadSource {
    const count = this.replicas.length;
    for (let i = 0; i < count; i++) {
      const replica = this.replicas[(this.turn + i) % count];
      if (replica.usable) {
        this.turn = (this.turn + i + 1) % count;
        return replica.source;
      }
    }
    return this.primary;
  }

  /** Whether reads may (still) go to this source: the primary always; a replica while the checks and its reads find it well. */
  isUsable(source: ReadSource): boolean {
    return !source.replica || this.replicas.some((r) => r.source === source && r.usable);
  }

  status(): ReplicaStatus[] {
    return this.replicas.map(({ name, usable, lagMs, reason }) => ({ name, usable, lagMs, reason }));
  }

  async onModuleInit(): Promise<void> {
    if (!this.configured) return;
    this.registerGauges();
    // The first check before the first request, so reads go to the replicas from the start.
    await this.checkNow();
    this.timer = setInterval(() => void this.checkNow(), this.config.REPLICA_CHECK_INTERVAL_MS);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.checking?.catch(() => undefined);
    await Promise.all(this.replicas.flatMap((r) => [r.pool.end().catch(() => undefined), r.checks.end().catch(() => undefined)]));
  }

  /** One health check of every replica now (a check already running is waited for instead). */
  checkNow(): Promise<void> {
    this.checking ??= this.check().finally(() => {
      this.checking = null;
    });
    return this.checking;
  }

  private async check(): Promise<void> {
    try {
      const [row] = await this.dataSource.query(`SELECT pg_current_wal_lsn()::text AS lsn${this.primaryIdentifier === null ? `, (SELECT system_identifier FROM pg_control_system())::text AS system_identifier` : ''}`);
      this.primaryIdentifier ??= row.system_identifier as string;
      this.samples.add(Date.now(), parseLsn(row.lsn));
    } catch (error) {
      // Without the primary's position no lag can be told: the replicas keep their last verdict.
      this.logger.warn(`replica check: the primary did not answer (${(error as Error).message})`);
      return;
    }
    await Promise.all(this.replicas.map((replica) => this.checkReplica(replica)));
  }

  private async checkReplica(replica: Replica): Promise<void> {
    const before = replica.reason;
    try {
      const { rows } = await replica.checks.query(`${IDENTITY_SQL}, pg_last_wal_replay_lsn()::text AS replay_lsn`);
      const row = rows[0];
      const why = whyNotAReplica({ systemIdentifier: row.system_identifier, inRecovery: row.in_recovery }, this.primaryIdentifier as string);
      if (why !== null) {
        this.mark(replica, null, why);
      } else {
        const lag = this.samples.lagMs(row.replay_lsn === null ? null : parseLsn(row.replay_lsn), Date.now());
        if (lag === null) this.mark(replica, null, 'lag unknown yet');
        else if (lag > this.config.REPLICA_MAX_LAG_MS) this.mark(replica, lag, `lagging ${lag} ms behind the primary (REPLICA_MAX_LAG_MS ${this.config.REPLICA_MAX_LAG_MS})`);
        else this.mark(replica, lag, null);
      }
    } catch (error) {
      this.mark(replica, null, `unavailable (${(error as { code?: string }).code ?? (error as Error).message})`);
    }
    if (replica.reason !== before) {
      if (replica.reason === null) this.logger.log(`replica ${replica.name} is used for reads again`);
      else this.logger.warn(`replica ${replica.name} skipped, its reads go to the primary: ${replica.reason}`);
    }
  }

  private mark(replica: Replica, lagMs: number | null, reason: string | null): void {
    replica.lagMs = lagMs;
    replica.reason = reason;
    replica.usable = reason === null;
  }

  private replicaOf(url: string): Replica {
    const name = describeDatabaseUrl(url);
    const timeout = Math.max(1000, Math.min(5000, this.config.REPLICA_CHECK_INTERVAL_MS * 2));
    // TCP keepalive: a replica that vanishes without closing its connections is noticed by the socket, not only by the next check.
    const options = { connectionString: url, connectionTimeoutMillis: timeout, keepAlive: true, application_name: 'ataa-replica' };
    const pool = new pg.Pool({ ...options, max: this.config.DATABASE_POOL_SIZE });
    const checks = new pg.Pool({ ...options, max: 1, query_timeout: timeout, application_name: 'ataa-replica-check' });
    // An idle connection dropped by a stopping replica must not crash the process: the next check sees it.
    pool.on('error', () => undefined);
    checks.on('error', () => undefined);
    const replica: Replica = { name, url, pool, checks, usable: false, lagMs: null, reason: 'not checked yet', source: undefined as unknown as ReadSource };
    const unavailable = (error: unknown) => {
      this.mark(replica, null, `unavailable (${(error as { code?: string }).code ?? (error as Error).message})`);
      this.logger.warn(`replica ${name} failed a read, skipped until it answers a check: ${replica.reason}`);
    };
    replica.source = {
      name,
      replica: true,
      query: async (sql, params) => {
        try {
          return (await pool.query(sql, params as unknown[])).rows;
        } catch (error) {
          if (!isUnavailableError(error)) throw error;
          // The primary has everything the replica had: the read is made there.
          unavailable(error);
          return this.primary.query(sql, params);
        }
      },
      connect: async () => {
        try {
          return await pool.connect();
        } catch (error) {
          if (!isUnavailableError(error)) throw error;
          unavailable(error);
          return this.primary.connect();
        }
      },
    };
    return replica;
  }

  private registerGauges(): void {
    const registry = this.metrics.registry;
    if (registry.getSingleMetric('ataa_db_replica_lag_seconds')) return;
    const replicas = this.replicas;
    new Gauge({
      name: 'ataa_db_replica_lag_seconds',
      help: 'How far each read replica is behind the primary (age of the oldest primary WAL position it has not replayed), at the last check',
      labelNames: ['replica'],
      registers: [registry],
      collect() {
        this.reset();
        for (const r of replicas) if (r.lagMs !== null) this.set({ replica: r.name }, r.lagMs / 1000);
      },
    });
    new Gauge({
      name: 'ataa_db_replica_usable',
      help: '1 when public reads may go to the replica (up, a replica of the primary, within REPLICA_MAX_LAG_MS), else 0',
      labelNames: ['replica'],
      registers: [registry],
      collect() {
        for (const r of replicas) this.set({ replica: r.name }, r.usable ? 1 : 0);
      },
    });
  }
}
