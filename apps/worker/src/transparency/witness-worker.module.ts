import { Module } from '@nestjs/common';
import { WitnessModule } from '@ataa/transparency';
import { WitnessProcessor } from './witness.processor.js';
import { WitnessRelayRunner } from './witness-relay.runner.js';

/** Submits new checkpoints to the configured witnesses and stores their cosignatures (issue 24). */
@Module({
  imports: [WitnessModule],
  providers: [WitnessProcessor, WitnessRelayRunner],
})
export class WitnessWorkerModule {}
