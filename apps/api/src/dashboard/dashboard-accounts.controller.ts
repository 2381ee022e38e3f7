import { Body, Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isEmail } from 'class-validator';
import { requireUserText, TEXT_LIMITS } from '@ataa/common';
import { AccountsService, AuthService, passwordProblem, RateLimiter, rateLimitSubject } from '@ataa/organizations';
import { csrfTokenValid } from '../campaign-pages/csrf.setup.js';
import { fillIsolated } from '../http/isolate.js';
import { DASHBOARD_PATH, DashboardContext, FormRefusal, safeNext, SIGN_IN_CODE_PATH, toRefusal, type PageRequest } from './dashboard-context.js';
import { DASHBOARD_MESSAGES } from './dashboard-messages.js';

type Fields = Record<string, unknown>;
const str = (fields: Fields, key: string): string => (typeof fields[key] === 'string' ? (fields[key] as string) : '');

/**
 * The dashboard's account pages: sign up, sign in, sign out (here or everywhere), the language
 * switch, e-mail verification and password reset. Every rule is the organizations lib's (AuthService,
 * AccountsService): the same password hashing, limits and sessions as /api/v1/auth. Every form posts
 * with a CSRF token; a refused form is shown again with the message and the input kept.
 */
@ApiExcludeController()
@Controller('dashboard')
export class DashboardAccountsController {
  constructor(
    private readonly pages: DashboardContext,
    private readonly auth: AuthService,
    private readonly accounts: AccountsService,
    private readonly limiter: RateLimiter,
  ) {}

  @Get('sign-in')
  async signInPage(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const page = await this.pages.page(request, reply);
    if (page.user) return this.pages.redirect(reply, DASHBOARD_PATH);
    return this.form(page, 'sign-in', 200, {});
  }

  @Post('sign-in')
  async signIn(@Body() body: Fields | undefined, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const page = await this.pages.page(request, reply);
    const fields = body ?? {};
    const email = str(fields, 'email').trim();
    try {
      await this.checkCsrf(request);
      if (!email || !str(fields, 'password') || email.length > 254 || str(fields, 'password').length > 256) throw new FormRefusal('validation_failed', 400);
      const signIn = await this.auth.signInForPages({ email, password: str(fields, 'password') }, request.ip);
      if (signIn.kind === 'second-factor') {
        // Two-factor sign-in: no session yet, only the second step's short-lived cookie.
        this.pages.setChallengeCookie(reply, signIn.challengeToken, signIn.expiresAt);
        return this.pages.redirect(reply, SIGN_IN_CODE_PATH);
      }
      this.pages.setSessionCookie(reply, signIn.cookieToken, signIn.expiresAt);
      return this.pages.redirect(reply, DASHBOARD_PATH);
    } catch (error) {
      return this.refuse(page, 'sign-in', toRefusal(error), { email });
    }
  }

  @Get('sign-up')
  async signUpPage(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const page = await this.pages.page(request, reply);
    if (page.user) return this.pages.redirect(reply, DASHBOARD_PATH);
    return this.form(page, 'sign-up', 200, {});
  }

  @Post('sign-up')
  async signUp(@Body() body: Fields | undefined, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const page = await this.pages.page(request, reply);
    const fields = body ?? {};
    const values = { email: str(fields, 'email').trim(), displayName: str(fields, 'displayName') };
    try {
      await this.checkCsrf(request);
      // The same per-address limit as POST /api/v1/auth/signup, taken before anything is checked.
      await this.limiter.take([{ limit: 'signupsPerIp', subject: rateLimitSubject(request.ip) }]);
      let displayName: string;
      try {
        displayName = requireUserText('displayName', values.displayName, { min: 1, max: TEXT_LIMITS.personName });
      } catch {
        throw new FormRefusal(values.displayName.trim() ? 'invalid_text' : 'name_required', 400);
      }
      if (values.email.length > 254 || !isEmail(values.email, { allow_display_name: false, allow_ip_domain: false })) throw new FormRefusal('invalid_email', 400);
      const problem = passwordProblem(fields.password);
      if (problem) throw new FormRefusal(problem, 400);
      const session = await this.auth.signUpForPages({ email: values.email, password: str(fields, 'password'), displayName });
      this.pages.setSessionCookie(reply, session.cookieToken, session.expiresAt);
      await this.accounts.requestEmailVerification(session.userId, page.language);
      return this.pages.redirect(reply, DASHBOARD_PATH);
    } catch (error) {
      return this.refuse(page, 'sign-up', toRefusal(error), values);
    }
  }

