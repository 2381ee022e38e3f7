import { Module } from '@nestjs/common';
import { RateLimitRecords } from './persistence/rate-limit-records.js';
import { RetentionRepository } from './persistence/retention.repository.js';
import { RetentionService } from './retention.service.js';

/** The retention job's rules and runner (the worker schedules it). */
@Module({
  providers: [RetentionRepository, RateLimitRecords, RetentionService],
  exports: [RetentionService],
})
export class RetentionModule {}
