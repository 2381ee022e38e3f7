import { WorkerHost } from '@nestjs/bullmq';
import { Injectable, Logger, Module, OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryModule, DiscoveryService } from '@nestjs/core';

/**
 * Listens to every BullMQ worker's `error` events (connection and internal errors; a job's own
 * failure is a `failed` event, handled by its retries). BullMQ retries a dropped or unblocked
 * connection by itself (a Redis restart, a Redis Cluster or Sentinel failover, where the old master
 * answers a blocked BZPOPMIN with UNBLOCKED); without a listener each one was printed as an
 * "Unhandled error" with its stack. One warning line every 10 s says the same.
 */
@Injectable()
export class WorkerErrorsReporter implements OnApplicationBootstrap {
  private readonly logger = new Logger('Workers');
  private lastLoggedAt = 0;

  constructor(private readonly discovery: DiscoveryService) {}

  onApplicationBootstrap(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      if (!(instance instanceof WorkerHost)) continue;
      let worker: WorkerHost['worker'];
      try {
        worker = instance.worker;
      } catch {
        continue; // not started (its module did not register a worker)
      }
      worker.on('error', (error: Error) => {
        if (Date.now() - this.lastLoggedAt < 10_000) return;
        this.lastLoggedAt = Date.now();
        this.logger.warn(`BullMQ worker ${worker.name}: ${(error as { code?: string }).code ?? error.message} (it reconnects and carries on; further errors within 10 s not logged)`);
      });
    }
  }
}

@Module({ imports: [DiscoveryModule], providers: [WorkerErrorsReporter] })
export class WorkerErrorsModule {}