  @Post('sign-out')
  async signOut(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const page = await this.pages.page(request, reply);
    if (!(await csrfTokenValid(request))) return this.refuse(page, 'sign-in', new FormRefusal('csrf', 403), {});
    if (page.user) await this.auth.logout(page.user.sessionId);
    this.pages.clearSessionCookie(reply);
    return this.pages.redirect(reply, `${DASHBOARD_PATH}/sign-in`);
  }

  @Post('sign-out-everywhere')
  async signOutEverywhere(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const page = await this.pages.page(request, reply);
    if (!(await csrfTokenValid(request))) return this.refuse(page, 'sign-in', new FormRefusal('csrf', 403), {});
    if (page.user) await this.auth.logoutEverywhere(page.user.userId);
    this.pages.clearSessionCookie(reply);
    return this.form({ ...page, user: null }, 'sign-in', 200, { notice: DASHBOARD_MESSAGES[page.language].signedOutEverywhere });
  }

  /** The language switch on every page: a form (no JavaScript), remembered in a cookie. */
  @Post('language')
  async language(@Body() body: Fields | undefined, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const fields = body ?? {};
    if (!(await csrfTokenValid(request))) {
      const page = await this.pages.page(request, reply);
      return this.refuse(page, 'sign-in', new FormRefusal('csrf', 403), {});
    }
    this.pages.setLanguageCookie(reply, fields.language === 'ar' ? 'ar' : 'en');
    return this.pages.redirect(reply, safeNext(fields.next));
  }

  @Post('verify-email/resend')
  async resendVerification(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const page = await this.pages.page(request, reply);
    if (!page.user) return this.pages.redirect(reply, `${DASHBOARD_PATH}/sign-in`);
    const t = DASHBOARD_MESSAGES[page.language];
    try {
      await this.checkCsrf(request);
      await this.accounts.requestEmailVerification(page.user.userId, page.language);
    } catch (error) {
      const refusal = toRefusal(error);
      return this.pages.render(page, 'message', { status: refusal.status, title: t.verifyTitle }, { heading: t.verifyTitle, error: this.pages.errorMessage(page.language, refusal.code) });
    }
    return this.pages.render(page, 'message', { title: t.verifyTitle }, { heading: t.verifyTitle, message: fillIsolated(t.verifySent, { email: page.user.email }), testid: 'verification-sent' });
  }

  /** The e-mailed link's page: it shows what the link does and POSTs the token (looking uses nothing). */
  @Get('verify-email')
  async verifyPage(@Query('token') token: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const page = await this.pages.page(request, reply);
    const link = await this.accounts.lookup(token, 'email_verification', request.ip).catch((e) => { toRefusal(e); return null; });
    const t = DASHBOARD_MESSAGES[page.language];
    if (!link || link.state !== 'usable') return this.unusable(page);
    return this.pages.render(page, 'link', { title: t.verifyTitle }, {
      heading: t.verifyTitle, lead: fillIsolated(t.verifyLead, { email: link.email! }), action: `${DASHBOARD_PATH}/verify-email`, token, submit: t.verifySubmit,
    });
  }

  @Post('verify-email')
  async verify(@Body() body: Fields | undefined, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const page = await this.pages.page(request, reply);
    const t = DASHBOARD_MESSAGES[page.language];
    try {
      await this.checkCsrf(request);
      const verified = await this.accounts.verifyEmail(str(body ?? {}, 'token'), request.ip);
      return this.pages.render(page, 'message', { title: t.verifiedTitle }, {
        heading: t.verifiedTitle, message: fillIsolated(t.verifiedLead, { email: verified.email }), continueHref: DASHBOARD_PATH, testid: 'verified',
      });
    } catch (error) {
      const refusal = toRefusal(error);
      if (refusal.code === 'link_unusable') return this.unusable(page);
      return this.pages.render(page, 'message', { status: refusal.status, title: t.verifyTitle }, { heading: t.verifyTitle, error: this.pages.errorMessage(page.language, refusal.code) });
    }
  }

