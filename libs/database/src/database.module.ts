import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '@ataa/config';
import { dataSourceOptions } from './data-source-options.js';
import { TransactionRunner } from './transaction-runner.js';

@Global()
@Module({
  imports: [
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
  providers: [TransactionRunner],
  exports: [TransactionRunner],
})
export class DatabaseModule {}
