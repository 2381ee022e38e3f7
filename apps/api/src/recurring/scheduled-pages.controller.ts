import { Body, Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '@ataa/common';
import { scheduleWords, ScheduledGiftsService, type ScheduledGift } from '@ataa/donations';
import { formatDay, formatMoney, localeFor } from '@ataa/notifications';
import { csrfTokenValid, issueCsrfToken } from '../campaign-pages/csrf.setup.js';
import { fill } from '../campaign-pages/page-messages.js';
import { SCHEDULED_PAGE_MESSAGES, type ScheduledPageLanguage } from './scheduled-page-messages.js';

const languageOf = (value: unknown, fallback: ScheduledPageLanguage): ScheduledPageLanguage => (value === 'ar' || value === 'en' ? value : fallback);
/** The campaign's title inside a sentence in another direction: isolated (FSI ... PDI). */
const isolate = (s: string) => `\u2068${s}\u2069`;

/**
 * A scheduled series' signed single-purpose links (no sign-in; en/ar; no JavaScript):
 * - GET /scheduled/cancel?token=: the cancel link of every e-mail of the series shows a
 *   confirmation form (mail scanners open links: nothing changes on a GET); the POST cancels the
 *   series (idempotent). The token works for its own series only.
 * - GET /scheduled/pay?token=: a failed occurrence's page; its button (a POST) opens Checkout for
 *   that occurrence's gift, until its grace period ends.
 * A forged, expired or other-purpose token is a 404 `link_invalid` page.
 */
@ApiExcludeController()
@Controller('scheduled')
export class ScheduledPagesController {
  constructor(private readonly scheduled: ScheduledGiftsService) {}

  @Get('cancel')
  async review(@Query('token') token: unknown, @Query('lang') lang: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    let gift: ScheduledGift & { campaignTitle: string };
    try {
      gift = await this.scheduled.fromCancelLink(token);
    } catch (error) {
      return this.refused(reply, languageOf(lang, 'en'), error);
    }
    const language = languageOf(lang, gift.locale);
    const t = SCHEDULED_PAGE_MESSAGES[language];
    if (gift.status === 'cancelled' || gift.status === 'completed') return this.page(reply, 200, 'scheduled/cancel.hbs', language, t.stoppedTitle, { heading: t.stoppedTitle, intro: t.stopped, form: false });
    const csrfToken = issueCsrfToken(request, reply, '/scheduled');
    return this.page(reply, 200, 'scheduled/cancel.hbs', language, t.cancelTitle, { heading: t.cancelTitle, intro: fill(t.cancelIntro, this.values(gift, language)), form: true, csrfToken, token });
  }

  @Post('cancel')
  async cancel(@Body() body: Record<string, unknown> | undefined, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const fields = body ?? {};
    const language = languageOf(fields.lang, 'en');
    const t = SCHEDULED_PAGE_MESSAGES[language];
    if (!(await csrfTokenValid(request))) return this.page(reply, 403, 'recurring/refused.hbs', language, t.refusedTitle, { heading: t.refusedTitle, code: 'csrf', message: t.csrf });
    try {
      const { gift } = await this.scheduled.cancelByLink(fields.token);
      return this.page(reply, 200, 'scheduled/cancel.hbs', language, t.doneTitle, { heading: t.doneTitle, intro: fill(t.done, this.values(gift, language)), form: false });
    } catch (error) {
      return this.refused(reply, language, error);
    }
  }

  @Get('pay')
  async payPage(@Query('token') token: unknown, @Query('lang') lang: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.renderPay(token, lang, request, reply, 200, null);
  }

  @Post('pay')
  async pay(@Body() body: Record<string, unknown> | undefined, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const fields = body ?? {};
    if (!(await csrfTokenValid(request))) return this.renderPay(fields.token, fields.lang, request, reply, 403, 'csrf');
    try {
      const { checkoutUrl } = await this.scheduled.startPayment(fields.token);
      void reply.status(303).header('location', checkoutUrl).header('cache-control', 'no-store').send();
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      if (error.code === 'link_invalid') return this.refused(reply, languageOf(fields.lang, 'en'), error);
      return this.renderPay(fields.token, fields.lang, request, reply, error.status, error.code);
    }
  }

  private async renderPay(token: unknown, lang: unknown, request: FastifyRequest, reply: FastifyReply, status: number, errorCode: string | null): Promise<void> {
    let view;
    try {
      view = await this.scheduled.payView(token);
    } catch (error) {
      return this.refused(reply, languageOf(lang, 'en'), error);
    }
    const language = languageOf(lang, view.gift.locale);
    const t = SCHEDULED_PAGE_MESSAGES[language];
    const intro = fill(t.payIntro, {
      ...this.values({ ...view.gift, campaignTitle: view.campaign.title }, language),
      day: formatDay(new Date(`${view.charge.localDate}T12:00:00Z`), language), until: view.charge.graceEndsAt ? formatDay(view.charge.graceEndsAt, language) : '',
    });
    const error = errorCode ? ((t as Record<string, string>)[errorCode] ?? t.default) : view.payable ? null : t.notPayable;
    return this.page(reply, status, 'scheduled/pay.hbs', language, t.payTitle, {
      heading: t.payTitle, intro, error, errorCode: errorCode ?? (view.payable ? null : 'occurrence_not_payable'),
      form: view.payable, csrfToken: view.payable ? issueCsrfToken(request, reply, '/scheduled') : null, token: typeof token === 'string' ? token : '',
    });
  }

  private values(gift: ScheduledGift & { campaignTitle: string }, language: ScheduledPageLanguage) {
    return { amount: formatMoney(gift.amount, gift.currency, localeFor(language)), campaign: isolate(gift.campaignTitle), schedule: scheduleWords(language, gift.kind, gift.weeks) };
  }

  private async refused(reply: FastifyReply, language: ScheduledPageLanguage, error: unknown): Promise<void> {
    if (!(error instanceof DomainError)) throw error;
    const t = SCHEDULED_PAGE_MESSAGES[language];
    const message = (t as Record<string, string>)[error.code] ?? t.default;
    return this.page(reply, error.status, 'recurring/refused.hbs', language, t.refusedTitle, { heading: error.code === 'link_invalid' ? t.refusedTitle : t.errorTitle, code: error.code, message });
  }

  private async page(reply: FastifyReply, status: number, view: string, language: ScheduledPageLanguage, title: string, data: Record<string, unknown>): Promise<void> {
    const t = SCHEDULED_PAGE_MESSAGES[language];
    void reply.status(status).header('cache-control', 'no-store').header('referrer-policy', 'no-referrer');
    return reply.view(view, {
      title, lang: language, dir: language === 'ar' ? 'rtl' : 'ltr', skipLabel: t.skip, language, t,
      // The address carries the token: keep these pages out of search engines and referrers.
      meta: [{ name: 'robots', content: 'noindex, nofollow' }, { name: 'referrer', content: 'no-referrer' }],
      ...data,
    });
  }
}
