import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomBytes } from 'node:crypto';
import { AppConfig } from '@ataa/config';
import { CSRF_TOKEN_RENEW_AFTER_MS, csrfTokenIssuedAt, deriveCsrfKey, mintCsrfToken, verifyCsrfSubmission } from './csrf-token.js';
import { cookieOf } from '../http/cookies.js';

export const CSRF_COOKIE = 'ataa_csrf';
/** Where each form's cookie lives: the campaign pages under /c, the invitation page under /invitations, the privacy pages under /privacy, the dashboard, the operator console, the donor page under /donor. */
export type CsrfCookiePath = '/c' | '/invitations' | '/privacy' | '/dashboard' | '/console' | '/donor' | '/recurring' | '/scheduled';

export interface CsrfState {
  key: Buffer;
  /** `Set-Cookie` attributes after the value, per path (built once). */
  attributes: Record<CsrfCookiePath, string>;
}

const STATE = Symbol('ataa.csrf');

/**
 * CSRF protection for the public forms (donation form, invitation page): a stateless signed double
 * submit (`csrf-token.ts`), the token in an HttpOnly, SameSite=Lax cookie (Secure on https) and in
 * the form. Nothing is stored and nothing is minted per request for a visitor who already holds a
 * valid token, so a page can be served from a cache with only the token spliced in. Only the forms'
 * POSTs check it; the webhook route does not (its signature is its authentication). Registered at
 * bootstrap, like helmet, so that Fastify's own error handling still reaches the problem filter.
 */
export async function registerCsrf(app: NestFastifyApplication, config: AppConfig): Promise<void> {
  const secure = config.PUBLIC_BASE_URL.startsWith('https:');
  const attributes = (path: string) => `; Path=${path}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
  const state: CsrfState = {
    // Without AUTH_SECRET (never in production: it is required there) tokens last as long as the process.
    key: deriveCsrfKey(config.AUTH_SECRET ?? randomBytes(32)),
    attributes: { '/c': attributes('/c'), '/invitations': attributes('/invitations'), '/privacy': attributes('/privacy'), '/dashboard': attributes('/dashboard'), '/console': attributes('/console'), '/donor': attributes('/donor'), '/recurring': attributes('/recurring'), '/scheduled': attributes('/scheduled') },
  };
  app.getHttpAdapter().getInstance().decorate(STATE, state);
}

function stateOf(request: FastifyRequest): CsrfState | undefined {
  return (request.server as unknown as Record<symbol, CsrfState | undefined>)[STATE];
}

/**
 * The token a page's form carries: the visitor's own while it is valid and not due for renewal
 * (no Set-Cookie then), else a new one, set as the cookie on `reply`. Two visitors never share one.
 */
export function issueCsrfToken(request: FastifyRequest, reply: FastifyReply, path: CsrfCookiePath, now: number = Date.now()): string {
  const state = stateOf(request);
  if (!state) return '';
  const { token, setCookie } = csrfTokenFor(state, cookieOf(request, CSRF_COOKIE), path, now);
  if (setCookie !== null) void reply.header('set-cookie', setCookie);
  return token;
}

/** The CSRF state registered on a Fastify instance (for the server's fast path, which has no Fastify request). */
export function csrfStateOf(fastify: unknown): CsrfState | undefined {
  return (fastify as Record<symbol, CsrfState | undefined>)[STATE];
}

/** The token for a visitor holding `held` (their cookie's value): theirs while valid and not due for renewal, else a new one and its `Set-Cookie`. */
export function csrfTokenFor(state: CsrfState, held: unknown, path: CsrfCookiePath, now: number = Date.now()): { token: string; setCookie: string | null } {
  const issued = csrfTokenIssuedAt(state.key, held);
  if (issued !== null && issued <= now + 60_000 && now - issued < CSRF_TOKEN_RENEW_AFTER_MS) return { token: held as string, setCookie: null };
  const token = mintCsrfToken(state.key, now);
  return { token, setCookie: `${CSRF_COOKIE}=${token}${state.attributes[path]}` };
}

/** Whether a form post carries the CSRF token of its cookie, signed by us and not expired. */
export async function csrfTokenValid(request: FastifyRequest): Promise<boolean> {
  const body = request.body as Record<string, unknown> | undefined;
  return csrfValueValid(request, body?._csrf);
}

/** The same check for a token read from elsewhere than the parsed body (a multipart form's fields). */
export async function csrfValueValid(request: FastifyRequest, submitted: unknown): Promise<boolean> {
  const state = stateOf(request);
  if (!state) return false;
  return verifyCsrfSubmission(state.key, cookieOf(request, CSRF_COOKIE), submitted);
}
