import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { MatchingCardService } from '@ataa/donations';
import { PeriodicTask } from '@ataa/queue';

/** How often obsolete matching card sessions are looked for (one indexed query when none), and how many per pass. */
export const MATCHING_EXPIRY_SWEEP = { intervalMs: 2_000, batch: 50 };

/**
 * Expires on Stripe the sponsors' card sessions a collection made obsolete (docs/matching.md
 * "Collection by card"): the collection's transaction recorded them, this pass makes the Stripe
 * calls, one pass at a time in this process. Several workers may pass at once: expiring a session
 * twice is a refusal read back as done, and the outcome is recorded (and audited) once.
 */
@Injectable()
export class MatchingExpiryRunner implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('MatchingExpiry');
  private readonly task = new PeriodicTask<number>(() => this.cards.expireDue(MATCHING_EXPIRY_SWEEP.batch), (error) => this.logger.warn(`matching session expiry pass failed: ${error.message}`));

  constructor(private readonly cards: MatchingCardService) {}

  onApplicationBootstrap(): void {
    this.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  start(): void {
    this.task.start(MATCHING_EXPIRY_SWEEP.intervalMs, { runNow: false });
  }

  /** Stops the timer (and waits for a pass running); tests use it to hold expiries back. */
  async stop(): Promise<void> {
    await this.task.stop();
  }

  runOnce(): Promise<number> {
    return this.task.runOnce();
  }
}
