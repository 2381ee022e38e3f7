import { DynamicModule, Module, Type } from '@nestjs/common';
import { AppConfig, ConfigModule } from '@ataa/config';
import { DatabaseModule } from '@ataa/database';
import { ObservabilityModule } from '@ataa/observability';
import { PaymentsModule } from '@ataa/payments';
import { QueueModule } from '@ataa/queue';
import { UpdatesModule } from '@ataa/updates';
import { NotificationsWorkerModule } from './notifications/notifications-worker.module.js';
import { StripeEventsWorkerModule } from './stripe-events/stripe-events-worker.module.js';
import { CloseOutWorkerModule } from './closeout/closeout-worker.module.js';
import { PayoutsWorkerModule } from './payouts/payouts-worker.module.js';
import { ScheduledWorkerModule } from './scheduled/scheduled-worker.module.js';
import { ReconciliationWorkerModule } from './reconciliation/reconciliation-worker.module.js';
import { PrivacyWorkerModule } from './privacy/privacy-worker.module.js';
import { DonorsWorkerModule } from './donors/donors-worker.module.js';
import { WitnessWorkerModule } from './transparency/witness-worker.module.js';
import { MatchingWorkerModule } from './matching/matching-worker.module.js';
import { WorkerErrorsModule } from './worker-errors.reporter.js';

/**
 * The worker serves no public reads: what it reads, it reads to write (a gift's log head, a payout's
 * cover), so from the primary. DATABASE_REPLICA_URLS (shared with the API in a deployment) is dropped
 * here, so its ReadReplicas has no replica: no pools to them, no lag checks, no gauges.
 */
export function withoutReadReplicas(config: AppConfig): AppConfig {
  if (config.DATABASE_REPLICA_URLS.length === 0) return config;
  return Object.assign(Object.create(Object.getPrototypeOf(config) as object) as AppConfig, config, { DATABASE_REPLICA_URLS: [] });
}

/**
 * The worker: the same libs as the API, no HTTP server. Processors are thin and call lib services.
 */
@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig, extraImports: Type[] = []): DynamicModule {
    return {
      module: WorkerModule,
      imports: [ConfigModule.forRoot(withoutReadReplicas(config)), ObservabilityModule, DatabaseModule, QueueModule, PaymentsModule, NotificationsWorkerModule, StripeEventsWorkerModule, CloseOutWorkerModule, PayoutsWorkerModule, ScheduledWorkerModule, ReconciliationWorkerModule, PrivacyWorkerModule, DonorsWorkerModule, WitnessWorkerModule, MatchingWorkerModule, UpdatesModule, WorkerErrorsModule, ...extraImports],
    };
  }
}
