import { Body, Controller, Get, Param, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { isEmail } from 'class-validator';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, UnauthorizedError } from '@ataa/common';
import { AppConfig } from '@ataa/config';
import { isRecurringFinal, RecurringGiftsService, ScheduledGiftsService, scheduleWords, type DonorScheduledGift } from '@ataa/donations';
import { DonorPageService, netAmount, resolveStatementPeriod, StatementPeriodError, type DonorGift, type DonorSession, type SignInLinkRefusal } from '@ataa/donors';
import { formatDay, formatMoney, localeFor } from '@ataa/notifications';
import { hashSecret, RateLimiter, rateLimitSubject } from '@ataa/organizations';
import { csrfTokenValid, issueCsrfToken } from '../campaign-pages/csrf.setup.js';
import { publicChrome, publicLanguage, type PublicLanguage } from '../http/public-language.js';
import { DONOR_FORM_ERRORS, DONOR_PAGE_MESSAGES } from './donor-page-messages.js';
import { cookieOf } from '../http/cookies.js';

/** The session cookie: signed (DonorPageService), HttpOnly, SameSite=Strict, only sent to /donor. */
export const DONOR_SESSION_COOKIE = 'ataa_donor';
const REFUSAL_STATUS: Record<SignInLinkRefusal, number> = { link_invalid: 404, link_expired: 410, link_used: 410 };

type Notice = 'signedOut' | 'sessionEnded';

/**
 * The donor's own page (issue 20), server-rendered, without JavaScript, in English and Arabic:
 * `/donor` asks for an e-mail address and e-mails a sign-in link (the same answer, work and e-mail
 * for every address); the link's page `/donor/sign-in` has a button (a POST, so that mail scanners
 * do not use the link up) that starts a short session; `/donor` then lists every gift of the
 * address with receipts, ledger links, a statement form and the data export. Every form carries
 * the signed double-submit CSRF token of the public pages.
 */
@ApiExcludeController()
@Controller('donor')
export class DonorPagesController {
  constructor(
    private readonly donors: DonorPageService,
    private readonly limiter: RateLimiter,
    private readonly config: AppConfig,
    private readonly recurring: RecurringGiftsService,
    private readonly scheduled: ScheduledGiftsService,
  ) {}

  /**
   * Cancels one of the donor's scheduled series (Ramadan nights, Fridays): only a series given with
   * the session's address is found (another's is a 404, as an unknown one). Idempotent.
   */
  @Post('scheduled/:id/cancel')
  async cancelScheduled(@Param('id') id: string, @Body() body: Record<string, unknown> | undefined, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const language = publicLanguage(request, null, 'en', { form: (body ?? {}).lang }).language;
    const session = await this.requireSession(request, reply);
    if (!session) return;
    if (!(await csrfTokenValid(request))) return this.renderPage(request, reply, 403, language, session, { error: DONOR_FORM_ERRORS[language].csrf });
    const mine = (await this.scheduled.listForEmail(session.email)).find((g) => g.id === id);
    if (!mine) throw new DomainError('scheduled_gift_not_found', 'No such scheduled gift for this e-mail address', 404);
    await this.scheduled.stop(mine.id, 'donor');
    return this.renderPage(request, reply, 200, language, session, { scheduledNotice: DONOR_PAGE_MESSAGES[language].scheduled.done });
  }

