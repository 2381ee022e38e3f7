/** The witness as a library: for its main, and for tests that start one in-process (see @ataa/testing's startTestWitness). */
export { startWitness, type RunningWitness, type StartWitnessOptions } from './witness-app.js';
export { loadWitnessConfig, loadWitnessIdentity, developmentWitnessKey, WitnessConfigError, type WitnessConfig } from './witness-config.js';
export { createWitnessLogger } from './witness-logger.js';
export { createWitnessServer, type WitnessServerOptions } from './witness-server.js';
export { WitnessService, type AddCheckpointResult, type Cosigned } from './witness.service.js';
export { CheckpointStore, type StoredCheckpoint } from './persistence/checkpoint-store.js';
export { migrateWitnessSchema, prepareWitnessDatabase } from './persistence/witness-database.js';
export { WITNESS_MIGRATIONS } from './persistence/migrations/index.js';
export * from './domain/add-checkpoint.js';
export * from './domain/trusted-logs.js';
