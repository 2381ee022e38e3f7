import { LoggerService } from '@nestjs/common';
import pino, { DestinationStream, Logger } from 'pino';

export type AppLogger = Logger;

/**
 * One structured JSON logger for every process; fields are redacted where they could hold secrets.
 * Standard output unless a destination is given (tests read the lines back), written asynchronously
 * (sonic-boom): a line is queued, and lines logged while a write is in flight leave together in the
 * next one, so a busy process makes few writes and none blocks a request. Whatever is still queued is
 * written synchronously when the process exits (pino registers that flush), crash included.
 */
export function createLogger(level: string, name: string, destination?: DestinationStream): AppLogger {
  const options: pino.LoggerOptions = {
    name,
    level,
    base: { service: name },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["stripe-signature"]', '*.password', '*.token', '*.secret'],
      censor: '[redacted]',
    },
    formatters: { level: (label) => ({ level: label }) },
  };
  return pino(options, destination ?? pino.destination({ dest: 1, sync: false }));
}

/** Adapts pino to Nest's LoggerService so framework messages are JSON too. */
export class NestPinoLogger implements LoggerService {
  constructor(private readonly logger: AppLogger) {}

  log(message: unknown, context?: string): void {
    this.logger.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string): void {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string): void {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string): void {
    this.logger.trace({ context }, String(message));
  }
}
