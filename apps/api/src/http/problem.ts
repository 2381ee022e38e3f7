import { HttpException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DomainError } from '@ataa/common';

/** An RFC 9457 problem document with a stable machine-readable `code`. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail?: string;
  errors?: unknown[];
  errorId?: string;
  [key: string]: unknown;
}

const CODES_BY_STATUS: Record<number, string> = {
  400: 'bad_request', 401: 'unauthorized', 403: 'forbidden', 404: 'not_found', 405: 'method_not_allowed',
  406: 'not_acceptable', 409: 'conflict', 410: 'gone', 413: 'payload_too_large', 414: 'uri_too_long', 415: 'unsupported_media_type',
  422: 'unprocessable', 429: 'rate_limited', 503: 'service_unavailable',
};

const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'malformed_json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'malformed_json',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad_request',
  // The router's own refusals: a path that does not percent-decode to UTF-8, an over-long parameter.
  FST_ERR_BAD_URL: 'malformed_url',
  FST_ERR_ASYNC_CONSTRAINT: 'bad_request',
};

const FASTIFY_DETAILS: Record<string, string> = {
  malformed_json: 'The request body is not valid JSON',
  payload_too_large: 'The request body is too large',
  malformed_url: 'The URL is not valid (its path must percent-decode to UTF-8)',
  uri_too_long: 'A path parameter is too long',
};

function titleFor(status: number): string {
  return CODES_BY_STATUS[status]?.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase()) ?? 'Error';
}

export interface ProblemWithLog {
  problem: Problem;
  /** Set for unexpected errors: what to log next to the error id. */
  internal?: unknown;
}

/** Maps any thrown value to a problem. Unknown errors become a 500 with an error id and no internals. */
export function toProblem(error: unknown): ProblemWithLog {
  if (error instanceof DomainError) {
    return {
      // The error's details first: a detail named like a problem member (a campaign's `status`) must
      // never replace the problem's own (it made the answer a 500).
      problem: {
        ...(error.details ?? {}),
        type: `https://ataa.dev/problems/${error.code}`,
        title: titleFor(error.status),
        status: error.status,
        code: error.code,
        detail: error.message,
      },
    };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const response = error.getResponse();
    const body = typeof response === 'object' && response !== null ? (response as Record<string, unknown>) : {};
    // Nest wraps Fastify's own errors (body parsing, size limits) and keeps them as the cause.
    const fastifyCode = (error.cause as { code?: string } | undefined)?.code;
    if (fastifyCode && FASTIFY_CODES[fastifyCode]) return toProblem(error.cause);
    const code = typeof body.code === 'string' ? body.code : CODES_BY_STATUS[status] ?? (status >= 500 ? 'internal_error' : 'bad_request');
    const message = Array.isArray(body.message) ? body.message.join('; ') : typeof body.message === 'string' ? body.message : error.message;
    if (status >= 500 && status !== 503) return internal(error);
    // Readiness failures say which dependency is down (terminus puts it in `details`).
    const checks = status === 503 && body.details ? { checks: body.details } : {};
    return { problem: { type: `https://ataa.dev/problems/${code}`, title: titleFor(status), status, code, detail: message, ...checks } };
  }
  const fastifyError = error as { code?: string; statusCode?: number; message?: string };
  if (typeof fastifyError?.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    const status = fastifyError.statusCode;
    const code = (fastifyError.code && FASTIFY_CODES[fastifyError.code]) ?? CODES_BY_STATUS[status] ?? 'bad_request';
    const detail = FASTIFY_DETAILS[code] ?? titleFor(status);
    return { problem: { type: `https://ataa.dev/problems/${code}`, title: titleFor(status), status, code, detail } };
  }
  return internal(error);
}

function internal(error: unknown): ProblemWithLog {
  const errorId = randomUUID();
  return {
    problem: {
      type: 'https://ataa.dev/problems/internal_error',
      title: 'Internal server error',
      status: 500,
      code: 'internal_error',
      detail: `Something went wrong on our side. Quote error id ${errorId} if you contact support.`,
      errorId,
    },
    internal: error,
  };
}
