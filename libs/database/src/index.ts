export { DatabaseModule } from './database.module.js';
export { dataSourceOptions, ENTITIES_GLOB } from './data-source-options.js';
export { bigintTransformer, moneyTransformer } from './money.transformer.js';
export { TransactionRunner, isRetryableTransactionError, isUniqueViolation, type IsolationLevel } from './transaction-runner.js';
export { runMigrations, migrateDatabase, type MigrateDatabaseOptions } from './migrate.js';
export { probePostgres, describeDatabaseUrl } from './probe.js';
export { acquirePgClient } from './pg-client.js';
