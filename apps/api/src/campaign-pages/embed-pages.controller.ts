import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { FreshReads, formatMajorUnits, NotFoundError } from '@ataa/common';
import { AppConfig } from '@ataa/config';
import { CampaignPageHead, CampaignReader, DonationCampaign } from '@ataa/donations';
import { LedgerService } from '@ataa/ledger';
import { formatMoney, localeFor } from '@ataa/notifications';
import { embedContentSecurityPolicy } from '../http/content-security-policy.js';
import { createPageHandlebars, VIEWS_DIR } from '../http/views.js';
import { isolateText } from '../http/isolate.js';
import { acceptsDonations } from './campaign-page.view.js';
import { campaignUrl, deadlineView, goalReached, progressPercent } from './campaign-share.js';
import { fill } from './page-messages.js';
import { PageRenderCache } from './page-render-cache.js';
import { SHARE_MESSAGES } from './share-messages.js';

/**
 * The embeddable donate widget, `/embed/c/:slug`: a compact card (title, progress, amount buttons)
 * for an organization's own site, in an <iframe>. Nothing is posted from it: each button is a link
 * that opens the campaign page in a new top-level window with the amount chosen (`?amount=`), where
 * the donation form (and its CSRF cookie, SameSite, which a third-party frame would not get) and the
 * hosted checkout run, never inside the frame. Framing is allowed only for the origins the campaign
 * lists (CSP frame-ancestors on this route only; X-Frame-Options dropped here, as CSP governs).
 * No script, no form, no cookie.
 */
@ApiExcludeController()
@Controller('embed')
export class EmbedPagesController {
  private readonly heads: FreshReads<string, CampaignPageHead>;
  private readonly rendered = new PageRenderCache(500, 4 * 1024 * 1024);
  private template: ((data: unknown) => string) | null = null;

  constructor(
    campaigns: CampaignReader,
    private readonly ledger: LedgerService,
    private readonly config: AppConfig,
  ) {
    this.heads = new FreshReads((slugs) => campaigns.findPublicPageHeads(slugs));
  }

  @Get('c/:slug')
  async widget(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const slug = (request.params as { slug: string }).slug;
    const head = await this.heads.get(slug);
    if (!head) throw new NotFoundError('Campaign', 'campaign_not_found');
    const campaign = head.campaign;
    const now = new Date();
    const open = acceptsDonations(campaign, now);
    const left = deadlineView(campaign.endsAt, now, campaign.language, localeFor(campaign.language))?.left ?? '-';
    const page = await this.rendered.get(`${slug}|${head.figuresVersion}|${open}|${left}`, async () => ({ head: Buffer.from(await this.render(campaign, open, now)), tail: null }));
    const pagesPolicy = String(reply.getHeader('content-security-policy') ?? '');
    void reply.removeHeader('x-frame-options');
    void reply.status(200)
      .header('content-security-policy', embedContentSecurityPolicy(pagesPolicy, campaign.embedOrigins))
      .header('cache-control', 'public, max-age=60')
      .header('content-type', 'text/html; charset=utf-8')
      .send(page.head);
  }

  private async render(campaign: DonationCampaign, open: boolean, now: Date): Promise<string> {
    const totals = await this.ledger.campaignTotals(campaign.id);
    const raised = totals ? totals.raised - totals.refunded - totals.disputed : 0n;
    const s = SHARE_MESSAGES[campaign.language];
    const locale = localeFor(campaign.language);
    const money = (amount: bigint) => formatMoney(amount, campaign.currency, locale);
    const url = campaignUrl(this.config.PUBLIC_BASE_URL, campaign.slug);
    const percent = progressPercent(raised, campaign.goalAmount);
    this.template ??= createPageHandlebars().compile(readFileSync(path.join(VIEWS_DIR, 'embed', 'widget.hbs'), 'utf8'), { strict: false });
    return this.template({
      lang: campaign.language, dir: campaign.language === 'ar' ? 'rtl' : 'ltr', title: isolateText(campaign.title), s,
      campaign: { title: campaign.title },
      raisedOf: fill(s.raisedOf, { raised: money(raised), goal: money(campaign.goalAmount) }), percent, percentLabel: `${percent}%`,
      deadline: deadlineView(campaign.endsAt, now, campaign.language, locale), goalReached: goalReached(raised, campaign.goalAmount),
      open, donateHref: `${url}#give-title`, campaignHref: url,
      amounts: open ? campaign.suggestedAmounts.map((amount) => {
        const major = formatMajorUnits(amount, campaign.currency);
        return { label: fill(s.giveAmount, { amount: money(amount) }), href: `${url}?amount=${encodeURIComponent(major)}#give-title` };
      }) : [],
    });
  }
}
