import type { Job, Queue } from 'bullmq';

/** Rejects when `work` has not settled within `ms` (Redis unreachable: callers leave their rows for the next pass). */
export function withTimeout<T>(work: Promise<T>, ms: number, what = 'Redis'): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * A pass run every `intervalMs` while the process runs, never two at once (a pass still running
 * when the next tick comes is not overlapped), and awaited on stop so a shutdown does not cut one
 * in the middle. The pass handles its own errors; one that escapes is given to `onError`.
 */
export class PeriodicTask<T = unknown> {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<T> | null = null;

  constructor(
    private readonly pass: () => Promise<T>,
    private readonly onError: (error: Error) => void,
  ) {}

  start(intervalMs: number, options: { runNow?: boolean } = {}): void {
    this.timer = setInterval(() => void this.runOnce().catch(this.onError), intervalMs);
    this.timer.unref();
    if (options.runNow ?? true) void this.runOnce().catch(this.onError);
  }

  /** Runs a pass now (`pass` instead of the usual one, e.g. with other limits), or joins the one already running. */
  runOnce(pass: () => Promise<T> = this.pass): Promise<T> {
    this.running ??= pass().finally(() => (this.running = null));
    return this.running;
  }

  get isRunning(): boolean {
    return this.running !== null;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }
}

/**
 * Makes sure the job `jobId` will run (again), whatever Redis kept of it: a failed job is retried;
 * a completed or unknown one (finished, but its work is still pending in PostgreSQL) is removed and
 * added again by `add`; a missing one is added; a waiting, delayed or active one is left alone
 * (`'left'`). Used by the sweeps that hand PostgreSQL's pending work back to the queue.
 */
export async function requeueJob(
  queue: Queue,
  jobId: string,
  add: () => Promise<unknown>,
  timeoutMs: number,
): Promise<'added' | 'retried' | 'left'> {
  const job: Job | undefined = await withTimeout(queue.getJob(jobId), timeoutMs);
  const state = job ? await withTimeout(job.getState(), timeoutMs) : 'missing';
  if (job && state === 'failed') {
    await withTimeout(job.retry('failed'), timeoutMs);
    return 'retried';
  }
  if (state === 'missing' || state === 'completed' || state === 'unknown') {
    if (job) await withTimeout(job.remove(), timeoutMs).catch(() => undefined);
    await withTimeout(add(), timeoutMs);
    return 'added';
  }
  return 'left';
}
