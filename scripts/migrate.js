#!/usr/bin/env node
// Creates the configured database if it does not exist, then applies pending migrations (from dist/).
// While PostgreSQL is unreachable it retries with backoff for MIGRATE_WAIT_SECONDS (default 60),
// then stops with one line naming what is unreachable.
import { existsSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
if (existsSync(path.join(root, '.env'))) process.loadEnvFile(path.join(root, '.env'));
const say = (message) => process.stdout.write(`[migrate] ${message}\n`);

const waitSeconds = Number(process.env.MIGRATE_WAIT_SECONDS ?? 60);
if (!Number.isFinite(waitSeconds) || waitSeconds < 0) {
  process.stderr.write(`[migrate] MIGRATE_WAIT_SECONDS must be a number of seconds (got ${JSON.stringify(process.env.MIGRATE_WAIT_SECONDS)})\n`);
  process.exit(1);
}
const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/ataa';

const { DependencyUnreachableError } = await import(path.join(root, 'dist/libs/common/src/startup/wait-for.js'));
const { migrateDatabase } = await import(path.join(root, 'dist/libs/database/src/migrate.js'));
try {
  const { created, applied } = await migrateDatabase(url, { waitMs: waitSeconds * 1000, log: say });
  if (created) say(`created database ${decodeURIComponent(new URL(url).pathname.slice(1))}`);
  say(applied.length ? `applied ${applied.join(', ')}` : 'schema is up to date');
} catch (error) {
  if (!(error instanceof DependencyUnreachableError)) throw error;
  process.stderr.write(`[migrate] ${error.message}\n`);
  process.exit(1);
}