  /**
   * The donor's recurring gifts: pause, resume, change the amount (from the next payment) or cancel.
   * Only a series given with the session's address is found (another's is a 404, as an unknown one).
   */
  @Post('recurring/:id/:action')
  async recurringAction(
    @Param('id') id: string, @Param('action') action: string, @Body() body: Record<string, unknown> | undefined, @Req() request: FastifyRequest, @Res() reply: FastifyReply,
  ): Promise<void> {
    const fields = body ?? {};
    const language = publicLanguage(request, null, 'en', { form: fields.lang }).language;
    if (!['pause', 'resume', 'cancel', 'amount'].includes(action)) throw new DomainError('not_found', 'No such action', 404);
    const session = await this.requireSession(request, reply);
    if (!session) return;
    if (!(await csrfTokenValid(request))) return this.renderPage(request, reply, 403, language, session, { error: DONOR_FORM_ERRORS[language].csrf });
    const mine = (await this.recurring.listForEmail(session.email)).find((g) => g.id === id);
    if (!mine) throw new DomainError('recurring_gift_not_found', 'No such recurring gift for this e-mail address', 404);
    try {
      if (action === 'pause' || action === 'resume') await this.recurring.setPaused(mine.id, action === 'pause');
      else if (action === 'cancel') await this.recurring.stopByPlatform(mine.id, 'donor');
      else await this.recurring.changeAmount(mine.id, typeof fields.amount === 'string' ? fields.amount : '');
    } catch (error) {
      if (!(error instanceof DomainError) || error.status === 404 || error.status >= 500 && error.code !== 'payment_provider_unavailable') throw error;
      const template = DONOR_FORM_ERRORS[language][error.code] ?? DONOR_FORM_ERRORS[language].validation_failed;
      const minimum = typeof error.details?.minimum === 'string' ? error.details.minimum : '';
      return this.renderPage(request, reply, error.status, language, session, { error: template.replace('{minimum}', minimum), errorCode: error.code });
    }
    return this.renderPage(request, reply, 200, language, session, { notice: DONOR_PAGE_MESSAGES[language].recurring.done[action] });
  }

  @Get()
  async page(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const language = publicLanguage(request, reply, 'en').language;
    const session = await this.sessionOf(request);
    if (!session) {
      // A cookie that no longer opens a session is dropped, and the donor told why.
      if (cookieOf(request, DONOR_SESSION_COOKIE)) this.clearCookie(reply);
      return this.renderSignIn(request, reply, 200, language, { notice: cookieOf(request, DONOR_SESSION_COOKIE) ? 'sessionEnded' : undefined });
    }
    return this.renderPage(request, reply, 200, language, session, {});
  }

  @Post('sign-in-link')
  async requestLink(@Body() body: Record<string, unknown> | undefined, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const fields = body ?? {};
    const language = publicLanguage(request, null, 'en', { form: fields.lang }).language;
    const email = typeof fields.email === 'string' ? fields.email.trim() : '';
    const refuse = (code: string, status: number, retryAfterSeconds?: number) => {
      if (retryAfterSeconds !== undefined) void reply.header('retry-after', String(retryAfterSeconds));
      return this.renderSignIn(request, reply, status, language, { error: DONOR_FORM_ERRORS[language][code] ?? DONOR_FORM_ERRORS[language].validation_failed, email });
    };
    if (!(await csrfTokenValid(request))) return refuse('csrf', 403);
    if (email.length > 254 || !isEmail(email) || /[\u0000\uD800-\uDFFF]/.test(email)) return refuse('validation_failed', 400);
    try {
      // Per address typed in (its hash: no address in Redis) and per client address, before any work.
      await this.limiter.take([
        { limit: 'donorSignInLinksPerEmail', subject: hashSecret(email.toLowerCase()) },
        { limit: 'donorSignInLinksPerAddress', subject: rateLimitSubject(request.ip) },
      ]);
    } catch (error) {
      if (!(error instanceof DomainError) || error.status < 429) throw error;
      const retryAfter = typeof error.details?.retryAfterSeconds === 'number' ? error.details.retryAfterSeconds : undefined;
      return refuse(error.code, error.status, retryAfter);
    }
    // The same work for every address: a row and an e-mail (whether the address has gifts is not looked at).
    await this.donors.requestLink({ email, language });
    const t = DONOR_PAGE_MESSAGES[language];
    void reply.status(200).header('cache-control', 'no-store');
    return reply.view('donor/sent.hbs', { ...this.layout(language, t.sentTitle), t });
  }

  @Get('sign-in')
  async openLink(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const token = (request.query as Record<string, unknown> | undefined)?.token;
    const state = await this.donors.inspectLink(token);
    // A link opens in the language it was asked for; a dead one in the visitor's.
    const language = state.ok ? state.link.language : publicLanguage(request, reply, 'en').language;
    if (!state.ok) return this.unavailable(reply, language, state.reason);
    return this.renderConfirm(request, reply, 200, language, token as string, state.link.email);
  }

