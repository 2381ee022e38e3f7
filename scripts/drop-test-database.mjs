#!/usr/bin/env node
// Drops one test file's database: `node scripts/drop-test-database.mjs <server url> <database>`.
// Started detached by the file's cleanup (libs/testing/src/test-database.ts), so that the Jest worker
// goes on to its next file while PostgreSQL drops this one (a DROP DATABASE waits on a checkpoint:
// 0.2 to 2.5 s of I/O on a loaded CI machine, during which the worker's core had nothing to do).
import pg from 'pg';

const [serverUrl, name] = process.argv.slice(2);
if (!serverUrl || !/^ataa_t_[0-9a-f]+$/.test(name ?? '')) {
  console.error('usage: drop-test-database.mjs <server url> ataa_t_<hex>');
  process.exit(2);
}
for (let attempt = 1; ; attempt++) {
  const client = new pg.Client({ connectionString: serverUrl });
  try {
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    break;
  } catch (error) {
    if (attempt >= 5) {
      console.error(`could not drop ${name}: ${error.message}`);
      process.exitCode = 1;
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
  } finally {
    await client.end().catch(() => undefined);
  }
}
