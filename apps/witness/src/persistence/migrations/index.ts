import type { WitnessMigration } from '../witness-migration.js';
import { witnessCheckpoints1795003200000 } from './1795003200000-witness-checkpoints.js';

/** The witness's migrations, in order. Reviewed files; never generated, never synchronized. */
export const WITNESS_MIGRATIONS: readonly WitnessMigration[] = [witnessCheckpoints1795003200000];
