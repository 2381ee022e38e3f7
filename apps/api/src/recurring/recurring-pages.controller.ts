import { Body, Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '@ataa/common';
import { isRecurringFinal, RecurringGiftsService, type RecurringGift } from '@ataa/donations';
import { formatMoney, localeFor } from '@ataa/notifications';
import { csrfTokenValid, issueCsrfToken } from '../campaign-pages/csrf.setup.js';
import { fill } from '../campaign-pages/page-messages.js';
import { RECURRING_PAGE_MESSAGES, type RecurringPageLanguage } from './recurring-page-messages.js';

const languageOf = (value: unknown, fallback: RecurringPageLanguage): RecurringPageLanguage => (value === 'ar' || value === 'en' ? value : fallback);
/** The campaign's title inside a sentence in another direction: isolated (FSI ... PDI). */
const isolate = (s: string) => `\u2068${s}\u2069`;

/**
 * A recurring gift's signed single-purpose links (no sign-in; en/ar; no JavaScript; outside /api/v1):
 * - GET /recurring/cancel?token=: the one-click cancel link of every receipt of the series shows a
 *   confirmation form (mail scanners open links: nothing changes on a GET); POST /recurring/cancel
 *   cancels the series (idempotent: a second POST, or a stopped series, answers that it stopped).
 * - GET /recurring/card?token=: the failed-payment e-mail's link; makes a Stripe billing portal
 *   session for the series' customer now and redirects to it (303).
 * A token works only for its own series and purpose; a forged, expired or other-purpose token is a
 * 404 `link_invalid` page.
 */
@ApiExcludeController()
@Controller('recurring')
export class RecurringPagesController {
  constructor(private readonly recurring: RecurringGiftsService) {}

  @Get('cancel')
  async review(@Query('token') token: unknown, @Query('lang') lang: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    let gift: RecurringGift & { campaignTitle: string };
    try {
      gift = await this.recurring.fromLink('cancel', token);
    } catch (error) {
      return this.refused(reply, languageOf(lang, 'en'), error);
    }
    const language = languageOf(lang, gift.locale);
    const t = RECURRING_PAGE_MESSAGES[language];
    if (isRecurringFinal(gift.status)) return this.page(reply, 200, 'recurring/cancel.hbs', language, t.stoppedTitle, { heading: t.stoppedTitle, intro: t.stopped, form: false });
    const csrfToken = issueCsrfToken(request, reply, '/recurring');
    return this.page(reply, 200, 'recurring/cancel.hbs', language, t.cancelTitle, {
      heading: t.cancelTitle, intro: fill(t.cancelIntro, this.values(gift, language)), form: true, csrfToken, token,
    });
  }

  @Post('cancel')
  async cancel(@Body() body: Record<string, unknown> | undefined, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const fields = body ?? {};
    const language = languageOf(fields.lang, 'en');
    const t = RECURRING_PAGE_MESSAGES[language];
    if (!(await csrfTokenValid(request))) return this.page(reply, 403, 'recurring/refused.hbs', language, t.refusedTitle, { heading: t.refusedTitle, code: 'csrf', message: t.csrf });
    try {
      const { gift } = await this.recurring.cancelByLink(fields.token);
      return this.page(reply, 200, 'recurring/cancel.hbs', language, t.doneTitle, { heading: t.doneTitle, intro: fill(t.done, this.values(gift, language)), form: false });
    } catch (error) {
      return this.refused(reply, language, error);
    }
  }

  @Get('card')
  async card(@Query('token') token: unknown, @Query('lang') lang: unknown, @Res() reply: FastifyReply): Promise<void> {
    try {
      const url = await this.recurring.cardUpdateUrl(token);
      void reply.status(303).header('cache-control', 'no-store').header('referrer-policy', 'no-referrer').header('location', url).send();
    } catch (error) {
      return this.refused(reply, languageOf(lang, 'en'), error);
    }
  }

  private values(gift: RecurringGift & { campaignTitle: string }, language: RecurringPageLanguage) {
    const t = RECURRING_PAGE_MESSAGES[language];
    return { interval: t[gift.interval], amount: formatMoney(gift.amount, gift.currency, localeFor(language)), campaign: isolate(gift.campaignTitle) };
  }

  private async refused(reply: FastifyReply, language: RecurringPageLanguage, error: unknown): Promise<void> {
    if (!(error instanceof DomainError)) throw error;
    const t = RECURRING_PAGE_MESSAGES[language];
    const code = error.code in t ? (error.code as keyof typeof t) : 'default';
    return this.page(reply, error.status, 'recurring/refused.hbs', language, t.refusedTitle, { heading: error.code === 'link_invalid' ? t.refusedTitle : t.errorTitle, code: error.code, message: t[code] });
  }

  private async page(reply: FastifyReply, status: number, view: string, language: RecurringPageLanguage, title: string, data: Record<string, unknown>): Promise<void> {
    const t = RECURRING_PAGE_MESSAGES[language];
    void reply.status(status).header('cache-control', 'no-store');
    return reply.view(view, {
      title, lang: language, dir: language === 'ar' ? 'rtl' : 'ltr', skipLabel: t.skip, language, t,
      // The address carries the token: keep these pages out of search engines and referrers.
      meta: [{ name: 'robots', content: 'noindex, nofollow' }, { name: 'referrer', content: 'no-referrer' }],
      ...data,
    });
  }
}
