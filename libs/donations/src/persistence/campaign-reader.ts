import type { Designation } from '@ataa/campaigns';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DomainError, NotFoundError } from '@ataa/common';
import type { Queryable } from '@ataa/database';

/** What the donation flow needs of a campaign, read with plain SQL on the hot public paths. */
export interface DonationCampaign {
  id: string;
  organizationId: string;
  slug: string;
  title: string;
  summary: string;
  storyHtml: string;
  coverImageUrl: string | null;
  currency: string;
  goalAmount: bigint;
  suggestedAmounts: bigint[];
  minimumAmount: bigint | null;
  maximumAmount: bigint | null;
  allowAnonymous: boolean;
  offerCoverFees: boolean;
  language: 'en' | 'ar';
  platformFeeBps: number;
  status: string;
  startsAt: Date | null;
  endsAt: Date | null;
  /** The operator's public reason while the campaign is suspended (it takes no gifts); null otherwise. */
  suspensionReason: string | null;
  /** Origins allowed to frame the campaign's donate widget (canonical, validated on write). */
  embedOrigins: string[];
  fundingModel: 'flexible' | 'all_or_nothing';
  /** Declared designations (restricted funds); empty: the implicit general only. */
  designations: Designation[];
}

const COLUMNS = `id, organization_id, slug, title, summary, story_html, cover_image_url, currency, goal_amount::text, suggested_amounts::text[] AS suggested,
  minimum_amount::text, maximum_amount::text, allow_anonymous, offer_cover_fees, language, platform_fee_bps, status, starts_at, ends_at, suspension_reason, moderation_version, embed_origins, funding_model, designations`;

const toCampaign = (r: Record<string, any>): DonationCampaign => ({
  id: r.id, organizationId: r.organization_id, slug: r.slug, title: r.title, summary: r.summary, storyHtml: r.story_html,
  coverImageUrl: r.cover_image_url, currency: r.currency, goalAmount: BigInt(r.goal_amount),
  suggestedAmounts: (r.suggested ?? []).map((v: string) => BigInt(v)),
  minimumAmount: r.minimum_amount === null ? null : BigInt(r.minimum_amount), maximumAmount: r.maximum_amount === null ? null : BigInt(r.maximum_amount),
  allowAnonymous: r.allow_anonymous, offerCoverFees: r.offer_cover_fees, language: r.language === 'ar' ? 'ar' : 'en',
  platformFeeBps: r.platform_fee_bps, status: r.status, startsAt: r.starts_at, endsAt: r.ends_at, suspensionReason: r.suspension_reason ?? null,
  embedOrigins: r.embed_origins ?? [],
  fundingModel: r.funding_model === 'all_or_nothing' ? 'all_or_nothing' : 'flexible',
  designations: Array.isArray(r.designations) ? r.designations : [],
});

/** A campaign as the organization's donation pages name it. */
export interface OrganizationCampaign {
  id: string;
  slug: string;
  title: string;
  currency: string;
  status: string;
}

/** A campaign row's version as a page head compares it: its version, update time and xmin (any change to the row, even by hand in SQL). */
const rowVersion = (alias: string) => `${alias}version || '.' || (extract(epoch FROM ${alias}updated_at) * 1000000)::bigint::text || '.' || ${alias}xmin::text`;

/**
 * A public campaign and a version of everything its page shows: the row's own version and update
 * time, its ledger totals (what the progress bar shows) and its public log's size (every settled
 * gift, refund, lost dispute or change of terms appends in the same transaction as the figures it
 * changes). Equal versions mean the same page.
 */
export interface CampaignPageHead {
  campaign: DonationCampaign;
  figuresVersion: string;
  /** The size of the campaign's public log this head was read at (0 before its first entry). */
  logSize: number;
  /** Whether the campaign has any matching offer: only then does its page read them (one read less per page otherwise). */
  hasMatchingOffers: boolean;
}

/** Public pages show published, paused and ended campaigns; drafts and cancelled ones are 404. */
const PUBLIC_STATUSES = ['published', 'paused', 'ended'];

@Injectable()
export class CampaignReader {
  constructor(private readonly dataSource: DataSource) {}

  async findPublicBySlug(slug: string): Promise<DonationCampaign | null> {
    if (!/^[a-z0-9-]{1,80}$/.test(slug)) return null;
    const [row] = await this.dataSource.query(`SELECT ${COLUMNS} FROM campaigns WHERE slug = $1 AND status = ANY($2)`, [slug, PUBLIC_STATUSES]);
    return row ? toCampaign(row) : null;
  }

  /**
   * The last full row read of each campaign whose page head was asked for, with the row's version it
   * was read at: a head read takes only the version columns, and the row itself only when that
   * version changed (or was never read). Bounded; per process.
   */
  private readonly pageRows = new Map<string, { rowVersion: string; campaign: DonationCampaign }>();

