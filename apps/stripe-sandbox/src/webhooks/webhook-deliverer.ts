import { setTimeout as sleep } from 'node:timers/promises';
import type { StripeObject, WebhookEndpoint } from '../core/state-store.js';
import { signPayload } from './signature.js';

export interface RetryPolicy {
  /** Delay before the first retry; each further retry waits twice as long. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Attempts in all, the first one included. */
  maxAttempts: number;
  /** How long one attempt may take before it counts as failed. */
  timeoutMs: number;
}

/** Stripe retries for up to three days; the sandbox keeps the same shape at a demo-friendly pace. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { baseDelayMs: 5_000, maxDelayMs: 10 * 60_000, maxAttempts: 12, timeoutMs: 10_000 };

export interface DeliveryAttempt {
  eventId: string;
  eventType: string;
  endpointId: string;
  url: string;
  attempt: number;
  status: number | null;
  ok: boolean;
  error: string | null;
  at: string;
}

export interface DeliveryMode {
  /** Each event is sent twice and the events of a burst go out shuffled. */
  chaos: boolean;
  seed: number;
}

interface Job {
  event: StripeObject;
  endpoint: WebhookEndpoint;
  attempt: number;
}

const MAX_LOG = 5_000;

/** Mulberry32: a tiny seeded generator so chaos runs are reproducible. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Sends events to the webhook endpoints: signed with a fresh timestamp on every attempt, retried
 * with exponential backoff while the endpoint fails or times out. Events emitted together (one API
 * call) leave in order, one after the other; in chaos mode they are duplicated and shuffled.
 */
export class WebhookDeliverer {
  private burst: Job[] = [];
  private flushScheduled = false;
  private chain: Promise<void> = Promise.resolve();
  private inFlight = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly idleWaiters: Array<() => void> = [];
  private readonly log: DeliveryAttempt[] = [];
  private mode: DeliveryMode = { chaos: false, seed: 1 };
  private random = seeded(1);
  private closed = false;

  constructor(
    private readonly endpoints: () => WebhookEndpoint[],
    private readonly policy: RetryPolicy,
    private readonly hooks: { delivered(eventId: string, endpointId: string): void; gaveUp?(eventId: string, endpointId: string): void } = { delivered: () => undefined },
  ) {}

  setMode(mode: Partial<DeliveryMode>): DeliveryMode {
    this.mode = { ...this.mode, ...mode };
    this.random = seeded(this.mode.seed);
    return this.mode;
  }

  getMode(): DeliveryMode {
    return { ...this.mode };
  }

  /** Queues an event for every endpoint that wants it. */
  enqueue(event: StripeObject, onlyEndpoints?: string[]): number {
    const targets = this.endpoints().filter((e) => (!onlyEndpoints || onlyEndpoints.includes(e.id)) && wants(e, event.type));
    for (const endpoint of targets) this.burst.push({ event, endpoint, attempt: 1 });
    if (targets.length > 0 && !this.flushScheduled) {
      this.flushScheduled = true;
      this.inFlight++;
      setImmediate(() => {
        this.inFlight--;
        this.flush();
      });
    }
    return targets.length;
  }

  private flush(): void {
    this.flushScheduled = false;
    let jobs = this.burst;
    this.burst = [];
    if (this.mode.chaos) jobs = this.scramble(jobs);
    for (const job of jobs) {
      this.inFlight++;
      this.chain = this.chain.then(() => this.attempt(job)).finally(() => {
        this.inFlight--;
        this.checkIdle();
      });
    }
  }

  /** Duplicates every job and shuffles them; never leaves a burst of two or more in its original order. */
  private scramble(jobs: Job[]): Job[] {
    const out = jobs.flatMap((job) => [job, { ...job }]);
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1));
      [out[i], out[j]] = [out[j], out[i]];
    }
    const order = (list: Job[]) => list.map((j) => j.event.id).filter((id, i, all) => all.indexOf(id) === i).join();
    if (jobs.length > 1 && order(out) === order(jobs)) out.reverse();
    return out;
  }

  private async attempt(job: Job): Promise<void> {
    if (this.closed) return;
    const payload = JSON.stringify(job.event, null, 2);
    const header = signPayload(payload, job.endpoint.secret, Math.floor(Date.now() / 1000));
    let status: number | null = null;
    let error: string | null = null;
    try {
      const response = await fetch(job.endpoint.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
          'stripe-signature': header,
          'cache-control': 'no-cache',
        },
        body: payload,
        signal: AbortSignal.timeout(this.policy.timeoutMs),
      });
      status = response.status;
      await response.arrayBuffer().catch(() => undefined);
    } catch (cause) {
      error = (cause as Error).name === 'TimeoutError' ? 'timed out' : (cause as Error).message;
    }
    // A sandbox shut down mid-attempt records nothing more (its state is already saved).
    if (this.closed) return;
    const ok = status !== null && status >= 200 && status < 300;
    this.record({
      eventId: job.event.id, eventType: job.event.type, endpointId: job.endpoint.id, url: job.endpoint.url, attempt: job.attempt, status, ok, error,
      at: new Date().toISOString(),
    });
    if (ok) {
      this.hooks.delivered(job.event.id, job.endpoint.id);
      return;
    }
    if (job.attempt >= this.policy.maxAttempts) {
      this.hooks.gaveUp?.(job.event.id, job.endpoint.id);
      return;
    }
    const delay = Math.min(this.policy.baseDelayMs * 2 ** (job.attempt - 1), this.policy.maxDelayMs);
    this.inFlight++;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      // A retry goes out on its own, not behind the next burst.
      void this.attempt({ ...job, attempt: job.attempt + 1 }).finally(() => {
        this.inFlight--;
        this.checkIdle();
      });
    }, delay);
    this.timers.add(timer);
  }

  private record(attempt: DeliveryAttempt): void {
    this.log.push(attempt);
    if (this.log.length > MAX_LOG) this.log.splice(0, this.log.length - MAX_LOG);
  }

  attempts(): DeliveryAttempt[] {
    return this.log.map((a) => ({ ...a }));
  }

  clearLog(): void {
    this.log.length = 0;
  }

  get pending(): number {
    return this.inFlight;
  }

  private checkIdle(): void {
    if (this.inFlight === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  /** Resolves once nothing is queued, in flight or waiting for a retry. */
  async idle(timeoutMs = 30_000): Promise<boolean> {
    if (this.inFlight === 0) return true;
    const done = new Promise<true>((resolve) => this.idleWaiters.push(() => resolve(true)));
    return Promise.race([done, sleep(timeoutMs, false as const, { ref: false })]);
  }

  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.inFlight = 0;
    this.checkIdle();
  }
}

function wants(endpoint: WebhookEndpoint, type: string): boolean {
  return endpoint.enabledEvents.some((pattern) => pattern === '*' || pattern === type || (pattern.endsWith('.*') && type.startsWith(pattern.slice(0, -1))));
}