  @Post('sign-in')
  async signIn(@Body() body: Record<string, unknown> | undefined, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const fields = body ?? {};
    const token = typeof fields.token === 'string' ? fields.token : '';
    const language = publicLanguage(request, null, 'en', { form: fields.lang }).language;
    if (!(await csrfTokenValid(request))) {
      // The link is not used: show its page again (with a fresh form token) or why it opens nothing.
      const state = await this.donors.inspectLink(token);
      if (!state.ok) return this.unavailable(reply, language, state.reason);
      return this.renderConfirm(request, reply, 403, state.link.language, token, state.link.email);
    }
    const result = await this.donors.signIn(token);
    if (!result.ok) return this.unavailable(reply, language, result.reason);
    const secure = this.config.PUBLIC_BASE_URL.startsWith('https:');
    const maxAge = Math.max(0, Math.floor((result.session.expiresAt.getTime() - Date.now()) / 1000));
    void reply.status(303)
      .header('set-cookie', `${DONOR_SESSION_COOKIE}=${result.cookie}; Path=/donor; Max-Age=${maxAge}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`)
      .header('cache-control', 'no-store')
      .header('location', `/donor?lang=${result.session.language}`);
    return reply.send();
  }

  @Post('sign-out')
  async signOut(@Body() body: Record<string, unknown> | undefined, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const fields = body ?? {};
    const language = publicLanguage(request, null, 'en', { form: fields.lang }).language;
    const session = await this.sessionOf(request);
    if (session && !(await csrfTokenValid(request))) {
      return this.renderPage(request, reply, 403, language, session, { error: DONOR_FORM_ERRORS[language].csrf });
    }
    if (session) await this.donors.signOut(session);
    this.clearCookie(reply);
    return this.renderSignIn(request, reply, 200, language, { notice: 'signedOut' });
  }

  @Get('gifts/:id/receipt.pdf')
  async receipt(@Param('id') id: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const session = await this.requireSession(request, reply);
    if (!session) return;
    const receipt = await this.donors.receipt(session, id);
    if (!receipt) return this.notFound();
    void reply.status(200).header('content-type', 'application/pdf').header('cache-control', 'no-store')
      .header('content-disposition', `attachment; filename="${receipt.fileName}"`);
    return reply.send(receipt.pdf);
  }

  @Get('gifts/:id/receipt-proof.json')
  async receiptProof(@Param('id') id: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const session = await this.requireSession(request, reply);
    if (!session) return;
    const receipt = await this.donors.receipt(session, id);
    if (!receipt?.proof) return this.notFound();
    void reply.status(200).header('content-type', 'application/json; charset=utf-8').header('cache-control', 'no-store')
      .header('content-disposition', `attachment; filename="${receipt.proof.fileName}"`);
    return reply.send(receipt.proof.json);
  }

  /** JSON for the session (no API key: the cookie is the credential, so it lives under /donor too). */
  @Get('gifts.json')
  async giftsJson(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const session = await this.sessionOf(request);
    if (!session) throw new UnauthorizedError('donor_session_required', 'Sign in with a link sent to your e-mail address at /donor');
    const gifts = await this.donors.gifts(session);
    void reply.status(200).header('content-type', 'application/json; charset=utf-8').header('cache-control', 'no-store');
    return reply.send(JSON.stringify({
      email: session.email,
      sessionExpiresAt: session.expiresAt.toISOString(),
      gifts: gifts.map((g) => ({
        id: g.id, organization: g.organizationName, campaign: { id: g.campaign.id, slug: g.campaign.slug, title: g.campaign.title },
        amount: g.amount.toString(), netAmount: netAmount(g).toString(), currency: g.currency, status: g.status, anonymous: g.anonymous,
        givenAt: g.givenAt.toISOString(), receiptNumber: g.receiptNumber,
        publicLedger: g.leaf ? { index: g.leaf.index, leafHash: g.leaf.hash, ...this.donors.links(g) } : null,
        // The designation chosen (null: the campaign declared none) and the payout entries that drew from the gift.
        designation: g.designation ?? null, drawnInto: (g.drawnInto ?? []).map((d) => ({ payoutIndex: d.index, amount: d.amount.toString() })),
      })),
      recurringGifts: (await this.recurring.listForEmail(session.email)).map((g) => ({
        id: g.id, campaign: { id: g.campaignId, slug: g.campaignSlug, title: g.campaignTitle }, amount: g.amount.toString(), currency: g.currency,
        interval: g.interval, status: g.status, paymentsMade: g.paymentsCount, startedAt: g.createdAt.toISOString(), endedAt: g.endedAt?.toISOString() ?? null,
      })),
      scheduledGifts: (await this.scheduled.listForEmail(session.email)).map((g) => ({
        id: g.id, campaign: { id: g.campaignId, slug: g.campaignSlug, title: g.campaignTitle }, amount: g.amount.toString(), currency: g.currency,
        schedule: g.kind, weeks: g.weeks, timeZone: g.timeZone, status: g.status, given: g.paid, planned: g.planned, occurrences: g.total,
        nextChargeAt: g.nextChargeAt?.toISOString() ?? null, startedAt: g.createdAt?.toISOString() ?? null,
      })),
      pledges: [],
    }));
  }

