import type { FastifyBaseLogger } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { MetricsService, RequestLogController } from '@ataa/observability';

/**
 * A server fast path: answers a request straight from Node's request event, before Fastify and Nest,
 * or says (false, or a promise of false) that the route must answer it; nothing may have been
 * written then. The tiles' and the campaign page's (create-api-app.ts runs them in turn).
 */
export type FastPath = (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;

export interface FastAnswerRecording {
  metrics: MetricsService;
  logs: RequestLogController;
  log: FastifyBaseLogger;
}

/**
 * Counts and logs a fast path's answers as the route's own: under the route's metrics label, with
 * the line Fastify's request logging would write (sampled alike).
 */
export function fastAnswerRecorder(method: string, route: string, options: FastAnswerRecording): (req: IncomingMessage, id: string, status: number, started: number) => void {
  const metrics = options.metrics.httpRoute(method, route);
  return (req, id, status, started) => {
    const responseTime = performance.now() - started;
    metrics.record(status, responseTime / 1000);
    if (options.logs.shouldLog(options.log, status, responseTime)) {
      // the shape Fastify's serializers give a request line
      options.log.child({ reqId: id }).info({
        req: { method: req.method, url: req.url, headers: req.headers, host: req.headers.host, ip: req.socket.remoteAddress, socket: req.socket },
        res: { statusCode: status }, responseTime,
      }, 'request completed');
    }
  };
}

/** The fast paths in turn: the first to answer wins (each declines synchronously what is not its own). */
export function firstFastPath(...paths: FastPath[]): FastPath {
  return (req, res) => {
    for (const path of paths) {
      const answered = path(req, res);
      if (answered !== false) return answered;
    }
    return false;
  };
}
