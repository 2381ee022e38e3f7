import { Module } from '@nestjs/common';
import { DonationsModule } from '@ataa/donations';
import { EvidenceModule } from '@ataa/payouts';
import { ReconciliationModule } from '@ataa/reconciliation';
import { TransparencyModule } from '@ataa/transparency';
import { PublicLedgerApiController, TransparencyWellKnownController } from './public-ledger-api.controller.js';
import { PublicLedgerPagesController } from './public-ledger-pages.controller.js';
import { PublicLedgerCache } from './public-ledger.cache.js';
import { PublicLedgerHttp } from './public-ledger.http.js';
import { PublicLedgerPresenter } from './public-ledger.presenter.js';

@Module({
  imports: [TransparencyModule, ReconciliationModule, EvidenceModule, DonationsModule],
  controllers: [PublicLedgerPagesController, PublicLedgerApiController, TransparencyWellKnownController],
  // One cache per application instance (each e2e test app has its own).
  providers: [PublicLedgerHttp, PublicLedgerPresenter, { provide: PublicLedgerCache, useFactory: () => new PublicLedgerCache() }],
})
export class TransparencyHttpModule {}
