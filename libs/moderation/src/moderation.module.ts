import { Module } from '@nestjs/common';
import { TransparencyModule } from '@ataa/transparency';
import { ModerationService } from './moderation.service.js';
import { ModerationRepository } from './persistence/moderation.repository.js';

/** Reports, hidden messages and suspensions (AuditService comes from the global OrganizationsModule; the public log's redactor from TransparencyModule). */
@Module({
  imports: [TransparencyModule],
  providers: [ModerationService, ModerationRepository],
  exports: [ModerationService],
})
export class ModerationModule {}
