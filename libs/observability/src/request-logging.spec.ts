import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import { createLogger } from './logger.js';
import { lazyRequestLogger, RequestLogController } from './request-logging.js';

type Line = Record<string, any>;

function capture(level: string) {
  const raw: string[] = [];
  const logger = createLogger(level, 'log-unit', { write: (line: string) => void raw.push(line) });
  return { logger, lines: (): Line[] => raw.map((l) => JSON.parse(l)) };
}

function exchange(log: FastifyBaseLogger, statusCode: number, elapsedTime: number) {
  const request = { id: 'r1', method: 'GET', url: '/x', log } as unknown as FastifyRequest;
  const reply = { statusCode, elapsedTime, log, request } as unknown as FastifyReply;
  return { request, reply };
}

describe('lazyRequestLogger', () => {
  it('logs with the request id like a pino child', () => {
    const { logger, lines } = capture('info');
    const log = lazyRequestLogger(logger, { reqId: 'abc' }, {});
    log.info({ n: 1 }, 'hello');
    log.child({ step: 'two' }).warn('again');
    expect(lines()).toEqual([
      expect.objectContaining({ level: 'info', reqId: 'abc', n: 1, msg: 'hello', service: 'log-unit' }),
      expect.objectContaining({ level: 'warn', reqId: 'abc', step: 'two', msg: 'again' }),
    ]);
  });

  it('writes nothing below the level and still redacts', () => {
    const { logger, lines } = capture('warn');
    const log = lazyRequestLogger(logger, { reqId: 'abc' }, {});
    log.info('not written');
    log.debug('not written');
    log.error({ user: { password: 'hunter2' } }, 'failed');
    expect(lines()).toEqual([expect.objectContaining({ level: 'error', reqId: 'abc', user: { password: '[redacted]' } })]);
    expect(log.level).toBe('warn');
  });

  it('makes a real child at once when given options (a route log level)', () => {
    const { logger, lines } = capture('warn');
    const log = lazyRequestLogger(logger, { reqId: 'abc' }, { level: 'debug' });
    log.debug('route debug');
    expect(lines()).toEqual([expect.objectContaining({ level: 'debug', reqId: 'abc' })]);
  });
});

describe('RequestLogController', () => {
  it('logs every request at 100%, as one completion line with request and response', () => {
    const { logger, lines } = capture('info');
    const controller = new RequestLogController({ sampleRate: 1, slowMs: 1000 });
    const { request, reply } = exchange(logger, 200, 3);
    controller.incomingRequest();
    controller.requestCompleted(null, request, reply);
    expect(lines()).toEqual([expect.objectContaining({ msg: 'request completed', responseTime: 3 })]);
  });

  it('does no work for a successful request when info is not logged', () => {
    const { logger, lines } = capture('warn');
    const controller = new RequestLogController({ sampleRate: 1, slowMs: 0 });
    const request = { id: 'r1', method: 'GET', url: '/x' } as unknown as FastifyRequest;
    const reply = { statusCode: 200, log: lazyRequestLogger(logger, { reqId: 'r1' }, {}), request, get elapsedTime(): number { throw new Error('timed') } } as unknown as FastifyReply;
    expect(() => controller.requestCompleted(null, request, reply)).not.toThrow();
    expect(lines()).toEqual([]);
  });

  it('at 0% logs only 5xx answers, errors and slow requests', () => {
    const { logger, lines } = capture('info');
    const controller = new RequestLogController({ sampleRate: 0, slowMs: 500 });
    const log = (status: number, ms: number, error: Error | null = null) => {
      const { request, reply } = exchange(logger, status, ms);
      controller.requestCompleted(error, request, reply);
    };
    log(200, 2);
    log(404, 2);
    log(503, 2);
    log(200, 800);
    log(200, 2, new Error('stream broke'));
    expect(lines().map((l) => [l.level, l.msg, l.responseTime])).toEqual([
      ['info', 'request completed', 2],
      ['info', 'request completed', 800],
      ['error', 'request errored', 2],
    ]);
  });

  it('answers for requests served outside Fastify (the tile fast path) by the same rules', () => {
    const quiet = new RequestLogController({ sampleRate: 0, slowMs: 100 });
    const { logger } = capture('info');
    expect(quiet.shouldLog(logger, 200, 3)).toBe(false);
    expect(quiet.shouldLog(logger, 304, 99)).toBe(false);
    expect(quiet.shouldLog(logger, 200, 100)).toBe(true);
    expect(quiet.shouldLog(logger, 503, 1)).toBe(true);
    expect(new RequestLogController({ sampleRate: 1, slowMs: 100 }).shouldLog(logger, 200, 1)).toBe(true);
    expect(new RequestLogController({ sampleRate: 1, slowMs: 100 }).shouldLog(capture('warn').logger, 500, 1)).toBe(false);
  });
});
