export * from './errors/domain-error.js';
export * from './domain/currency.js';
export * from './domain/money.js';
export { waitFor, DependencyUnreachableError, type WaitForOptions } from './startup/wait-for.js';
export { runMain } from './startup/boot.js';
export { createShutdownHandler, exitGracefullyOnSignals, type ShutdownOptions } from './startup/shutdown.js';
export { repoRoot } from './startup/repo-root.js';
export { FreshReads } from './concurrency/fresh-reads.js';
