/**
 * Waits for a dependency with exponential backoff instead of crash-looping, saying clearly what is
 * unreachable on every attempt.
 */
export async function waitFor(
  name: string,
  probe: () => Promise<void>,
  log: (message: string) => void,
  options: { maxDelayMs?: number; signal?: AbortSignal } = {},
): Promise<void> {
  let delay = 500;
  for (let attempt = 1; ; attempt++) {
    try {
      await probe();
      if (attempt > 1) log(`${name} is reachable again`);
      return;
    } catch (error) {
      if (options.signal?.aborted) throw error;
      const reason = (error as Error)?.message || String(error);
      log(`${name} is unreachable (${reason}); retrying in ${(delay / 1000).toFixed(1)}s`);
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, options.maxDelayMs ?? 10_000);
    }
  }
}
