import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { FreshReads, formatMajorUnits, NotFoundError } from '@ataa/common';
import { AppConfig } from '@ataa/config';
import { ReadReplicas, type Queryable, type ReadSource } from '@ataa/database';
import { CampaignPageHead, CampaignReader, DonationCampaign } from '@ataa/donations';
import { LedgerService } from '@ataa/ledger';
import { formatMoney, localeFor } from '@ataa/notifications';
import { embedContentSecurityPolicy } from '../http/content-security-policy.js';
import { notModified } from '../transparency/public-ledger.presenter.js';
import { sizeSeen } from '../transparency/public-ledger.http.js';
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
 *
 * A public read (issue 23): from a read replica when one is usable, like the campaign page. With no
 * cookie to remember what a visitor was shown, its ETag does (`"<log size>-<hash>"`, the ledger's
 * rule): a revalidation naming a larger log size than the replica's is read from the primary, so a
 * frame reloaded after a newer copy is never shown an older one.
 */
@ApiExcludeController()
@Controller('embed')
export class EmbedPagesController {
  private readonly heads: FreshReads<string, CampaignPageHead>;
  private readonly rendered = new PageRenderCache(500, 4 * 1024 * 1024);
  private template: ((data: unknown) => string) | null = null;

  /** The widget heads read on each replica (by name); `heads` are the primary's. */
  private readonly replicaHeads = new Map<string, FreshReads<string, CampaignPageHead>>();

  constructor(
    private readonly campaigns: CampaignReader,
    private readonly ledger: LedgerService,
    private readonly config: AppConfig,
    private readonly replicas: ReadReplicas,
  ) {
    this.heads = new FreshReads((slugs) => campaigns.findPublicPageHeads(slugs, replicas.primary), 1, true);
  }

  private headsOn(source: ReadSource): FreshReads<string, CampaignPageHead> {
    if (!source.replica) return this.heads;
    let heads = this.replicaHeads.get(source.name);
    if (!heads) this.replicaHeads.set(source.name, (heads = new FreshReads((slugs) => this.campaigns.findPublicPageHeads(slugs, source), 1, true)));
    return heads;
  }

  @Get('c/:slug')
  async widget(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const slug = (request.params as { slug: string }).slug;
    let source = this.replicas.reader();
    let head = await this.headsOn(source).get(slug);
    // Published a moment ago and not on the replica yet, or behind the copy being revalidated: the primary has it.
    if (source.replica && (!head || head.logSize < sizeSeen(request))) {
      source = this.replicas.primary;
      head = await this.heads.get(slug);
    }
    if (!head) throw new NotFoundError('Campaign', 'campaign_not_found');
    const campaign = head.campaign;
    const now = new Date();
    const open = acceptsDonations(campaign, now);
    const left = deadlineView(campaign.endsAt, now, campaign.language, localeFor(campaign.language))?.left ?? '-';
    const key = `${slug}|${head.figuresVersion}|${open}|${left}`;
    const etag = `"${head.logSize}-${createHash('sha256').update(key).digest('base64url').slice(0, 27)}"`;
    void reply.removeHeader('x-frame-options');
    void reply.header('etag', etag).header('cache-control', 'public, max-age=60');
    if (notModified(request, etag)) {
      void reply.status(304).send();
      return;
    }
    const db = source.replica ? source : undefined;
    const page = await this.rendered.get(key, async () => ({ head: Buffer.from(await this.render(campaign, open, now, db)), tail: null }));
    const pagesPolicy = String(reply.getHeader('content-security-policy') ?? '');
    void reply.status(200)
      .header('content-security-policy', embedContentSecurityPolicy(pagesPolicy, campaign.embedOrigins))
      .header('content-type', 'text/html; charset=utf-8')
      .send(page.head);
  }

  /** `db`: the replica the head was read from, so the totals are as new as the head (else the primary). */
  private async render(campaign: DonationCampaign, open: boolean, now: Date, db?: Queryable): Promise<string> {
    const totals = await this.ledger.campaignTotals(campaign.id, db);
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
