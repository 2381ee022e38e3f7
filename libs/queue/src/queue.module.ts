import { BullModule } from '@nestjs/bullmq';
import { Global, Module } from '@nestjs/common';
import { AppConfig } from '@ataa/config';
import { JobProducer } from './job-producer.js';
import { DEFAULT_JOB_OPTIONS, QUEUES } from './queues.js';
import { bullConnection } from './redis-options.js';

const queueRegistrations = Object.values(QUEUES).map((name) => ({ name }));

/** The BullMQ connection (one Redis, one key prefix per deployment or test run) and every queue. */
@Global()
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        connection: bullConnection(config.REDIS_URL),
        prefix: config.QUEUE_PREFIX,
        defaultJobOptions: DEFAULT_JOB_OPTIONS,
      }),
    }),
    BullModule.registerQueue(...queueRegistrations),
  ],
  providers: [JobProducer],
  exports: [BullModule, JobProducer],
})
export class QueueModule {}
