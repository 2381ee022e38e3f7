import { Module } from '@nestjs/common';
import { TransparencyModule } from '@ataa/transparency';
import { PublicLedgerApiController, TransparencyWellKnownController } from './public-ledger-api.controller.js';
import { PublicLedgerPagesController } from './public-ledger-pages.controller.js';
import { PublicLedgerHttp } from './public-ledger.http.js';
import { PublicLedgerPresenter } from './public-ledger.presenter.js';

@Module({
  imports: [TransparencyModule],
  controllers: [PublicLedgerPagesController, PublicLedgerApiController, TransparencyWellKnownController],
  providers: [PublicLedgerHttp, PublicLedgerPresenter],
})
export class TransparencyHttpModule {}
