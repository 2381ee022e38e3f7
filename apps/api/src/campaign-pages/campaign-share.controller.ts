import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import QRCode from 'qrcode';
import { NotFoundError } from '@ataa/common';
import { AppConfig } from '@ataa/config';
import { CampaignReader } from '@ataa/donations';
import { LedgerService } from '@ataa/ledger';
import { OrganizationsService } from '@ataa/organizations';
import { campaignUrl } from './campaign-share.js';
import { ShareCardCache } from './share-card.cache.js';

/** The QR code's URL never changes for a slug (a published campaign's slug is locked): cached for 30 days. */
const QR_CACHE_CONTROL = 'public, max-age=2592000, immutable';
/** The card follows the totals within a minute (ShareCardCache): crawlers and browsers may keep it that long. */
const CARD_CACHE_CONTROL = 'public, max-age=60';

/**
 * Images for sharing a campaign, drawn on the server: the QR code of its page's URL (SVG) and its
 * Open Graph card (1200×630 PNG, the page's og:image). Public campaigns only; drafts and cancelled
 * ones are 404 like their pages.
 */
@ApiExcludeController()
@Controller('c')
export class CampaignShareController {
  readonly cards = new ShareCardCache();

  constructor(
    private readonly campaigns: CampaignReader,
    private readonly ledger: LedgerService,
    private readonly organizations: OrganizationsService,
    private readonly config: AppConfig,
  ) {}

  @Get(':slug/qr.svg')
  async qr(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const campaign = await this.campaigns.requirePublic((request.params as { slug: string }).slug);
    const svg = await QRCode.toString(campaignUrl(this.config.PUBLIC_BASE_URL, campaign.slug), { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
    void reply.status(200).header('content-type', 'image/svg+xml; charset=utf-8').header('cache-control', QR_CACHE_CONTROL).send(svg);
  }

  @Get(':slug/card.png')
  async card(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const campaign = await this.campaigns.requirePublic((request.params as { slug: string }).slug);
    const [totals, organization] = await Promise.all([this.ledger.campaignTotals(campaign.id), this.organizations.findById(campaign.organizationId)]);
    if (!organization) throw new NotFoundError('Campaign', 'campaign_not_found');
    // Money that stayed, as the page's progress bar counts it.
    const raised = totals ? totals.raised - totals.refunded - totals.disputed : 0n;
    const card = await this.cards.get({
      slug: campaign.slug, title: campaign.title, language: campaign.language, organization: organization.name, raised, goal: campaign.goalAmount, currency: campaign.currency,
    });
    const etag = `"${card.key}"`;
    void reply.header('cache-control', CARD_CACHE_CONTROL).header('etag', etag);
    if (request.headers['if-none-match'] === etag) {
      void reply.status(304).send();
      return;
    }
    void reply.status(200).header('content-type', 'image/png').send(card.png);
  }
}
