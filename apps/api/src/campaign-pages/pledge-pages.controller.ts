import { Body, Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '@ataa/common';
import { CampaignReader, PledgesService, type PledgeCompletionView } from '@ataa/donations';
import { formatMoney, localeFor } from '@ataa/notifications';
import { isolateText } from '../http/isolate.js';
import { textLanguage } from '../http/public-language.js';
import { CampaignPageView } from './campaign-page.view.js';
import { csrfTokenValid, issueCsrfToken } from './csrf.setup.js';
import { fill, PAGE_MESSAGES } from './page-messages.js';
import { PLEDGE_MESSAGES } from './pledge-messages.js';

/**
 * A pledge's payment page (the grace period after a failed off-session charge): the link mailed to
 * the donor (`?token=`, signed, single-purpose: pay this pledge, valid until the grace period ends)
 * opens it; its button (a POST, so that mail scanners following links open nothing on Stripe)
 * opens a Checkout session for the pledge's gift. In the pledge's language; no JavaScript.
 */
@ApiExcludeController()
@Controller('c')
export class PledgePagesController {
  constructor(
    private readonly pledges: PledgesService,
    private readonly campaigns: CampaignReader,
    private readonly view: CampaignPageView,
  ) {}

  @Get(':slug/pledge')
  async open(@Param('slug') slug: string, @Query('token') token: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.render(slug, token, request, reply, 200, null);
  }

  @Post(':slug/pledge')
  async pay(@Param('slug') slug: string, @Body() body: Record<string, unknown> | undefined, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const token = typeof body?.token === 'string' ? body.token : '';
    if (!(await csrfTokenValid(request))) return this.render(slug, token, request, reply, 403, 'formExpired');
    try {
      const view = await this.pledges.completionView(token);
      const campaign = await this.campaigns.requirePublic(slug);
      if (campaign.slug !== view.campaignSlug) return this.render(slug, null, request, reply, 404, null);
      const { checkoutUrl } = await this.pledges.startCompletion(token);
      void reply.status(303).header('location', checkoutUrl).header('cache-control', 'no-store').send();
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      if (error.code === 'payment_provider_unavailable') return this.render(slug, token, request, reply, 502, 'providerDown');
      return this.render(slug, token, request, reply, error.status, null);
    }
  }

  private async render(slug: string, token: unknown, request: FastifyRequest, reply: FastifyReply, status: number, error: keyof (typeof PLEDGE_MESSAGES)['en'] | null): Promise<void> {
    const campaign = await this.campaigns.requirePublic(slug);
    let view: PledgeCompletionView | null = null;
    try {
      view = await this.pledges.completionView(token);
    } catch (e) {
      if (!(e instanceof DomainError)) throw e;
    }
    // A token for another campaign's pledge opens nothing here (as a bad one).
    if (view && view.campaignSlug !== campaign.slug) view = null;
    const language = view?.language ?? campaign.language;
    const t = PAGE_MESSAGES[language];
    const p = PLEDGE_MESSAGES[language];
    const layout = this.view.layout(campaign, `${p.completeTitle} — ${isolateText(campaign.title)}`, language, null);
    void reply.status(view ? status : 404).header('cache-control', 'no-store').header('referrer-policy', 'no-referrer');
    return reply.view('campaign/pledge-complete.hbs', {
      ...layout, meta: [{ name: 'robots', content: 'noindex, nofollow' }], t, p,
      campaign: { title: campaign.title, slug: campaign.slug, text: textLanguage(campaign.language) },
      error: view ? (error ? p[error] : null) : p.linkInvalid,
      csrfToken: view?.payable ? issueCsrfToken(request, reply, '/c') : null,
      token: typeof token === 'string' ? token : '',
      view: view && {
        amount: formatMoney(view.amount, view.currency, localeFor(language)), payable: view.payable, state: view.state,
        lead: fill(p.completeLead, { day: view.graceEndsAt ? view.graceEndsAt.toISOString().slice(0, 10) : '' }),
        closedMessage: view.state === 'collected' ? p.completePaid : p.completeClosed,
      },
    });
  }
}
