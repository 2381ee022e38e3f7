import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { Module, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import { AppConfig } from '@ataa/config';
import { OperatorAccountsService, OperatorsModule } from '@ataa/operators';
import { JobProducer } from '@ataa/queue';
import { operatorCookie } from '../operator-console/console-context.js';

export const QUEUE_DASHBOARD_PATH = '/operator/queues';

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** `Authorization: Bearer <OPERATOR_TOKEN>`, or Basic with the token as password (so a browser can log in). */
export function operatorAuthorized(header: string | undefined, token: string | undefined): boolean {
  if (!token || !header) return false;
  const [scheme, value = ''] = header.split(' ', 2);
  if (/^bearer$/i.test(scheme)) return sameSecret(value.trim(), token);
  if (/^basic$/i.test(scheme)) {
    const decoded = Buffer.from(value.trim(), 'base64').toString('utf8');
    return sameSecret(decoded.slice(decoded.indexOf(':') + 1), token);
  }
  return false;
}

/**
 * The dashboard reads through BullMQ's connections, which queue commands while Redis is away (the
 * worker needs that); a page must not wait for the whole outage. It fails closed: a request not
 * answered within DASHBOARD_REDIS_BOUND_MS gets 503 (there is nothing to show without Redis). The
 * commands left queued run, harmlessly, once Redis is back.
 */
const DASHBOARD_REDIS_BOUND_MS = 900;

function boundWhileRedisAway(reply: FastifyReply): void {
  const timer = setTimeout(() => {
    if (reply.sent) return;
    void reply.code(503).type('application/problem+json')
      .send({ type: 'about:blank', title: 'Service Unavailable', status: 503, code: 'service_unavailable', detail: 'Redis did not answer; try again shortly' });
  }, DASHBOARD_REDIS_BOUND_MS);
  reply.raw.once('close', () => clearTimeout(timer));
  reply.raw.once('finish', () => clearTimeout(timer));
}

/**
 * Bull Board for operators at /operator/queues: every queue, its jobs, failures and retries.
 * Registered as an encapsulated Fastify plugin whose onRequest hook refuses anyone without the
 * operator token or a signed-in operator console session (its `ataa_operator` cookie is also set
 * for this path) before any dashboard route (pages, static files, API) runs. The cookie is
 * SameSite=Lax: another site cannot make a browser send it with the board's POST/PUT calls.
 */
@Module({ imports: [OperatorsModule] })
export class QueueDashboardModule implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly producer: JobProducer,
    private readonly config: AppConfig,
    private readonly operators: OperatorAccountsService,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify) return;
    const serverAdapter = new FastifyAdapter();
    serverAdapter.setBasePath(QUEUE_DASHBOARD_PATH);
    createBullBoard({
      queues: this.producer.all().map((queue) => new BullMQAdapter(queue, { readOnlyMode: false })),
      // @bull-board/fastify pins its own copy of @bull-board/api: same shape, distinct type.
      serverAdapter: serverAdapter as never,
      options: { uiConfig: { boardTitle: 'Ataa queues' } },
    });
    const token = this.config.OPERATOR_TOKEN;
    void fastify.register(async (scope: FastifyInstance) => {
      scope.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
        if (operatorAuthorized(request.headers.authorization, token) || (await this.operators.authenticate(operatorCookie(request)))) {
          return boundWhileRedisAway(reply);
        }
        await reply
          .code(401)
          .header('www-authenticate', 'Basic realm="Ataa operator", charset="UTF-8"')
          .type('application/problem+json')
          .send({ type: 'about:blank', title: 'Unauthorized', status: 401, code: 'unauthorized', detail: 'Operator credentials are required' });
      });
      await scope.register(serverAdapter.registerPlugin() as never, { prefix: QUEUE_DASHBOARD_PATH });
    });
  }
}
