import pg from 'pg';
import { waitFor } from '@ataa/common';
import { WITNESS_MIGRATIONS } from './migrations/index.js';
import type { WitnessMigration } from './witness-migration.js';

/** A PostgreSQL schema name the witness accepts: it is quoted into SQL, so it is kept to these characters. */
export const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function quoteSchema(schema: string): string {
  if (!SCHEMA_NAME.test(schema)) throw new Error(`unexpected schema name ${JSON.stringify(schema)}`);
  return `"${schema}"`;
}

/** The address without the password, for messages. */
export function describeDatabaseUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}`;
}

/**
 * Applies the witness's pending migrations in its own schema, in one transaction under an advisory
 * lock (several witness processes may start at once). Returns the names applied.
 */
export async function migrateWitnessSchema(
  client: pg.ClientBase,
  schema: string,
  migrations: readonly WitnessMigration[] = WITNESS_MIGRATIONS,
): Promise<string[]> {
  const quoted = quoteSchema(schema);
  await client.query('BEGIN');
  try {
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('ataa-witness-migrations'), hashtext($1))`, [schema]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoted}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${quoted}.migrations (id bigint PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Set((await client.query<{ id: string }>(`SELECT id FROM ${quoted}.migrations`)).rows.map((r) => Number(r.id)));
    const applied: string[] = [];
    for (const migration of [...migrations].sort((a, b) => a.id - b.id)) {
      if (done.has(migration.id)) continue;
      for (const statement of migration.statements) await client.query(statement.replaceAll('$schema', quoted));
      await client.query(`INSERT INTO ${quoted}.migrations (id, name) VALUES ($1, $2)`, [migration.id, migration.name]);
      applied.push(`${migration.id}-${migration.name}`);
    }
    await client.query('COMMIT');
    return applied;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

export interface PrepareOptions {
  schema: string;
  /** How long to wait for PostgreSQL before giving up (DependencyUnreachableError). */
  waitMs: number;
  log: (message: string) => void;
}

/**
 * What the witness does at start: waits for PostgreSQL, creates its database when it does not exist
 * (when the role may), and applies its migrations.
 */
export async function prepareWitnessDatabase(url: string, options: PrepareOptions): Promise<{ created: boolean; applied: string[] }> {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new Error(`unexpected database name ${JSON.stringify(name)}`);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  let created = false;
  await waitFor(`PostgreSQL at ${describeDatabaseUrl(url)}`, async () => {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
    try {
      await client.connect();
    } catch (error) {
      // 3D000: the database does not exist; make it through the server's maintenance database.
      if ((error as { code?: string }).code !== '3D000') throw error;
      const adminClient = new pg.Client({ connectionString: admin.toString(), connectionTimeoutMillis: 5_000 });
      await adminClient.connect();
      try {
        await adminClient.query(`CREATE DATABASE "${name}"`);
        created = true;
      } catch (createError) {
        if ((createError as { code?: string }).code !== '42P04') throw createError; // created meanwhile
      } finally {
        await adminClient.end();
      }
    } finally {
      await client.end().catch(() => undefined);
    }
  }, options.log, { timeoutMs: options.waitMs });
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return { created, applied: await migrateWitnessSchema(client, options.schema) };
  } finally {
    await client.end();
  }
}
