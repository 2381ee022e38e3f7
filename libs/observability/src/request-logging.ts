import { LogController } from 'fastify';
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import type { Bindings, ChildLoggerOptions, LevelWithSilent } from 'pino';

type LogMethod = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/**
 * A request's logger that becomes a pino child (bindings: the request id) only when something is
 * logged at an enabled level. Fastify makes one child per request; pino serializes the bindings at
 * once (through the redaction's wildcard paths), which for a request that logs nothing (most of
 * them, see RequestLogController) was 2% of the API's CPU on a tiny JSON answer.
 */
class LazyChildLogger implements FastifyBaseLogger {
  private real: FastifyBaseLogger | undefined;

  constructor(
    private readonly parent: FastifyBaseLogger & { isLevelEnabled(level: string): boolean },
    private readonly bindings: Bindings,
  ) {}

  private logger(): FastifyBaseLogger {
    return (this.real ??= this.parent.child(this.bindings));
  }
  private write(level: LogMethod, args: unknown[]): void {
    if (this.isLevelEnabled(level)) (this.logger()[level] as (...a: unknown[]) => void)(...args);
  }

  isLevelEnabled(level: string): boolean {
    return this.real ? (this.real as unknown as { isLevelEnabled(l: string): boolean }).isLevelEnabled(level) : this.parent.isLevelEnabled(level);
  }
  get level(): LevelWithSilent | string {
    return this.real?.level ?? this.parent.level;
  }
  set level(level: string) {
    this.logger().level = level;
  }
  fatal(...args: unknown[]): void {
    this.write('fatal', args);
  }
  error(...args: unknown[]): void {
    this.write('error', args);
  }
  warn(...args: unknown[]): void {
    this.write('warn', args);
  }
  info(...args: unknown[]): void {
    this.write('info', args);
  }
  debug(...args: unknown[]): void {
    this.write('debug', args);
  }
  trace(...args: unknown[]): void {
    this.write('trace', args);
  }
  silent(): void {}
  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.logger().child(bindings, options);
  }
}

/** Fastify's `childLoggerFactory`: request loggers made lazily (options such as a route's log level: at once). */
export function lazyRequestLogger(logger: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger {
  const parent = logger as FastifyBaseLogger & { isLevelEnabled?: (level: string) => boolean };
  if (Object.keys(options).length > 0 || typeof parent.isLevelEnabled !== 'function') return logger.child(bindings, options);
  return new LazyChildLogger(parent as FastifyBaseLogger & { isLevelEnabled(level: string): boolean }, bindings);
}

const levelEnabled = (logger: FastifyBaseLogger, level: string): boolean =>
  typeof (logger as { isLevelEnabled?: unknown }).isLevelEnabled === 'function' ? (logger as unknown as { isLevelEnabled(l: string): boolean }).isLevelEnabled(level) : true;

export interface RequestLogOptions {
  /** Share of fast successful requests logged (0 to 1; 1 logs every request). */
  sampleRate: number;
  /** Requests slower than this (milliseconds) are always logged. */
  slowMs: number;
}

/**
 * Fastify's request lines, one per request instead of two: no "incoming request" line, and the
 * "request completed" line carries the request (method, url, ...) with the response and its time.
 * Errors, 5xx answers and slow requests are always logged; other requests at `sampleRate`.
 */
export class RequestLogController extends LogController {
  private readonly sampleRate: number;
  private readonly slowMs: number;

  constructor(options: RequestLogOptions) {
    super();
    this.sampleRate = Math.min(1, Math.max(0, options.sampleRate));
    this.slowMs = options.slowMs;
  }

  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (error) {
      reply.log.error({ req: request, res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored');
      return;
    }
    // the level first: reading the elapsed time is work a request that logs nothing should not do
    if (!levelEnabled(reply.log, 'info')) return;
    const responseTime = reply.elapsedTime;
    if (!this.sampled(reply.statusCode, responseTime)) return;
    reply.log.info({ req: request, res: reply, responseTime }, 'request completed');
  }

  /** Whether a completed request gets its line: errors, 5xx and slow requests always, others at the sample rate. */
  shouldLog(logger: FastifyBaseLogger, statusCode: number, responseTimeMs: number): boolean {
    return levelEnabled(logger, 'info') && this.sampled(statusCode, responseTimeMs);
  }

  private sampled(statusCode: number, responseTimeMs: number): boolean {
    return statusCode >= 500 || responseTimeMs >= this.slowMs || this.sampleRate >= 1 || Math.random() < this.sampleRate;
  }
}
