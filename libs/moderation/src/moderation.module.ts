import { Module } from '@nestjs/common';
import { ModerationService } from './moderation.service.js';
import { ModerationRepository } from './persistence/moderation.repository.js';

/** Reports, hidden messages and suspensions (AuditService and RateLimiter come from the global OrganizationsModule). */
@Module({
  providers: [ModerationService, ModerationRepository],
  exports: [ModerationService],
})
export class ModerationModule {}
