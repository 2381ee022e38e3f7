import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';
import { AppConfig } from '@ataa/config';

export const CSRF_COOKIE = 'ataa_csrf';

/**
 * CSRF protection for the public donation form: @fastify/csrf-protection (secret in a cookie, token
 * in the form). Only the form's POST checks it; the webhook route does not (its signature is its
 * authentication). Registered at bootstrap, like helmet, so that Fastify's own error handling (400
 * for malformed JSON, 413 for oversized bodies) still reaches the problem filter.
 */
export async function registerCsrf(app: NestFastifyApplication, config: AppConfig): Promise<void> {
  const secure = config.PUBLIC_BASE_URL.startsWith('https:');
  await app.register(fastifyCookie as never);
  await app.register(fastifyCsrf as never, {
    sessionPlugin: '@fastify/cookie',
    cookieKey: CSRF_COOKIE,
    cookieOpts: { path: '/c', httpOnly: true, sameSite: 'lax', secure, signed: false },
    getToken: (req: { body?: Record<string, unknown> }) => (typeof req.body?._csrf === 'string' ? req.body._csrf : undefined),
  });
}

/**
 * Whether a form post carries a valid CSRF token for its cookie. The plugin answers failures with
 * reply.send(error); the pages render their own refusal instead, so it is called with a stand-in reply.
 */
export async function csrfTokenValid(request: FastifyRequest): Promise<boolean> {
  const server = request.server as unknown as { csrfProtection?: (req: unknown, reply: unknown, done: () => void) => void };
  if (!server.csrfProtection) return false;
  return new Promise((resolve) => {
    server.csrfProtection!(request, { send: () => resolve(false), unsignCookie: () => ({ value: undefined }) }, () => resolve(true));
  });
}