  @Post('statement')
  async statement(@Body() body: Record<string, unknown> | undefined, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const fields = body ?? {};
    const language = publicLanguage(request, null, 'en', { form: fields.lang }).language;
    const session = await this.requireSession(request, reply);
    if (!session) return;
    const form = { period: str(fields.period), year: str(fields.year), startMonth: str(fields.startMonth), from: str(fields.from), to: str(fields.to) };
    if (!(await csrfTokenValid(request))) return this.renderPage(request, reply, 403, language, session, { error: DONOR_FORM_ERRORS[language].csrf, statement: form });
    let period;
    try {
      period = resolveStatementPeriod(fields);
    } catch (error) {
      // A client asking for JSON gets the problem document; the page's form gets the page with the error.
      if (!(error instanceof StatementPeriodError) || /application\/(problem\+)?json/.test(request.headers.accept ?? '')) throw error;
      void reply.header('x-problem-code', error.code);
      return this.renderPage(request, reply, 400, language, session, { error: DONOR_FORM_ERRORS[language][error.code], errorCode: error.code, statement: form });
    }
    const statement = await this.donors.statement(session, period, language);
    void reply.status(200).header('content-type', 'application/pdf').header('cache-control', 'no-store')
      .header('content-disposition', `attachment; filename="${statement.fileName}"`);
    return reply.send(statement.pdf);
  }

  @Post('export')
  async exportData(@Body() body: Record<string, unknown> | undefined, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const language = publicLanguage(request, null, 'en', { form: (body ?? {}).lang }).language;
    const session = await this.requireSession(request, reply);
    if (!session) return;
    if (!(await csrfTokenValid(request))) return this.renderPage(request, reply, 403, language, session, { error: DONOR_FORM_ERRORS[language].csrf });
    const document = await this.donors.exportData(session);
    void reply.status(200)
      .header('content-type', 'application/json; charset=utf-8')
      .header('content-disposition', `attachment; filename="ataa-data-export-${document.generatedAt.slice(0, 10)}.json"`)
      .header('cache-control', 'no-store');
    return reply.send(JSON.stringify(document, null, 2));
  }

  private sessionOf(request: FastifyRequest): Promise<DonorSession | null> {
    const cookie = cookieOf(request, DONOR_SESSION_COOKIE);
    return cookie ? this.donors.session(cookie) : Promise.resolve(null);
  }

  /** The session, or (for a page's download without one) a redirect to /donor's sign-in form. */
  private async requireSession(request: FastifyRequest, reply: FastifyReply): Promise<DonorSession | null> {
    const session = await this.sessionOf(request);
    if (!session) {
      if (cookieOf(request, DONOR_SESSION_COOKIE)) this.clearCookie(reply);
      void reply.status(303).header('location', '/donor').header('cache-control', 'no-store').send();
    }
    return session;
  }

