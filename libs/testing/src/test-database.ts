import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type pg from 'pg';
import { load } from './lazy.js';

type Client = pg.Client;

/** The server the tests use; each test file gets its own database on it. */
export const TEST_SERVER_URL = process.env.TEST_DATABASE_SERVER_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

function databaseUrl(name: string): string {
  const url = new URL(TEST_SERVER_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/** The template's name changes whenever a migration file changes, so a stale template is never used. */
export function templateDatabaseName(): string {
  const dir = path.join(import.meta.dirname, '..', '..', 'database', 'src', 'migrations');
  const hash = createHash('sha256');
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts')).sort()) {
    hash.update(file).update(readFileSync(path.join(dir, file)));
  }
  return `ataa_tpl_${hash.digest('hex').slice(0, 12)}`;
}

export async function withServerClient<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const { default: { Client } } = await load(() => import('pg'));
  const client = new Client({ connectionString: TEST_SERVER_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export interface TestDatabase {
  name: string;
  url: string;
  /**
   * Drops the database in the background (a detached process, scripts/drop-test-database.mjs): the
   * file's teardown does not wait for it. Its connections are closed by the drop (WITH (FORCE)).
   */
  drop(): Promise<void>;
}

const DROP_SCRIPT = path.join(import.meta.dirname, '..', '..', '..', 'scripts', 'drop-test-database.mjs');

/** Starts the drop and returns once the process is started: it outlives this file and its Jest worker. */
function dropInBackground(name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [DROP_SCRIPT, TEST_SERVER_URL, name], { detached: true, stdio: 'ignore' });
    child.once('error', reject);
    child.once('spawn', () => {
      child.unref();
      resolve();
    });
  });
}

const TEMPLATE_LOCK = 727274;

/**
 * Makes sure the migrated template exists. It is reused while the migrations are unchanged; the
 * first test file to need a new one builds it under an advisory lock while the others wait.
 */
async function ensureTemplate(client: Client, template: string): Promise<void> {
  const exists = async () => (await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [template])).rowCount === 1;
  if (await exists()) return;
  await client.query('SELECT pg_advisory_lock($1)', [TEMPLATE_LOCK]);
  try {
    if (await exists()) return;
    const building = `${template}_building`;
    await client.query(`DROP DATABASE IF EXISTS ${building} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${building}`);
    // TypeORM and the migrations load only here, where a new template is built (see test-app.ts).
    const { runMigrations } = await load(() => import('../../database/src/migrate.js'));
    await runMigrations(databaseUrl(building));
    await client.query(`ALTER DATABASE ${building} RENAME TO ${template}`);
    // Templates of older migration sets are of no further use, but another checkout (a branch with
    // other migrations) may be testing with one right now: keep the few newest (database oids grow).
    const stale = await client.query(
      `SELECT datname FROM pg_database WHERE datname LIKE 'ataa\\_tpl\\_%' AND datname <> $1 AND datname NOT LIKE '%\\_building'
       ORDER BY oid DESC OFFSET 3`,
      [template],
    );
    for (const row of stale.rows) await client.query(`DROP DATABASE IF EXISTS ${row.datname} WITH (FORCE)`);
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [TEMPLATE_LOCK]);
  }
}

/** Clones the migrated template into a fresh database for one test file. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const template = templateDatabaseName();
  const name = `ataa_t_${randomBytes(6).toString('hex')}`;
  await withServerClient(async (client) => {
    await ensureTemplate(client, template);
    for (let attempt = 0; ; attempt++) {
      try {
        await client.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
        return;
      } catch (error) {
        // Two files cloning at the same instant: PostgreSQL refuses the second while the first copies.
        if (attempt < 20 && /being accessed by other users/.test((error as Error).message)) {
          await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 200));
          continue;
        }
        throw error;
      }
    }
  });
  return {
    name,
    url: databaseUrl(name),
    drop: () => dropInBackground(name),
  };
}

export { databaseUrl as testDatabaseUrl };
