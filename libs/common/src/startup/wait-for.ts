/** A dependency still unreachable when waitFor's time was up; its message is one clear line. */
export class DependencyUnreachableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DependencyUnreachableError';
  }
}

/**
 * A dependency that answers, but is not what the configuration says it is (a Redis Cluster URL
 * pointing at a lone server, a sentinel that knows no such master): waiting cannot fix it, so
 * waitFor gives up at once and the process stops with this one line, which names the setting.
 */
export class DependencyMisconfiguredError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DependencyMisconfiguredError';
  }
}

export interface WaitForOptions {
  /** First pause between attempts; doubles after each failure up to maxDelayMs. */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** Give up (DependencyUnreachableError) once this long has passed; unset: wait for as long as it takes. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * Waits for a dependency with exponential backoff instead of crash-looping, saying clearly what is
 * unreachable on every attempt.
 */
export async function waitFor(
  name: string,
  probe: () => Promise<void>,
  log: (message: string) => void,
  options: WaitForOptions = {},
): Promise<void> {
  const started = Date.now();
  let delay = options.initialDelayMs ?? 500;
  for (let attempt = 1; ; attempt++) {
    try {
      await probe();
      if (attempt > 1) log(`${name} is reachable again`);
      return;
    } catch (error) {
      if (options.signal?.aborted || error instanceof DependencyMisconfiguredError) throw error;
      const reason = (error as Error)?.message || String(error);
      if (options.timeoutMs !== undefined) {
        const left = started + options.timeoutMs - Date.now();
        if (left <= 0) {
          throw new DependencyUnreachableError(
            `${name} is still unreachable after ${formatSeconds(Date.now() - started)} and ${attempt} attempts (${reason}); giving up`,
          );
        }
        // The last pause ends at the deadline, so one more attempt happens right at it.
        delay = Math.min(delay, left);
      }
      log(`${name} is unreachable (${reason}); retrying in ${formatSeconds(delay)}`);
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, options.maxDelayMs ?? 10_000);
    }
  }
}

function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}
