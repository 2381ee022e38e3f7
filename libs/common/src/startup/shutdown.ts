export interface ShutdownOptions {
  /** SHUTDOWN_GRACE_SECONDS in ms: how long in-flight work may take before the process exits anyway. */
  graceMs: number;
  /** Stops taking new work, lets in-flight work finish, then releases connections. */
  close: (signal: string) => Promise<void>;
  log: { info(message: string): void; error(message: string): void };
  exit?: (code: number) => void;
}

/**
 * The SIGTERM/SIGINT handler of a long-running process: one shutdown, bounded by the grace period.
 * A repeated signal does not cut it short (Ctrl-C under `npm start` delivers SIGINT and then
 * SIGTERM); the grace period does. Resolves once the process has been told to exit.
 */
export function createShutdownHandler(options: ShutdownOptions): (signal: string) => Promise<void> {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const seconds = `${options.graceMs / 1000}s`;
  let shutdown: Promise<void> | undefined;
  return (signal) => {
    if (shutdown) {
      options.log.info(`${signal} received while stopping; in-flight work still has until the grace period ends`);
      return shutdown;
    }
    options.log.info(`${signal} received: no new work is taken; in-flight work has up to ${seconds} (SHUTDOWN_GRACE_SECONDS)`);
    shutdown = new Promise<void>((resolve) => {
      let done = false;
      const finish = (code: number, message: string, failed: boolean) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (failed) options.log.error(message);
        else options.log.info(message);
        exit(code);
        resolve();
      };
      const timer = setTimeout(
        () => finish(1, `in-flight work still running after the ${seconds} grace period (SHUTDOWN_GRACE_SECONDS); exiting without it`, true),
        options.graceMs,
      );
      options.close(signal).then(
        () => finish(0, 'stopped: in-flight work finished', false),
        (error: unknown) => finish(1, `shutdown failed: ${(error as Error)?.message ?? String(error)}`, true),
      );
    });
    return shutdown;
  };
}

/** Installs createShutdownHandler on SIGTERM and SIGINT. */
export function exitGracefullyOnSignals(options: ShutdownOptions): void {
  const handler = createShutdownHandler(options);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => void handler(signal));
}
