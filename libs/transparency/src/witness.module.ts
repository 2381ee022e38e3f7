import { Module } from '@nestjs/common';
import { TransparencyModule } from './transparency.module.js';
import { WitnessClient } from './witness-client.js';
import { WitnessRelay } from './witness-relay.service.js';
import { WitnessSubmissionService } from './witness-submission.service.js';

/** The worker's side of witnessing (issue 24): the relay of pending submissions and the submissions themselves. */
@Module({
  imports: [TransparencyModule],
  providers: [WitnessClient, WitnessSubmissionService, WitnessRelay],
  exports: [WitnessSubmissionService, WitnessRelay, WitnessClient],
})
export class WitnessModule {}
