import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpException } from '@nestjs/common';
import { DomainError } from '@ataa/common';
import { CONSOLE_PATH, consoleLanguage, consoleShellData } from './console-context.js';
import { CONSOLE_MESSAGES } from './console-messages.js';

/** Whether a request is the console's (its errors are pages, never problem documents). */
export function isConsoleRequest(request: FastifyRequest): boolean {
  const path = request.url.split('?')[0];
  return path === CONSOLE_PATH || path.startsWith(`${CONSOLE_PATH}/`);
}

function statusOf(exception: unknown): number {
  if (exception instanceof DomainError) return exception.status;
  if (exception instanceof HttpException) return exception.getStatus();
  const status = (exception as { statusCode?: unknown })?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 600 ? status : 500;
}

/** The console's 404 / 403 / 500 (and other 4xx) page, in its style and the visitor's language. */
export function sendConsoleError(exception: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const status = statusOf(exception);
  if (status >= 500) request.log.error({ err: exception }, 'operator console page failed');
  const language = consoleLanguage(request);
  const t = CONSOLE_MESSAGES[language];
  const [title, message] = status === 404 ? [t.notFoundTitle, t.notFound] : status === 403 ? [t.forbiddenTitle, t.forbidden] : [t.errorPageTitle, status >= 500 ? t.errorPage : t.errorTitle];
  void reply.status(status).header('cache-control', 'no-store');
  void reply.view('console/message.hbs', {
    ...consoleShellData(request, reply, language, null, { title, anonymous: true }),
    heading: title, error: message, continueHref: CONSOLE_PATH, continueLabel: t.backHome, testid: `error-${status}`,
  });
}
