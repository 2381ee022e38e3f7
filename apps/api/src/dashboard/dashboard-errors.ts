import { HttpException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '@ataa/common';
import { DASHBOARD_PATH, dashboardLanguage, SECURITY_PATH, shellData, TwoFactorEnrolmentRequired } from './dashboard-context.js';
import { DASHBOARD_MESSAGES } from './dashboard-messages.js';

/** Whether a request is the dashboard's (its errors are pages, never problem documents). */
export function isDashboardRequest(request: FastifyRequest): boolean {
  const path = request.url.split('?')[0];
  return path === DASHBOARD_PATH || path.startsWith(`${DASHBOARD_PATH}/`);
}

function statusOf(exception: unknown): number {
  if (exception instanceof DomainError) return exception.status;
  if (exception instanceof HttpException) return exception.getStatus();
  const status = (exception as { statusCode?: unknown })?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 600 ? status : 500;
}

/** The dashboard's 404 / 403 / 500 (and other 4xx) page, in its style and the visitor's language. */
export function sendDashboardError(exception: unknown, request: FastifyRequest, reply: FastifyReply): void {
  if (exception instanceof TwoFactorEnrolmentRequired) {
    // Not an error to show: the way on is enrolment, whose page explains why.
    void reply.status(303).header('location', `${SECURITY_PATH}?required=payouts`).header('cache-control', 'no-store').send();
    return;
  }
  const status = statusOf(exception);
  if (status >= 500) request.log.error({ err: exception }, 'dashboard page failed');
  const language = dashboardLanguage(request);
  const t = DASHBOARD_MESSAGES[language];
  const [title, message] = status === 404 ? [t.notFoundTitle, t.notFound] : status === 403 ? [t.forbiddenTitle, t.forbidden] : [t.errorPageTitle, status >= 500 ? t.errorPage : DASHBOARD_MESSAGES[language].errorTitle];
  void reply.status(status).header('cache-control', 'no-store');
  void reply.view('dashboard/message.hbs', {
    ...shellData(request, reply, language, null, { title, anonymous: true }),
    heading: title, error: message, continueHref: DASHBOARD_PATH, continueLabel: t.backHome, testid: `error-${status}`,
  });
}
