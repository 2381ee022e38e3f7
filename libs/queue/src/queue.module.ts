import { BullModule } from '@nestjs/bullmq';
import { Global, Module } from '@nestjs/common';
import { AppConfig } from '@ataa/config';
import { JobProducer } from './job-producer.js';
import { DEFAULT_JOB_OPTIONS, QUEUES } from './queues.js';
import { bullConnection, queuePrefixOf } from './redis-clients.js';

const queueRegistrations = Object.values(QUEUES).map((name) => ({ name }));

/**
 * The BullMQ connection (one Redis server, a Redis Cluster or Sentinel; one key prefix per deployment
 * or test run, hash-tagged on a cluster) and every queue.
 */
@Global()
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        connection: bullConnection(config),
        prefix: queuePrefixOf(config),
        defaultJobOptions: DEFAULT_JOB_OPTIONS,
      }),
    }),
    BullModule.registerQueue(...queueRegistrations),
  ],
  providers: [JobProducer],
  exports: [BullModule, JobProducer],
})
export class QueueModule {}
