import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ScheduledGiftsService, type ScheduledRun } from '@ataa/donations';

/** How often due occurrences of scheduled series are charged, and how many per pass. */
export const SCHEDULED_GIFTS_SWEEP = { intervalMs: 60_000, batch: 50 };

/**
 * Charges the occurrences of scheduled series that fell due (a Ramadan night's 21:00, a Friday's
 * 9:00 in the donor's zone), a batch a minute, one pass at a time in this process. Several worker
 * processes may pass at once: an occurrence is reserved under its row lock and charged under its
 * own idempotency key, so it posts once whoever charges it.
 */
@Injectable()
export class ScheduledGiftsRunner implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('ScheduledGifts');
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<ScheduledRun> | null = null;

  constructor(private readonly scheduled: ScheduledGiftsService) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.runOnce().catch((e: Error) => this.logger.warn(e.message)), SCHEDULED_GIFTS_SWEEP.intervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  runOnce(now?: Date): Promise<ScheduledRun> {
    this.running ??= this.scheduled.chargeDue(now, SCHEDULED_GIFTS_SWEEP.batch).finally(() => (this.running = null));
    return this.running;
  }
}
