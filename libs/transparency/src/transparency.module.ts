import { Module } from '@nestjs/common';
import { ObservabilityModule } from '@ataa/observability';
import { checkpointSignerProvider, CHECKPOINT_SIGNER } from './checkpoint-signer.provider.js';
import { PublicLedgerRepository } from './persistence/public-ledger.repository.js';
import { WitnessRepository } from './persistence/witness.repository.js';
import { PublicLedgerAppender } from './public-ledger-appender.service.js';
import { PublicLedgerRedactor } from './public-ledger-redactor.service.js';
import { PublicLedgerService } from './public-ledger.service.js';
import { WitnessMetrics } from './witness-metrics.service.js';

/** The public ledger projection, Merkle log, checkpoints, proofs and reports (design section 7). */
@Module({
  // The witness lag gauge registers in the process's metrics (global in the apps; imported here for contexts that do not load it).
  imports: [ObservabilityModule],
  providers: [PublicLedgerRepository, WitnessRepository, PublicLedgerAppender, PublicLedgerRedactor, PublicLedgerService, WitnessMetrics, checkpointSignerProvider],
  exports: [PublicLedgerAppender, PublicLedgerRedactor, PublicLedgerService, WitnessRepository, CHECKPOINT_SIGNER],
})
export class TransparencyModule {}
