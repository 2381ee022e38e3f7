import { Module } from '@nestjs/common';
import { PayoutsModule } from '@ataa/payouts';
import { PayoutsProcessor } from './payouts.processor.js';
import { PayoutsSweepRunner } from './payouts-sweep.runner.js';

/** Executes payouts (Stripe transfers); the transfer.* Stripe events are registered by PayoutsModule. */
@Module({
  imports: [PayoutsModule],
  providers: [PayoutsProcessor, PayoutsSweepRunner],
})
export class PayoutsWorkerModule {}
