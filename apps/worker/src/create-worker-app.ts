import { INestApplicationContext, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppConfig } from '@ataa/config';
import { AppLogger, createLogger, NestPinoLogger } from '@ataa/observability';
import { WorkerModule } from './worker.module.js';

/** Boots the worker's application context (no HTTP): used by `npm start` and by tests. */
export async function createWorkerApp(config: AppConfig, options: { logger?: AppLogger; imports?: Type[] } = {}): Promise<INestApplicationContext> {
  const logger = options.logger ?? createLogger(config.LOG_LEVEL, 'worker');
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config, options.imports ?? []), {
    logger: new NestPinoLogger(logger),
    abortOnError: false,
  });
  // No enableShutdownHooks: main.ts owns SIGTERM/SIGINT (in-flight work first, SHUTDOWN_GRACE_SECONDS).
  return app;
}
