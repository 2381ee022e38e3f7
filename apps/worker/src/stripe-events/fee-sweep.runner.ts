import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '@ataa/config';
import { PendingFeesService } from '@ataa/donations';
import { PeriodicTask } from '@ataa/queue';

/** How often the runner asks whether a fee sweep is due (cheap: one indexed count). */
export const FEE_SWEEP_TICK_MS = 2_000;

/**
 * Posts pending Stripe fees in bulk (PendingFeesService): every FEE_SWEEP_TICK_MS it sweeps if 100
 * gifts wait for their fee or the oldest has waited FEE_SWEEP_SECONDS. Off when FEE_SWEEP_SECONDS is 0.
 */
@Injectable()
export class FeeSweepRunner implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('FeeSweep');
  private readonly task = new PeriodicTask(() => this.sweep(), (error) => this.logger.warn(`fee sweep failed: ${error.message}`));

  constructor(
    private readonly fees: PendingFeesService,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.FEE_SWEEP_SECONDS === 0) return;
    this.task.start(FEE_SWEEP_TICK_MS, { runNow: false });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.task.stop();
  }

  private async sweep(): Promise<void> {
    const result = await this.fees.sweepIfDue(this.config.FEE_SWEEP_SECONDS);
    if (result && result.posted > 0) this.logger.log(`posted ${result.posted} of ${result.pending} pending fees with ${result.listCalls} list calls and ${result.reads} reads`);
  }
}
