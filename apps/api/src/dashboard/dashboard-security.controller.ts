import { Body, Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import QRCode from 'qrcode';
import { localeFor } from '@ataa/notifications';
import { AuthService, groupedSecret, TwoFactorService, type PageUser } from '@ataa/organizations';
import { csrfTokenValid } from '../campaign-pages/csrf.setup.js';
import { escapeHtml } from '../http/isolate.js';
import { DASHBOARD_PATH, DashboardContext, FormRefusal, SECURITY_PATH, SIGN_IN_CODE_PATH, toRefusal, type PageRequest } from './dashboard-context.js';
import { DASHBOARD_MESSAGES } from './dashboard-messages.js';
import { SECURITY_MESSAGES } from './security-messages.js';

type Fields = Record<string, unknown>;
type SignedIn = PageRequest & { user: PageUser };
const str = (fields: Fields | undefined, key: string): string => (typeof fields?.[key] === 'string' ? (fields[key] as string) : '');

/**
 * Two-factor sign-in (TOTP) on the dashboard: the account security page (status, set-up, recovery
 * codes, turning it off) and the second step of a sign-in. Every rule is TwoFactorService's and
 * AuthService's (the same codes, limits and replay protection as POST /api/v1/auth/login with
 * `totpCode`). The set-up shows the QR code as inline SVG made here (no image host, no script).
 */
@ApiExcludeController()
@Controller('dashboard')
export class DashboardSecurityController {
  constructor(
    private readonly pages: DashboardContext,
    private readonly auth: AuthService,
    private readonly twoFactor: TwoFactorService,
  ) {}

  /** The second step of a sign-in: only with the challenge cookie the password step set. */
  @Get('sign-in/code')
  async codePage(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const page = await this.pages.page(request, reply);
    if (page.user) return this.pages.redirect(reply, DASHBOARD_PATH);
    if (!this.pages.challengeOf(request)) return this.pages.redirect(reply, `${DASHBOARD_PATH}/sign-in`);
    return this.codeForm(page, 200, null);
  }

  @Post('sign-in/code')
  async code(@Body() body: Fields | undefined, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const page = await this.pages.page(request, reply);
    try {
      if (!(await csrfTokenValid(request))) throw new FormRefusal('csrf', 403);
      const session = await this.auth.completeSignInForPages(this.pages.challengeOf(request) ?? '', str(body, 'code'), request.ip);
      this.pages.clearChallengeCookie(reply);
      this.pages.setSessionCookie(reply, session.cookieToken, session.expiresAt);
      return this.pages.redirect(reply, DASHBOARD_PATH);
    } catch (error) {
      const refusal = toRefusal(error);
      if (refusal.retryAfterSeconds !== undefined) void reply.header('retry-after', String(refusal.retryAfterSeconds));
      if (refusal.code === 'sign_in_expired') {
        // Back to the first step, with why.
        this.pages.clearChallengeCookie(reply);
        const t = DASHBOARD_MESSAGES[page.language];
        return this.pages.render(page, 'sign-in', { status: 401, title: t.signInTitle }, { heading: t.signInTitle, values: {}, error: this.pages.errorMessage(page.language, refusal.code) });
      }
      return this.codeForm(page, refusal.status, this.pages.errorMessage(page.language, refusal.code));
    }
  }

  @Get('account/security')
  async security(@Query('required') required: unknown, @Query('done') done: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const page = await this.pages.page(request, reply);
    if (!page.user) return this.pages.redirect(reply, `${DASHBOARD_PATH}/sign-in`);
    const s = SECURITY_MESSAGES[page.language];
    const notice = done === 'disabled' ? s.disabledNotice : done === 'enabled' ? s.enabledNotice : null;
    return this.securityPage(page as SignedIn, 200, { notice, required: required === 'payouts' && !page.user.totpEnabled });
  }

  @Post('account/security/enrol/start')
  async startEnrolment(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const page = await this.pages.page(request, reply);
    if (!page.user) return this.pages.redirect(reply, `${DASHBOARD_PATH}/sign-in`);
    try {
      if (!(await csrfTokenValid(request))) throw new FormRefusal('csrf', 403);
      await this.twoFactor.startEnrolment(page.user.userId);
    } catch (error) {
      const refusal = toRefusal(error);
      return this.securityPage(page as SignedIn, refusal.status, { error: this.pages.errorMessage(page.language, refusal.code) });
    }
    return this.pages.redirect(reply, `${SECURITY_PATH}/enrol`);
  }

  @Get('account/security/enrol')
  async enrolPage(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const page = await this.pages.page(request, reply);
    if (!page.user) return this.pages.redirect(reply, `${DASHBOARD_PATH}/sign-in`);
    if (page.user.totpEnabled) return this.pages.redirect(reply, SECURITY_PATH);
    return this.enrolForm(page as SignedIn, 200, null);
  }

  @Post('account/security/enrol')
  async confirmEnrolment(@Body() body: Fields | undefined, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const page = await this.pages.page(request, reply);
    if (!page.user) return this.pages.redirect(reply, `${DASHBOARD_PATH}/sign-in`);
    let codes: string[];
    try {
      if (!(await csrfTokenValid(request))) throw new FormRefusal('csrf', 403);
      codes = await this.twoFactor.confirmEnrolment(page.user.userId, str(body, 'code'), request.ip);
    } catch (error) {
      const refusal = toRefusal(error);
      if (refusal.retryAfterSeconds !== undefined) void reply.header('retry-after', String(refusal.retryAfterSeconds));
      if (refusal.code === 'totp_already_enabled') return this.pages.redirect(reply, SECURITY_PATH);
      return this.enrolForm(page as SignedIn, refusal.status, this.pages.errorMessage(page.language, refusal.code));
    }
    return this.codesPage({ ...page, user: { ...page.user, totpEnabled: true } }, codes, `${SECURITY_PATH}?done=enabled`);
  }

  @Post('account/security/recovery-codes')
  async regenerate(@Body() body: Fields | undefined, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const page = await this.pages.page(request, reply);
    if (!page.user) return this.pages.redirect(reply, `${DASHBOARD_PATH}/sign-in`);
    let codes: string[];
    try {
      if (!(await csrfTokenValid(request))) throw new FormRefusal('csrf', 403);
      codes = await this.twoFactor.regenerateRecoveryCodes(page.user.userId, proofOf(body), request.ip);
    } catch (error) {
      return this.refuse(page as SignedIn, error, 'regenerate');
    }
    return this.codesPage(page, codes, SECURITY_PATH);
  }

  @Post('account/security/disable')
  async disable(@Body() body: Fields | undefined, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const page = await this.pages.page(request, reply);
    if (!page.user) return this.pages.redirect(reply, `${DASHBOARD_PATH}/sign-in`);
    try {
      if (!(await csrfTokenValid(request))) throw new FormRefusal('csrf', 403);
      await this.twoFactor.disable(page.user.userId, proofOf(body), request.ip);
    } catch (error) {
      return this.refuse(page as SignedIn, error, 'disable');
    }
    return this.pages.redirect(reply, `${SECURITY_PATH}?done=disabled`);
  }

  private refuse(page: SignedIn, error: unknown, form: 'regenerate' | 'disable'): Promise<void> {
    const refusal = toRefusal(error);
    if (refusal.retryAfterSeconds !== undefined) void page.reply.header('retry-after', String(refusal.retryAfterSeconds));
    return this.securityPage(page, refusal.status, { formErrors: { [form]: this.pages.errorMessage(page.language, refusal.code) } });
  }

  private async securityPage(page: SignedIn, status: number, data: { notice?: string | null; required?: boolean; error?: string; formErrors?: Record<string, string> }): Promise<void> {
    const s = SECURITY_MESSAGES[page.language];
    const state = await this.twoFactor.status(page.user.userId);
    const date = new Intl.DateTimeFormat(localeFor(page.language), { dateStyle: 'long', timeZone: 'UTC' });
    const count = new Intl.NumberFormat(localeFor(page.language)).format(state.recoveryCodesLeft);
    return this.pages.render(page, 'security', { status, title: s.title }, {
      s, heading: s.title, enabled: state.enabled,
      statusText: state.enabled ? s.statusOn.replace('{date}', date.format(state.enabledAt!)) : s.statusOff,
      codesLeft: s.codesLeft.replace('{count}', count), lowOnCodes: state.enabled && state.recoveryCodesLeft < 3,
      notice: data.notice ?? null, required: data.required ?? false, error: data.error ?? null, formErrors: data.formErrors ?? {},
    });
  }

  private async enrolForm(page: SignedIn, status: number, error: string | null): Promise<void> {
    const s = SECURITY_MESSAGES[page.language];
    const pending = await this.twoFactor.pendingEnrolment(page.user.userId);
    if (!pending) return this.pages.redirect(page.reply, SECURITY_PATH);
    return this.pages.render(page, 'security-enrol', { status, title: s.enrolTitle }, {
      s, heading: s.enrolTitle, qr: await qrSvg(pending.uri, s.qrLabel), secret: groupedSecret(pending.secret), error, backHref: SECURITY_PATH,
    });
  }

  private codesPage(page: PageRequest, codes: string[], continueHref: string): Promise<void> {
    const s = SECURITY_MESSAGES[page.language];
    return this.pages.render(page, 'security-codes', { title: s.codesTitle }, { s, heading: s.codesTitle, codes, continueHref });
  }

  private codeForm(page: PageRequest, status: number, error: string | null): Promise<void> {
    const s = SECURITY_MESSAGES[page.language];
    return this.pages.render(page, 'sign-in-code', { status, title: s.stepTitle }, { s, heading: s.stepTitle, error, action: SIGN_IN_CODE_PATH });
  }
}

function proofOf(body: Fields | undefined): { password?: string; code?: string } {
  const password = str(body, 'password');
  const code = str(body, 'code').trim();
  return { ...(password && password.length <= 256 ? { password } : {}), ...(code ? { code } : {}) };
}

/** The otpauth:// address as an inline SVG QR code, named for assistive technology (the key is also shown as text). */
async function qrSvg(uri: string, label: string): Promise<string> {
  const svg = await QRCode.toString(uri, { type: 'svg', margin: 2, errorCorrectionLevel: 'M', color: { dark: '#000000', light: '#ffffff' } });
  return svg.replace('<svg ', `<svg role="img" aria-label="${escapeHtml(label)}" focusable="false" `);
}