  private clearCookie(reply: FastifyReply): void {
    const secure = this.config.PUBLIC_BASE_URL.startsWith('https:');
    void reply.header('set-cookie', `${DONOR_SESSION_COOKIE}=; Path=/donor; Max-Age=0; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`);
  }

  private layout(language: PublicLanguage, title: string, path = '/donor') {
    return {
      title, lang: language, dir: language === 'ar' ? 'rtl' : 'ltr', skipLabel: DONOR_PAGE_MESSAGES[language].skip,
      // Personal pages (and link pages carrying a token): out of search engines.
      meta: [{ name: 'robots', content: 'noindex, nofollow' }],
      languageSwitch: publicChrome(this.config.PUBLIC_BASE_URL, language, path).languageSwitch,
    };
  }

  private async renderSignIn(request: FastifyRequest, reply: FastifyReply, status: number, language: PublicLanguage, state: { error?: string; email?: string; notice?: Notice }): Promise<void> {
    const t = DONOR_PAGE_MESSAGES[language];
    const csrfToken = issueCsrfToken(request, reply, '/donor');
    void reply.status(status).header('cache-control', 'no-store');
    return reply.view('donor/sign-in.hbs', {
      ...this.layout(language, t.signInTitle), t, language, csrfToken,
      error: state.error ?? null, email: state.email ?? '', notice: state.notice ? t[state.notice] : null,
    });
  }

  private async renderConfirm(request: FastifyRequest, reply: FastifyReply, status: number, language: PublicLanguage, token: string, email: string): Promise<void> {
    const t = DONOR_PAGE_MESSAGES[language];
    const csrfToken = issueCsrfToken(request, reply, '/donor');
    void reply.status(status).header('cache-control', 'no-store').header('referrer-policy', 'no-referrer');
    const layout = this.layout(language, t.confirmTitle);
    // No language switch here: its link would drop the token.
    return reply.view('donor/confirm.hbs', { ...layout, languageSwitch: null, t, language, csrfToken, token, email });
  }

  private async unavailable(reply: FastifyReply, language: PublicLanguage, reason: SignInLinkRefusal): Promise<void> {
    const t = DONOR_PAGE_MESSAGES[language];
    void reply.status(REFUSAL_STATUS[reason]).header('cache-control', 'no-store').header('referrer-policy', 'no-referrer');
    return reply.view('donor/unavailable.hbs', { ...this.layout(language, t.unavailableTitle), languageSwitch: null, t, language, reason, message: t[reason] });
  }

  private notFound(): Promise<void> {
    throw new DomainError('gift_not_found', 'No such gift for this e-mail address', 404);
  }

  private async renderPage(
    request: FastifyRequest, reply: FastifyReply, status: number, language: PublicLanguage, session: DonorSession,
    state: { error?: string; errorCode?: string; statement?: Record<string, string>; notice?: string; scheduledNotice?: string },
  ): Promise<void> {
    const t = DONOR_PAGE_MESSAGES[language];
    const locale = localeFor(language);
    const gifts = await this.donors.gifts(session);
    const csrfToken = issueCsrfToken(request, reply, '/donor');
    const form = state.statement ?? {};
    const period = form.period === 'fiscal' || form.period === 'custom' ? form.period : 'calendar';
    const startMonth = form.startMonth ?? '1';
    void reply.status(status).header('cache-control', 'no-store').header('referrer-policy', 'no-referrer');
    return reply.view('donor/page.hbs', {
      ...this.layout(language, t.pageTitle), t, language, csrfToken,
      email: session.email,
      sessionUntil: t.sessionUntil.replace('{time}', session.expiresAt.toISOString().slice(11, 16)),
      error: state.error ?? null, errorCode: state.errorCode ?? null,
      gifts: gifts.map((g) => this.giftRow(g, language, locale)),
      // Issue 20: recurring gifts (item 1); pledges (item 2) are not built yet.
      sections: {
        recurringGifts: (await this.recurring.listForEmail(session.email)).map((g) => this.recurringRow(g, language, locale)),
        scheduledGifts: (await this.scheduled.listForEmail(session.email)).map((g) => this.scheduledRow(g, language, locale)),
        pledges: [],
      },
      notice: state.notice ?? null, scheduledNotice: state.scheduledNotice ?? null,
      statement: {
        calendar: period === 'calendar', fiscal: period === 'fiscal', custom: period === 'custom',
        year: form.year ?? String(new Date().getUTCFullYear()), from: form.from ?? '', to: form.to ?? '',
        months: t.months.map((name, i) => ({ value: String(i + 1), name, selected: String(i + 1) === startMonth })),
      },
    });
  }

