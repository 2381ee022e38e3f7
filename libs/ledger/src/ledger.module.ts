import { Module } from '@nestjs/common';
import { NotificationsModule } from '@ataa/notifications';
import { TransparencyModule } from '@ataa/transparency';
import { LedgerWriter } from './ledger-writer.js';
import { LedgerService } from './ledger.service.js';
import { LedgerRepository } from './persistence/ledger.repository.js';

/** The ledger, and the one writer that records planned money movements with their public entries and messages. */
@Module({
  imports: [TransparencyModule, NotificationsModule],
  providers: [LedgerRepository, LedgerService, LedgerWriter],
  exports: [LedgerService, LedgerWriter],
})
export class LedgerModule {}