  /** Without a token: the form asking for a link. With the e-mailed token: the new-password form. */
  @Get('reset-password')
  async resetPage(@Query('token') token: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const page = await this.pages.page(request, reply);
    if (token === undefined) return this.form(page, 'reset-request', 200, {});
    const link = await this.accounts.lookup(token, 'password_reset', request.ip).catch((e) => { toRefusal(e); return null; });
    if (!link || link.state !== 'usable') return this.unusable(page);
    return this.resetForm(page, 200, token as string, link.email!, null);
  }

  @Post('reset-password/request')
  async requestReset(@Body() body: Fields | undefined, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const page = await this.pages.page(request, reply);
    const email = str(body ?? {}, 'email').trim();
    const t = DASHBOARD_MESSAGES[page.language];
    try {
      await this.checkCsrf(request);
      if (email.length > 254 || !isEmail(email, { allow_display_name: false, allow_ip_domain: false })) throw new FormRefusal('invalid_email', 400);
      await this.accounts.requestPasswordReset(email, request.ip, page.language);
    } catch (error) {
      return this.refuse(page, 'reset-request', toRefusal(error), { email });
    }
    return this.pages.render(page, 'message', { title: t.resetSentTitle }, { heading: t.resetSentTitle, message: t.resetSent, testid: 'reset-sent' });
  }

  @Post('reset-password')
  async reset(@Body() body: Fields | undefined, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const page = await this.pages.page(request, reply);
    const fields = body ?? {};
    const token = str(fields, 'token');
    const t = DASHBOARD_MESSAGES[page.language];
    try {
      await this.checkCsrf(request);
      const problem = passwordProblem(fields.password);
      if (problem) throw new FormRefusal(problem, 400);
      await this.accounts.resetPassword(token, str(fields, 'password'), request.ip);
    } catch (error) {
      const refusal = toRefusal(error);
      if (refusal.code === 'link_unusable') return this.unusable(page);
      const link = await this.accounts.lookup(token, 'password_reset', request.ip).catch(() => null);
      if (!link || link.state !== 'usable') return this.unusable(page);
      if (refusal.retryAfterSeconds !== undefined) void reply.header('retry-after', String(refusal.retryAfterSeconds));
      return this.resetForm(page, refusal.status, token, link.email!, this.pages.errorMessage(page.language, refusal.code));
    }
    this.pages.clearSessionCookie(reply);
    return this.pages.render({ ...page, user: null }, 'message', { title: t.resetDoneTitle }, {
      heading: t.resetDoneTitle, message: t.resetDone, continueHref: `${DASHBOARD_PATH}/sign-in`, testid: 'reset-done',
    });
  }

  private async checkCsrf(request: FastifyRequest): Promise<void> {
    if (!(await csrfTokenValid(request))) throw new FormRefusal('csrf', 403);
  }

  private resetForm(page: PageRequest, status: number, token: string, email: string, error: string | null): Promise<void> {
    const t = DASHBOARD_MESSAGES[page.language];
    return this.pages.render(page, 'reset-password', { status, title: t.resetTitle }, { heading: t.resetTitle, lead: fillIsolated(t.resetLead, { email }), token, error });
  }

  private unusable(page: PageRequest): Promise<void> {
    const t = DASHBOARD_MESSAGES[page.language];
    return this.pages.render(page, 'message', { status: 410, title: t.linkUnusableTitle }, { heading: t.linkUnusableTitle, error: t.linkUnusable, testid: 'link-unusable' });
  }

  private form(page: PageRequest, view: 'sign-in' | 'sign-up' | 'reset-request', status: number, data: Record<string, unknown>): Promise<void> {
    const t = DASHBOARD_MESSAGES[page.language];
    const title = view === 'sign-in' ? t.signInTitle : view === 'sign-up' ? t.signUpTitle : t.resetRequestTitle;
    return this.pages.render(page, view, { status, title }, { heading: title, values: {}, ...data });
  }

  private refuse(page: PageRequest, view: 'sign-in' | 'sign-up' | 'reset-request', refusal: FormRefusal, values: Record<string, string>): Promise<void> {
    if (refusal.retryAfterSeconds !== undefined) void page.reply.header('retry-after', String(refusal.retryAfterSeconds));
    return this.form(page, view, refusal.status, { error: this.pages.errorMessage(page.language, refusal.code), values });
  }
}