  private recurringRow(g: Awaited<ReturnType<RecurringGiftsService['listForEmail']>>[number], language: PublicLanguage, locale: string) {
    const t = DONOR_PAGE_MESSAGES[language].recurring;
    const live = !isRecurringFinal(g.status) && g.status !== 'pending';
    return {
      id: g.id, campaignTitle: g.campaignTitle, campaignSlug: g.campaignSlug,
      amount: formatMoney(g.amount, g.currency, locale), every: t.every[g.interval], status: g.status, statusLabel: t.statuses[g.status] ?? g.status,
      payments: t.payments.replace('{count}', String(g.paymentsCount)), live, paused: g.status === 'paused', currency: g.currency.toUpperCase(),
      changeHint: t.changeHint.replace('{currency}', g.currency.toUpperCase()),
    };
  }

  private scheduledRow(g: DonorScheduledGift, language: PublicLanguage, locale: string) {
    const t = DONOR_PAGE_MESSAGES[language].scheduled;
    return {
      id: g.id, campaignTitle: g.campaignTitle, campaignSlug: g.campaignSlug, amount: formatMoney(g.amount, g.currency, locale), schedule: scheduleWords(language, g.kind, g.weeks),
      status: g.status, statusLabel: t.statuses[g.status] ?? g.status, progress: t.progress.replace('{paid}', String(g.paid)).replace('{total}', String(g.total)),
      next: g.status === 'active' && g.nextChargeAt ? t.next.replace('{day}', formatDay(g.nextChargeAt, language)) : null,
      zone: t.timeZone.replace('{zone}', g.timeZone), live: g.status === 'active' || g.status === 'pending',
    };
  }

  private giftRow(g: DonorGift, language: PublicLanguage, locale: string) {
    const t = DONOR_PAGE_MESSAGES[language];
    // On the page, links stay on this site whatever its address (the PDF carries absolute ones).
    const local = (url: string) => {
      const parsed = new URL(url);
      return `${parsed.pathname}${parsed.search}`;
    };
    const absolute = this.donors.links(g);
    const links = { ledger: local(absolute.ledger), verify: local(absolute.verify) };
    return {
      id: g.id,
      date: formatDay(g.givenAt, language),
      isoDate: g.givenAt.toISOString(),
      campaignTitle: g.campaign.title, campaignLang: g.campaign.language, campaignDir: g.campaign.language === 'ar' ? 'rtl' : 'ltr',
      campaignUrl: `/c/${encodeURIComponent(g.campaign.slug)}`,
      organization: g.organizationName,
      amount: formatMoney(g.amount, g.currency, locale),
      net: netAmount(g) !== g.amount ? formatMoney(netAmount(g), g.currency, locale) : null,
      status: g.status, statusLabel: t.statuses[g.status] ?? g.status,
      anonymity: g.anonymous ? t.anonymous : t.named,
      receiptNumber: g.receiptNumber,
      leaf: g.leaf ? { index: g.leaf.index, hash: g.leaf.hash, label: t.leafEntry.replace('{index}', g.leaf.index), ledgerUrl: links.ledger, verifyUrl: links.verify } : null,
      designation: g.designation ?? null,
      // "My gift went into payout P": each payout entry that drew from it (FIFO within its designation).
      drawnInto: (g.drawnInto ?? []).map((d) => ({
        label: t.payoutEntry.replace('{index}', d.index).replace('{amount}', formatMoney(d.amount, g.currency, locale)),
        url: `/c/${encodeURIComponent(g.campaign.slug)}/ledger#leaf=${encodeURIComponent(d.index)}`,
      })),
    };
  }
}

function str(value: unknown): string {
  return typeof value === 'string' ? value.slice(0, 40) : '';
}
