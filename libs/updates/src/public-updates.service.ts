import { Injectable } from '@nestjs/common';
import { DomainError, NotFoundError } from '@ataa/common';
import { AppConfig } from '@ataa/config';
import { deriveLinkKey } from '@ataa/privacy';
import { renderAtomFeed } from './domain/atom-feed.js';
import { escapeHtml } from './domain/update-body.js';
import { verifyUnsubscribeToken } from './domain/unsubscribe-link.js';
import { UpdateCampaign, UpdateRow, UpdatesRepository } from './persistence/updates.repository.js';
import type { Queryable } from '@ataa/database';

/** Updates per page of `/c/:slug/updates`. */
export const UPDATES_PAGE_SIZE = 10;
/** Entries in the Atom feed (the newest). */
export const FEED_ENTRIES = 20;
/** Updates the campaign page shows. */
export const LATEST_ON_CAMPAIGN_PAGE = 3;

export interface PublicUpdatesPage {
  campaign: UpdateCampaign;
  items: UpdateRow[];
  page: number;
  pages: number;
}

/** The public side: published updates of public campaigns, the feed, and unsubscribing. */
@Injectable()
export class PublicUpdatesService {
  private readonly linkKey: Buffer | null;
  private readonly base: string;

  constructor(
    private readonly repository: UpdatesRepository,
    private readonly config: AppConfig,
  ) {
    this.linkKey = config.AUTH_SECRET ? deriveLinkKey(config.AUTH_SECRET) : null;
    this.base = config.PUBLIC_BASE_URL.replace(/\/$/, '');
  }

  async campaign(slug: string): Promise<UpdateCampaign> {
    const campaign = await this.repository.findPublicCampaign(slug);
    if (!campaign) throw new NotFoundError('Campaign', 'campaign_not_found');
    return campaign;
  }

  /** The newest published updates of a campaign (the campaign page's section). */
  async latest(campaignId: string, limit = LATEST_ON_CAMPAIGN_PAGE, db?: Queryable): Promise<UpdateRow[]> {
    return this.repository.listPublished(campaignId, limit, 0, db);
  }

  /** One page (1-based); a page past the last is a 404. */
  async page(slug: string, page: number): Promise<PublicUpdatesPage> {
    if (!Number.isSafeInteger(page) || page < 1 || page > 100_000) throw new NotFoundError('Page', 'page_not_found');
    const campaign = await this.campaign(slug);
    const total = await this.repository.countPublished(campaign.id);
    const pages = Math.max(1, Math.ceil(total / UPDATES_PAGE_SIZE));
    if (page > pages) throw new NotFoundError('Page', 'page_not_found');
    const items = await this.repository.listPublished(campaign.id, UPDATES_PAGE_SIZE, (page - 1) * UPDATES_PAGE_SIZE);
    return { campaign, items, page, pages };
  }

  async one(slug: string, updateId: string): Promise<{ campaign: UpdateCampaign; update: UpdateRow }> {
    const campaign = await this.campaign(slug);
    const update = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(updateId) ? await this.repository.findPublished(campaign.id, updateId) : null;
    if (!update) throw new NotFoundError('Update', 'update_not_found');
    return { campaign, update };
  }

  /** The campaign's Atom feed (absolute URLs). */
  async feed(slug: string): Promise<string> {
    const campaign = await this.campaign(slug);
    const items = await this.repository.listPublished(campaign.id, FEED_ENTRIES);
    const pageUrl = `${this.base}/c/${campaign.slug}/updates`;
    const imageHtml = (u: UpdateRow) => (u.imageKey ? `<p><img src="${this.base}/media/covers/${u.imageKey}" alt="${escapeHtml(u.imageAlt ?? '')}"></p>` : '');
    return renderAtomFeed({
      selfUrl: `${pageUrl}.atom`,
      pageUrl,
      title: campaign.title,
      author: campaign.organizationName,
      language: campaign.language,
      updated: items.reduce((latest, u) => (u.updatedAt > latest ? u.updatedAt : latest), items[0]?.updatedAt ?? campaign.updatedAt),
      entries: items.map((u) => ({
        id: `urn:uuid:${u.id}`,
        title: u.title,
        url: `${pageUrl}/${u.id}`,
        published: u.publishedAt!,
        updated: u.updatedAt,
        // Relative links of the body (an uploaded image's /media path) become absolute in the feed.
        html: imageHtml(u) + u.bodyHtml.replace(/(href|src)="\/(?!\/)/g, `$1="${this.base}/`),
        language: u.language,
      })),
    });
  }

  /** Checks an unsubscribe link for this campaign; a bad or foreign link is a 400 `invalid_link`. */
  check(campaign: UpdateCampaign, token: unknown): { campaignId: string; emailHash: string } {
    const verdict = this.linkKey ? verifyUnsubscribeToken(this.linkKey, token, new Date()) : { ok: false as const, reason: 'malformed' as const };
    if (!verdict.ok || verdict.campaignId !== campaign.id) throw new DomainError('invalid_link', 'This unsubscribe link is not valid', 400);
    return verdict;
  }

  /** Unsubscribes the link's address from the campaign's updates (idempotent). */
  async unsubscribe(campaign: UpdateCampaign, token: unknown): Promise<void> {
    const { emailHash } = this.check(campaign, token);
    await this.repository.unsubscribe(campaign.id, emailHash);
  }
}
