import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '@ataa/config';
import { ObservabilityModule } from '@ataa/observability';
import { dataSourceOptions } from './data-source-options.js';
import { TransactionRunner } from './transaction-runner.js';
import { ReadReplicas } from './read-replicas/read-replicas.service.js';

@Global()
@Module({
  imports: [
    // The replicas' gauges register in the process's metrics (global in the apps; imported for other contexts).
    ObservabilityModule,
    TypeOrmModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        ...dataSourceOptions(config.DATABASE_URL),
        autoLoadEntities: true,
        extra: { max: config.DATABASE_POOL_SIZE, application_name: 'ataa' },
        retryAttempts: 3,
        retryDelay: 1000,
        logging: false,
      }),
    }),
  ],
  providers: [TransactionRunner, ReadReplicas],
  exports: [TransactionRunner, ReadReplicas],
})
export class DatabaseModule {}
