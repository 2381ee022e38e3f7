import { DynamicModule, Module, Type } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { AppConfig, ConfigModule } from '@ataa/config';
import { DatabaseModule } from '@ataa/database';
import { ObservabilityModule } from '@ataa/observability';
import { PaymentsModule } from '@ataa/payments';
import { QueueModule } from '@ataa/queue';
import { HealthController } from './health/health.controller.js';
import { RedisHealthIndicator } from './health/redis-health.indicator.js';
import { MetricsController } from './metrics/metrics.controller.js';
import { MetaController } from './meta/meta.controller.js';
import { OrganizationsApiModule } from './organizations/organizations-api.module.js';
import { DonationsApiModule } from './donations/donations-api.module.js';
import { WebhooksApiModule } from './webhooks/webhooks-api.module.js';
import { TransparencyHttpModule } from './transparency/transparency-http.module.js';
import { DiscoveryHttpModule } from './discovery/discovery-http.module.js';
import { NotificationsApiModule } from './notifications/notifications-api.module.js';
import { QueueDashboardModule } from './operator/queue-dashboard.module.js';
import { CloseOutApiModule } from './closeout/closeout-api.module.js';
import { PayoutsApiModule } from './payouts/payouts-api.module.js';
import { ReconciliationApiModule } from './reconciliation/reconciliation-api.module.js';
import { InvitationPagesModule } from './invitation-pages/invitation-pages.module.js';
import { PrivacyApiModule } from './privacy/privacy-api.module.js';
import { DonorsApiModule } from './donors/donors-api.module.js';
import { RecurringApiModule } from './recurring/recurring-api.module.js';
import { ModerationApiModule } from './moderation/moderation-api.module.js';
import { DashboardModule } from './dashboard/dashboard.module.js';
import { UpdatesApiModule } from './updates/updates-api.module.js';
import { OperatorConsoleModule } from './operator-console/operator-console.module.js';

/** The HTTP application: every controller lives in apps/api; the work is done by the libs. */
@Module({})
export class ApiModule {
  static forRoot(config: AppConfig, extraImports: Type[] = []): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        ConfigModule.forRoot(config),
        ObservabilityModule,
        DatabaseModule,
        QueueModule,
        PaymentsModule,
        TerminusModule.forRoot({ logger: false, errorLogStyle: "json" }),
        OrganizationsApiModule,
        DonationsApiModule,
        WebhooksApiModule,
        TransparencyHttpModule,
        DiscoveryHttpModule,
        NotificationsApiModule,
        QueueDashboardModule,
        CloseOutApiModule,
        PayoutsApiModule,
        ReconciliationApiModule,
        InvitationPagesModule,
        PrivacyApiModule,
        DonorsApiModule,
        RecurringApiModule,
        ModerationApiModule,
        UpdatesApiModule,
        DashboardModule,
        OperatorConsoleModule,
        ...extraImports,
      ],
      controllers: [HealthController, MetricsController, MetaController],
      providers: [RedisHealthIndicator],
    };
  }
}
