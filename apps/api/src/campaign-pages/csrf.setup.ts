import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
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
