import { DependencyMisconfiguredError, DependencyUnreachableError } from './wait-for.js';

/**
 * Shared start-up for every process: a configuration error, or a dependency still unreachable when
 * waitFor gave up (or found misconfigured), is one clear line and exit code 1, never a stack trace.
 */
export function runMain(main: () => Promise<void>, isConfigError: (error: unknown) => boolean): void {
  main().catch((error: unknown) => {
    if (isConfigError(error) || error instanceof DependencyUnreachableError || error instanceof DependencyMisconfiguredError) {
      process.stderr.write(`${(error as Error).message}\n`);
    } else {
      process.stderr.write(`Fatal: ${(error as Error)?.stack ?? String(error)}\n`);
    }
    process.exit(1);
  });
}
