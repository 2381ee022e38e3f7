import { Body, Controller, Get, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { OperatorAccountsService } from '@ataa/operators';
import { csrfTokenValid } from '../campaign-pages/csrf.setup.js';
import { FormRefusal, toRefusal } from '../dashboard/dashboard-context.js';
import { CONSOLE_PATH, ConsoleContext, safeConsoleNext, type ConsolePage } from './console-context.js';
import { CONSOLE_MESSAGES } from './console-messages.js';

type Fields = Record<string, unknown>;
const str = (fields: Fields, key: string): string => (typeof fields[key] === 'string' ? (fields[key] as string) : '');

/**
 * The console's sign-in, sign-out and language switch. Operator accounts are not organization users:
 * the credentials are checked against `operators` (argon2id, the login limits counted apart) and the
 * session is an `operator_sessions` row whose secret is only in the HttpOnly `ataa_operator` cookie.
 */
@ApiExcludeController()
@Controller('console')
export class ConsoleAccountsController {
  constructor(
    private readonly console: ConsoleContext,
    private readonly operators: OperatorAccountsService,
  ) {}

  @Get('sign-in')
  async signInPage(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const page = await this.console.page(request, reply);
    if (page.operator) return this.console.redirect(reply, CONSOLE_PATH);
    return this.form(page, 200, {});
  }

  @Post('sign-in')
  async signIn(@Body() body: Fields | undefined, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const page = await this.console.page(request, reply);
    const fields = body ?? {};
    const email = str(fields, 'email').trim();
    try {
      if (!(await csrfTokenValid(request))) throw new FormRefusal('csrf', 403);
      const password = str(fields, 'password');
      if (!email || !password || email.length > 254 || password.length > 256) throw new FormRefusal('validation_failed', 400);
      const session = await this.operators.signIn({ email, password }, request.ip);
      this.console.setSessionCookie(reply, session.cookieToken, session.expiresAt);
      return this.console.redirect(reply, CONSOLE_PATH);
    } catch (error) {
      const refusal = toRefusal(error);
      if (refusal.retryAfterSeconds !== undefined) void reply.header('retry-after', String(refusal.retryAfterSeconds));
      return this.form({ ...page, operator: null }, refusal.status, { error: this.console.errorMessage(page.language, refusal.code), values: { email } });
    }
  }

  @Post('sign-out')
  async signOut(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const page = await this.console.page(request, reply);
    if (!(await csrfTokenValid(request))) {
      return this.form({ ...page, operator: null }, 403, { error: this.console.errorMessage(page.language, 'csrf') });
    }
    if (page.operator) await this.operators.signOut(page.operator);
    this.console.clearSessionCookie(reply);
    return this.form({ ...page, operator: null }, 200, { notice: CONSOLE_MESSAGES[page.language].signedOut });
  }

  /** The language switch on every page: a form (no JavaScript), remembered in a cookie under /console. */
  @Post('language')
  async language(@Body() body: Fields | undefined, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const fields = body ?? {};
    if (!(await csrfTokenValid(request))) {
      const page = await this.console.page(request, reply);
      return this.form({ ...page, operator: null }, 403, { error: this.console.errorMessage(page.language, 'csrf') });
    }
    this.console.setLanguageCookie(reply, fields.language === 'ar' ? 'ar' : 'en');
    return this.console.redirect(reply, safeConsoleNext(fields.next));
  }

  private form(page: ConsolePage, status: number, data: Record<string, unknown>): Promise<void> {
    const t = CONSOLE_MESSAGES[page.language];
    return this.console.render(page, 'sign-in', { status, title: t.signInTitle }, { heading: t.signInTitle, values: {}, ...data });
  }
}