  /**
   * The page heads of several public campaigns, read fresh (what a campaign page reads on every
   * request to know whether its cached rendering is still current): one indexed query of the version
   * columns only (the campaign row's version, update time, status and `xmin` — any change to the row,
   * even one made by hand in SQL that leaves updated_at alone, gives it a new `xmin` — its ledger
   * totals, its public log's size, its updates, whether it has matching offers), then the rows of the
   * campaigns whose row version is not the one last read, in a second query (none when nothing
   * changed).
   */
  async findPublicPageHeads(slugs: string[], db: Queryable = this.dataSource): Promise<Map<string, CampaignPageHead>> {
    const found = new Map<string, CampaignPageHead>();
    const valid = slugs.filter((s) => /^[a-z0-9-]{1,80}$/.test(s));
    if (valid.length === 0) return found;
    const rows: Record<string, any>[] = await db.query(
      `SELECT c.slug, c.status, ${rowVersion('c.')} AS row_version,
         t.raised::text AS t_raised, t.refunded::text AS t_refunded, t.disputed::text AS t_disputed, t.donations_count::text AS t_count,
         (extract(epoch FROM t.updated_at) * 1000000)::bigint::text AS t_updated, l.size::text AS log_size, l.redactions::text AS log_redactions,
         (SELECT count(*)::text || '.' || coalesce((extract(epoch FROM max(u.updated_at)) * 1000000)::bigint::text, '-') FROM campaign_updates u WHERE u.campaign_id = c.id) AS updates_version,
         EXISTS (SELECT 1 FROM matching_offers m WHERE m.campaign_id = c.id) AS has_matching_offers
       FROM campaigns c
       LEFT JOIN campaign_ledger_totals t ON t.campaign_id = c.id
       LEFT JOIN transparency_logs l ON l.campaign_id = c.id
       WHERE c.slug = ANY($1) AND c.status = ANY($2)`,
      [valid, PUBLIC_STATUSES],
    );
    const stale = rows.filter((r) => this.pageRows.get(r.slug)?.rowVersion !== r.row_version).map((r) => r.slug as string);
    if (stale.length > 0) {
      const full: Record<string, any>[] = await db.query(
        `SELECT ${COLUMNS}, ${rowVersion('')} AS row_version FROM campaigns WHERE slug = ANY($1)`,
        [stale],
      );
      if (this.pageRows.size + full.length > 10_000) this.pageRows.clear();
      // (a row changed between the two reads is newer than its version: its next head read reads it again)
      for (const r of full) this.pageRows.set(r.slug, { rowVersion: r.row_version, campaign: toCampaign(r) });
    }
    for (const r of rows) {
      const row = this.pageRows.get(r.slug);
      if (row === undefined) continue; // gone between the two reads
      const figuresVersion = [r.row_version, r.status, r.t_raised, r.t_refunded, r.t_disputed, r.t_count, r.t_updated, r.log_size, r.log_redactions, r.updates_version].map((v) => v ?? '-').join(':');
      found.set(r.slug, { campaign: row.campaign, figuresVersion, logSize: Number(r.log_size ?? 0), hasMatchingOffers: r.has_matching_offers === true });
    }
    return found;
  }

  async findById(id: string): Promise<DonationCampaign | null> {
    const [row] = await this.dataSource.query(`SELECT ${COLUMNS} FROM campaigns WHERE id = $1`, [id]);
    return row ? toCampaign(row) : null;
  }

  /** An organization's campaigns by title (most recent first, at most `limit`): the dashboard's filter and the CSV's titles. */
  async listForOrganization(organizationId: string, limit: number): Promise<OrganizationCampaign[]> {
    const rows: Record<string, any>[] = await this.dataSource.query(
      `SELECT id, slug, title, currency, status FROM campaigns WHERE organization_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`, [organizationId, limit],
    );
    return rows.map((r) => ({ id: r.id, slug: r.slug, title: r.title, currency: r.currency, status: r.status }));
  }

  async requirePublic(slug: string): Promise<DonationCampaign> {
    const campaign = await this.findPublicBySlug(slug);
    if (!campaign) throw new NotFoundError('Campaign', 'campaign_not_found');
    return campaign;
  }
}

/**
 * Only a published campaign within its dates, not suspended, accepts gifts (409 otherwise: a
 * suspended campaign answers `campaign_suspended`, whatever its status).
 */
export function assertAcceptsDonations(campaign: DonationCampaign, now: Date = new Date()): void {
  if (campaign.suspensionReason) throw new DomainError('campaign_suspended', 'This campaign is suspended and is not accepting donations', 409);
  const open = campaign.status === 'published'
    && (campaign.startsAt === null || campaign.startsAt <= now)
    && (campaign.endsAt === null || campaign.endsAt > now);
  if (!open) throw new DomainError('campaign_not_accepting_donations', 'This campaign is not accepting donations', 409);
}
