import { Injectable } from '@nestjs/common';
import { NotFoundError } from '@ataa/common';
import { donorCsv, type DonorSummary } from './domain/donor-csv.js';
import { DataExportRepository } from './persistence/data-export.repository.js';

/**
 * An organization's donors as CSV: every address that gave a settled gift to its campaigns (or to
 * one of them), with totals per currency and the choices made at checkout. Donors whose personal
 * data was erased have no address left and are not listed.
 */
@Injectable()
export class DonorExportService {
  constructor(private readonly repository: DataExportRepository) {}

  async summaries(organizationId: string, campaignId?: string): Promise<DonorSummary[]> {
    // Another organization's campaign is not found (never forbidden: that would confirm it exists).
    if (campaignId && !(await this.repository.campaignBelongsTo(organizationId, campaignId))) throw new NotFoundError('Campaign');
    const rows = await this.repository.donorAggregates(organizationId, campaignId);
    return rows.map((r) => ({
      email: r.email, name: r.name, gifts: r.gifts,
      totals: Object.fromEntries(Object.entries(r.totals).map(([c, v]) => [c, BigInt(v)])),
      firstGiftAt: new Date(r.first_gift_at), lastGiftAt: new Date(r.last_gift_at),
      namedGifts: r.named_gifts, latestShowsName: r.latest_shows_name, messages: r.messages,
    }));
  }

  async csv(organizationId: string, campaignId?: string): Promise<{ csv: string; rows: number }> {
    const donors = await this.summaries(organizationId, campaignId);
    return { csv: donorCsv(donors), rows: donors.length };
  }
}
