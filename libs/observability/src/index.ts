export { createLogger, NestPinoLogger, type AppLogger } from './logger.js';
export { MetricsService } from './metrics.service.js';
export { ObservabilityModule } from './observability.module.js';
