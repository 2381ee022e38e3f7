import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source-options.js';

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
