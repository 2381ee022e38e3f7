#!/usr/bin/env node
// Creates the configured database if it does not exist, then applies pending migrations (from dist/).
import { existsSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';

const root = path.resolve(import.meta.dirname, '..');
if (existsSync(path.join(root, '.env'))) process.loadEnvFile(path.join(root, '.env'));
const url = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/ataa');
const name = decodeURIComponent(url.pathname.slice(1));
if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Error(`unexpected database name ${name}`);

const admin = new URL(url);
admin.pathname = '/postgres';
const client = new pg.Client({ connectionString: admin.toString() });
await client.connect();
const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
if (exists.rowCount === 0) {
  await client.query(`CREATE DATABASE "${name}"`);
  process.stdout.write(`[migrate] created database ${name}\n`);
}
await client.end();

const { runMigrations } = await import(path.join(root, 'dist/libs/database/src/migrate.js'));
const applied = await runMigrations(url.toString());
process.stdout.write(`[migrate] ${applied.length ? `applied ${applied.join(', ')}` : 'schema is up to date'}\n`);
