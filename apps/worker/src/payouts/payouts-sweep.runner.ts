import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PayoutsService } from '@ataa/payouts';

export const PAYOUTS_SWEEP = { intervalMs: 15_000, olderThanSeconds: 30 };

/**
 * Approved or processing payouts whose job was lost (Redis down when they were approved, worker
 * killed mid-transfer) are handed to the queue again; the job id and the transfer's idempotency key
 * (the payout id) make that harmless.
 */
@Injectable()
export class PayoutsSweepRunner implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('PayoutsSweep');
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly payouts: PayoutsService,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.sweepOnce().catch((e: Error) => this.logger.warn(e.message)), PAYOUTS_SWEEP.intervalMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async sweepOnce(): Promise<number> {
    const rows: { id: string }[] = await this.dataSource.query(
      `SELECT id FROM payouts WHERE status IN ('approved', 'processing') AND updated_at < now() - make_interval(secs => $1) ORDER BY updated_at LIMIT 100`,
      [PAYOUTS_SWEEP.olderThanSeconds],
    );
    for (const r of rows) await this.payouts.schedule(r.id);
    return rows.length;
  }
}
