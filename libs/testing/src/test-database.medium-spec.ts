import pg from 'pg';
import { createTestDatabase, withServerClient } from './test-database.js';

const exists = (name: string) => withServerClient(async (client) => (await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1);

describe('a test file\'s database', () => {
  it('is cloned from the migrated template, and dropped in the background once the file lets it go', async () => {
    const database = await createTestDatabase();
    expect(await exists(database.name)).toBe(true);
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    const tables = (await client.query(`SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'public_ledger_entries'`).finally(() => client.end())).rows[0].n;
    expect(tables).toBe(1);
    // drop() returns once the dropping process is started; the database is gone soon after
    await database.drop();
    let gone = false;
    for (let i = 0; i < 200 && !gone; i++) {
      gone = !(await exists(database.name));
      if (!gone) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(gone).toBe(true);
  });
});
