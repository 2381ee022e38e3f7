import type { FastifyReply, FastifyRequest } from 'fastify';
import { toProblem } from './problem.js';

export function sendProblem(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const { problem, internal } = toProblem(error);
  if (internal !== undefined) {
    request.log.error({ err: internal, errorId: problem.errorId }, 'unhandled error');
  } else if (problem.status >= 500) {
    request.log.warn({ code: problem.code }, problem.detail ?? problem.title);
  }
  if (reply.sent) return;
  // Rate limits say when to come back in the standard header too (RFC 9110 section 10.2.3).
  if (typeof problem.retryAfterSeconds === 'number' && problem.retryAfterSeconds > 0) void reply.header('retry-after', String(Math.ceil(problem.retryAfterSeconds)));
  void reply.status(problem.status).header('content-type', 'application/problem+json; charset=utf-8').send(JSON.stringify(problem));
}
