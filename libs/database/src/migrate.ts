import pg from 'pg';
import { DataSource } from 'typeorm';
import { waitFor } from '@ataa/common';
import { dataSourceOptions } from './data-source-options.js';
import { describeDatabaseUrl, probePostgres } from './probe.js';

/** Applies every pending migration to the database at `url`; returns the names applied. */
export async function runMigrations(url: string): Promise<string[]> {
  const dataSource = new DataSource(dataSourceOptions(url, { logging: ['error'] }));
  await dataSource.initialize();
  try {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await dataSource.destroy();
  }
}

export interface MigrateDatabaseOptions {
  /** How long to keep retrying while PostgreSQL is unreachable before giving up. */
  waitMs: number;
  log: (message: string) => void;
}

/**
 * What `scripts/migrate.js` (first step of `npm start`, the compose `migrate` service) does: waits for
 * the server with backoff (throwing DependencyUnreachableError once `waitMs` has passed), creates
 * the database if it does not exist, then applies pending migrations.
 */
export async function migrateDatabase(url: string, options: MigrateDatabaseOptions): Promise<{ created: boolean; applied: string[] }> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Error(`unexpected database name ${name}`);
  // The server's maintenance database: the target itself may not exist yet.
  const admin = new URL(url);
  admin.pathname = '/postgres';
  await waitFor(`PostgreSQL at ${describeDatabaseUrl(admin.toString())}`, () => probePostgres(admin.toString()), options.log, {
    timeoutMs: options.waitMs,
  });
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  let created = false;
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) {
      await client.query(`CREATE DATABASE "${name}"`);
      created = true;
    }
  } finally {
    await client.end();
  }
  return { created, applied: await runMigrations(url) };
}
