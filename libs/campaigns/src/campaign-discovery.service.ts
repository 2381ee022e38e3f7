import { Injectable } from '@nestjs/common';
import { NotFoundError } from '@ataa/common';
import { encodeDiscoveryCursor, parseDiscoveryQuery, type DiscoveryQuery } from './domain/discovery.js';
import { CampaignDiscoveryRepository, type ListedCampaignDetailRow, type ListedCampaignRow } from './persistence/campaign-discovery.repository.js';

export interface DiscoveryPage {
  query: DiscoveryQuery;
  items: ListedCampaignRow[];
  /** The cursor of the next page; null on the last. */
  nextCursor: string | null;
}

export interface HomeSections {
  featured: ListedCampaignRow[];
  trending: ListedCampaignRow[];
  endingSoon: ListedCampaignRow[];
  recentlyFunded: ListedCampaignRow[];
  raised: { currency: string; amount: bigint }[];
  verifiableLedgers: number;
}

/** Public campaign discovery (home page, /campaigns, /api/v1/public/campaigns): listed campaigns only. */
@Injectable()
export class CampaignDiscoveryService {
  constructor(private readonly repository: CampaignDiscoveryRepository) {}

  /** `strict` (the API): bad parameters are 400s; otherwise (the page) they are ignored. */
  async search(raw: Record<string, unknown>, strict: boolean): Promise<DiscoveryPage> {
    const query = parseDiscoveryQuery(raw, strict);
    const { rows, more } = await this.repository.search(query);
    const last = rows.at(-1);
    return { query, items: rows, nextCursor: more && last ? encodeDiscoveryCursor({ sort: query.sort, value: last.sortValue, id: last.id }) : null };
  }

  async home(): Promise<HomeSections> {
    // Featured: most gifts over 7 days; trending: over 24 hours, without the featured ones.
    const [featured, trendingAll, endingSoon, recentlyFunded, figures] = await Promise.all([
      this.repository.mostGiftsSince(24 * 7, 3), this.repository.mostGiftsSince(24, 9), this.repository.endingSoon(6),
      this.repository.recentlyFunded(6), this.repository.platformFigures(),
    ]);
    const shown = new Set(featured.map((c) => c.id));
    return { featured, trending: trendingAll.filter((c) => !shown.has(c.id)).slice(0, 6), endingSoon, recentlyFunded, ...figures };
  }

  async bySlug(slug: string): Promise<ListedCampaignDetailRow> {
    const found = /^[a-z0-9]+(-[a-z0-9]+)*$/.test(slug) && slug.length <= 80 ? await this.repository.bySlug(slug) : null;
    if (!found) throw new NotFoundError('Campaign', 'campaign_not_found');
    return found;
  }
}
