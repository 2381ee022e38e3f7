import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import type { Refusal } from './domain/add-checkpoint.js';
import type { TrustedLog } from './domain/trusted-logs.js';
import type { CheckpointStore } from './persistence/checkpoint-store.js';
import type { WitnessService } from './witness.service.js';

export interface WitnessServerOptions {
  service: WitnessService;
  store: CheckpointStore;
  logs: readonly TrustedLog[];
  logger: Logger;
  /** Largest add-checkpoint body accepted (413 beyond). */
  bodyLimit: number;
}

/** The C2SP tlog-witness status codes' titles. */
const TITLES: Record<number, string> = {
  400: 'Bad request', 403: 'Forbidden', 404: 'Not found', 405: 'Method not allowed', 409: 'Conflict', 413: 'Payload too large',
  415: 'Unsupported media type', 422: 'Unprocessable content', 500: 'Internal server error', 503: 'Service unavailable',
};

/** Sends an RFC 9457 problem with a machine-readable `code`, as the platform's API does. */
function sendProblem(reply: FastifyReply, status: number, code: string, detail: string, extra: Record<string, unknown> = {}): FastifyReply {
  return reply
    .status(status)
    .header('content-type', 'application/problem+json; charset=utf-8')
    .send(JSON.stringify({ type: `https://ataa.dev/problems/${code}`, title: TITLES[status] ?? 'Error', status, code, detail, ...extra }));
}

function sendRefusal(reply: FastifyReply, refusal: Refusal): FastifyReply {
  if (refusal.code === 'old_size_mismatch') {
    // The spec: 409 with the latest cosigned size, in decimal and a newline, as text/x.tlog.size.
    return reply.status(409).header('content-type', 'text/x.tlog.size').send(`${refusal.latestSize}\n`);
  }
  return sendProblem(reply, refusal.status, refusal.code, refusal.detail);
}

const FASTIFY_CODES: Record<string, [number, string, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'payload_too_large', 'The request body is too large'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'bad_request', 'The Content-Length does not match the body'],
  FST_ERR_CTP_EMPTY_TYPE: [400, 'bad_request', 'The Content-Type is empty'],
  FST_ERR_CTP_INVALID_TYPE: [400, 'bad_request', 'The Content-Type is invalid'],
  FST_ERR_BAD_URL: [400, 'malformed_url', 'The URL is not valid'],
};

/**
 * The witness's HTTP interface: `POST /add-checkpoint` (C2SP tlog-witness), `GET /` (who it is: name,
 * vkey, trusted logs), `GET /vkey`, and the health checks. Fastify, structured logs with pino.
 */
export function createWitnessServer(options: WitnessServerOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    // One line per request, written by the onResponse hook below.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimit,
    // Logs keep HTTP connections open between checkpoints (the spec recommends keep-alive).
    keepAliveTimeout: 60_000,
    // A request still arriving after this long is cut off (slow clients must not hold connections).
    requestTimeout: 30_000,
  });

  // add-checkpoint bodies are text whatever the client labels them (Go clients send none or text/plain).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: options.bodyLimit }, (_request, body, done) => done(null, body));

  app.addHook('onResponse', async (request, reply) => {
    request.log.info({ method: request.method, url: request.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request completed');
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const known = error.code ? FASTIFY_CODES[error.code] : undefined;
    if (known) return sendProblem(reply, known[0], known[1], known[2]);
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      return sendProblem(reply, error.statusCode, 'bad_request', 'The request could not be read');
    }
    const errorId = randomUUID();
    request.log.error({ err: error, errorId }, 'unhandled error');
    return sendProblem(reply, 500, 'internal_error', 'The witness could not handle the request; nothing was cosigned', { errorId });
  });

  app.setNotFoundHandler((request, reply) => sendProblem(reply, 404, 'not_found', `No such endpoint: ${request.method} ${request.url.split('?')[0]}`));

  app.post('/add-checkpoint', async (request, reply) => {
    const body = request.body;
    if (!Buffer.isBuffer(body) || body.length === 0) return sendProblem(reply, 400, 'malformed_body', 'The request body is empty');
    const result = await options.service.addCheckpoint(body);
    if (result.kind === 'refuse') return sendRefusal(reply, result);
    return reply.status(200).header('content-type', 'text/plain; charset=utf-8').send(result.cosignature);
  });
  app.route({
    method: ['GET', 'HEAD', 'PUT', 'DELETE', 'PATCH'],
    url: '/add-checkpoint',
    handler: async (_request, reply) => sendProblem(reply.header('allow', 'POST'), 405, 'method_not_allowed', 'add-checkpoint is a POST'),
  });

  app.get('/', async (_request, reply) => {
    const lines = [
      'Ataa witness: C2SP tlog-witness (POST /add-checkpoint), cosignatures per C2SP tlog-cosignature (Ed25519, cosignature/v1).',
      '',
      `name: ${options.service.name}`,
      `vkey: ${options.service.vkey}`,
      '',
      'trusted logs (origin, or prefix ending in *, and the log key):',
      ...options.logs.map((log) => `  ${log.pattern} ${log.key.keyName}`),
    ];
    return reply.header('content-type', 'text/plain; charset=utf-8').send(`${lines.join('\n')}\n`);
  });
  app.get('/vkey', async (_request, reply) => reply.header('content-type', 'text/plain; charset=utf-8').send(`${options.service.vkey}\n`));

  app.get('/health/live', async () => ({ status: 'ok' }));
  app.get('/health/ready', async (request, reply) => {
    try {
      await options.store.ping();
      return { status: 'ok' };
    } catch (error) {
      request.log.warn({ err: error }, 'database not reachable');
      return sendProblem(reply, 503, 'database_unavailable', 'The witness cannot reach its database');
    }
  });
  return app;
}
