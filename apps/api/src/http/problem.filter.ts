import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isDashboardRequest, sendDashboardError } from '../dashboard/dashboard-errors.js';
import { isConsoleRequest, sendConsoleError } from '../operator-console/console-errors.js';
import { sendProblem } from './send-problem.js';

/** The single exception filter: every error leaves as application/problem+json (the dashboard's and the operator console's as their error pages). */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    // The dashboard's errors are pages in its style (no JSON under /dashboard).
    if (isDashboardRequest(request)) return sendDashboardError(exception, request, http.getResponse<FastifyReply>());
    if (isConsoleRequest(request)) return sendConsoleError(exception, request, http.getResponse<FastifyReply>());
    sendProblem(exception, request, http.getResponse<FastifyReply>());
  }
}
