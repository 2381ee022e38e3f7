export { createLogger, NestPinoLogger, type AppLogger } from './logger.js';
export { MetricsService, type HttpRouteMetrics } from './metrics.service.js';
export { ObservabilityModule } from './observability.module.js';
export { lazyRequestLogger, RequestLogController, type RequestLogOptions } from './request-logging.js';
