import * as path from 'node:path';
import { DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from './migrations/index.js';

/** Every lib's entities, for the CLI data source (Nest apps use autoLoadEntities). */
export const ENTITIES_GLOB = path.join(import.meta.dirname, '..', '..', '*', 'src', '**', '*.entity.{js,ts}');

export function dataSourceOptions(url: string, overrides: Partial<DataSourceOptions> = {}): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    synchronize: false,
    migrationsRun: false,
    migrations: MIGRATIONS,
    migrationsTableName: 'schema_migrations',
    // One transaction per migration so a failing one leaves the schema as it was.
    migrationsTransactionMode: 'each',
    logging: ['migration'],
    ...overrides,
  } as DataSourceOptions;
}
