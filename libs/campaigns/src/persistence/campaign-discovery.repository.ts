import { Injectable } from '@nestjs/common';
import { ReadReplicas, type ReadSource } from '@ataa/database';
import type { DiscoveryQuery, DiscoverySort } from '../domain/discovery.js';

/** One listed campaign as discovery shows it (a card, or the public API's item). */
export interface ListedCampaignRow {
  id: string;
  slug: string;
  title: string;
  summary: string;
  language: 'en' | 'ar';
  coverImageUrl: string | null;
  organizationName: string;
  status: 'published' | 'ended';
  category: string;
  currency: string;
  fundingModel: 'flexible' | 'all_or_nothing';
  goal: bigint;
  raised: bigint;
  gifts: number;
  publishedAt: Date;
  endsAt: Date | null;
  fundedAt: Date | null;
  /** The row's value in the query's sort order, as PostgreSQL prints it (the next cursor). */
  sortValue: string;
}

export interface ListedCampaignDetailRow extends ListedCampaignRow {
  storyHtml: string;
  startsAt: Date | null;
  endedAt: Date | null;
  donors: number;
  ledgerSize: number;
}

/** Each sort: its column, direction and type (the cursor's value is cast back to it). */
const SORTS: Record<DiscoverySort, { column: string; desc: boolean; type: string }> = {
  newest: { column: 'l.published_at', desc: true, type: 'timestamptz' },
  ending_soon: { column: 'l.ends_key', desc: false, type: 'timestamptz' },
  most_raised: { column: 'l.raised', desc: true, type: 'bigint' },
  closest_to_goal: { column: 'l.closeness', desc: true, type: 'int' },
};

const CARD_COLUMNS = `l.campaign_id AS id, c.slug, c.title, c.summary, c.language, c.cover_image_url, o.name AS organization_name,
  l.status, l.category, l.currency, l.funding_model, l.goal::text AS goal, l.raised::text AS raised, l.gifts::text AS gifts,
  l.published_at, c.ends_at, l.funded_at`;
const CARD_FROM = `campaign_listings l JOIN campaigns c ON c.id = l.campaign_id JOIN organizations o ON o.id = c.organization_id`;

type Row = Record<string, unknown>;

function toCard(r: Row, sortValue = ''): ListedCampaignRow {
  return {
    id: r.id as string, slug: r.slug as string, title: r.title as string, summary: r.summary as string, language: r.language as 'en' | 'ar',
    coverImageUrl: (r.cover_image_url as string | null) ?? null, organizationName: r.organization_name as string,
    status: r.status as 'published' | 'ended', category: r.category as string, currency: r.currency as string,
    fundingModel: r.funding_model as 'flexible' | 'all_or_nothing', goal: BigInt(r.goal as string), raised: BigInt(r.raised as string),
    gifts: Number(r.gifts), publishedAt: r.published_at as Date, endsAt: (r.ends_at as Date | null) ?? null, fundedAt: (r.funded_at as Date | null) ?? null,
    sortValue,
  };
}

/**
 * Discovery's reads: every one on `campaign_listings` (kept by triggers: migration 1795002700000) through its indexes.
 * Public and tolerant of a little lag, each goes to a read replica when one is usable (DATABASE_REPLICA_URLS), else to the primary.
 */
@Injectable()
export class CampaignDiscoveryRepository {
  constructor(private readonly replicas: ReadReplicas) {}

  /** Where the next read goes (each discovery read stands alone: no two of one answer need the same snapshot). */
  private get dataSource(): ReadSource {
    return this.replicas.reader();
  }

  /** The SQL and parameters of a search (also what the EXPLAIN test and the benchmark run). */
  static searchSql(query: DiscoveryQuery): { sql: string; params: unknown[] } {
    const params: unknown[] = [query.status];
    const where = ['l.status = $1'];
    const add = (clause: (n: string) => string, value: unknown) => {
      params.push(value);
      where.push(clause(`$${params.length}`));
    };
    if (query.category) add((n) => `l.category = ${n}`, query.category);
    if (query.currency) add((n) => `l.currency = ${n}`, query.currency);
    if (query.country) add((n) => `l.country = ${n}`, query.country);
    if (query.fundingModel) add((n) => `l.funding_model = ${n}`, query.fundingModel);
    // Words are letters and digits only (searchWords), escaped anyway: a LIKE pattern never carries the caller's wildcards.
    for (const word of query.words) add((n) => `l.search_text LIKE ${n}`, `%${word.replace(/[\\%_]/g, '\\$&')}%`);
    const sort = SORTS[query.sort];
    if (query.after) {
      params.push(query.after.value, query.after.id);
      const v = `$${params.length - 1}::${sort.type}`;
      const id = `$${params.length}::uuid`;
      where.push(`(${sort.column}, l.campaign_id) ${sort.desc ? '<' : '>'} (${v}, ${id})`);
    }
    params.push(query.limit + 1);
    const dir = sort.desc ? 'DESC' : 'ASC';
    const sql = `SELECT ${CARD_COLUMNS}, ${sort.column}::text AS sort_value FROM ${CARD_FROM}
      WHERE ${where.join(' AND ')} ORDER BY ${sort.column} ${dir}, l.campaign_id ${dir} LIMIT $${params.length}`;
    return { sql, params };
  }

  /** One page (and whether there is another) in the query's order. */
  async search(query: DiscoveryQuery): Promise<{ rows: ListedCampaignRow[]; more: boolean }> {
    const { sql, params } = CampaignDiscoveryRepository.searchSql(query);
    const rows: Row[] = await this.dataSource.query(sql, params);
    return { rows: rows.slice(0, query.limit).map((r) => toCard(r, r.sort_value as string)), more: rows.length > query.limit };
  }

  /** Campaigns taking gifts with the most gifts in the last `hours` hours (hourly buckets, not the gifts). */
  async mostGiftsSince(hours: number, limit: number): Promise<ListedCampaignRow[]> {
    const rows: Row[] = await this.dataSource.query(
      `WITH g AS (SELECT campaign_id, sum(gifts) AS recent FROM campaign_gift_hours
                   WHERE hour >= date_trunc('hour', now()) - make_interval(hours => $1) GROUP BY campaign_id)
       SELECT ${CARD_COLUMNS} FROM g JOIN ${CARD_FROM} ON l.campaign_id = g.campaign_id
        WHERE l.status = 'published' ORDER BY g.recent DESC, l.campaign_id LIMIT $2`,
      [hours - 1, limit],
    );
    return rows.map((r) => toCard(r));
  }

  /** The countries of listed campaigns (a skip scan of the country index: one probe a country, not a scan). */
  async listedCountries(): Promise<string[]> {
    const rows: Row[] = await this.dataSource.query(
      `WITH RECURSIVE c AS (
         (SELECT country FROM campaign_listings WHERE country IS NOT NULL ORDER BY country LIMIT 1)
         UNION ALL
         SELECT (SELECT l.country FROM campaign_listings l WHERE l.country > c.country ORDER BY l.country LIMIT 1) FROM c WHERE c.country IS NOT NULL
       ) SELECT country FROM c WHERE country IS NOT NULL`);
    return rows.map((r) => r.country as string);
  }

  async endingSoon(limit: number): Promise<ListedCampaignRow[]> {
    const rows: Row[] = await this.dataSource.query(
      `SELECT ${CARD_COLUMNS} FROM ${CARD_FROM} WHERE l.status = 'published' AND l.ends_key > now() AND l.ends_key < 'infinity'
        ORDER BY l.ends_key, l.campaign_id LIMIT $1`, [limit]);
    return rows.map((r) => toCard(r));
  }

  async recentlyFunded(limit: number): Promise<ListedCampaignRow[]> {
    const rows: Row[] = await this.dataSource.query(
      `SELECT ${CARD_COLUMNS} FROM ${CARD_FROM} WHERE l.funded_at IS NOT NULL ORDER BY l.funded_at DESC, l.campaign_id DESC LIMIT $1`, [limit]);
    return rows.map((r) => toCard(r));
  }

  /** What every campaign kept, per currency (one row per campaign in the ledger's totals), and how many listed campaigns have a published log. */
  async platformFigures(): Promise<{ raised: { currency: string; amount: bigint }[]; verifiableLedgers: number }> {
    const raised: Row[] = await this.dataSource.query(
      `SELECT currency, sum(raised - refunded - disputed)::text AS amount FROM campaign_ledger_totals GROUP BY currency HAVING sum(raised - refunded - disputed) > 0 ORDER BY currency`);
    const [ledgers] = await this.dataSource.query(
      `SELECT count(*)::int AS n FROM transparency_logs t JOIN campaign_listings l ON l.campaign_id = t.campaign_id WHERE t.size > 0`);
    return { raised: raised.map((r) => ({ currency: r.currency as string, amount: BigInt(r.amount as string) })), verifiableLedgers: Number(ledgers.n) };
  }

  async bySlug(slug: string): Promise<ListedCampaignDetailRow | null> {
    const source = this.dataSource;
    const found = await this.detailRow(slug, source);
    // Published a moment ago and not on the replica yet: the primary has it.
    return found ?? (source.replica ? this.detailRow(slug, this.replicas.primary) : null);
  }

  private async detailRow(slug: string, source: ReadSource): Promise<ListedCampaignDetailRow | null> {
    const [row]: Row[] = await source.query(
      `SELECT ${CARD_COLUMNS}, c.story_html, c.starts_at, c.ended_at, coalesce(t.donors, 0)::text AS donors, coalesce(t.size, 0)::text AS ledger_size
         FROM ${CARD_FROM} LEFT JOIN transparency_logs t ON t.campaign_id = l.campaign_id WHERE c.slug = $1`, [slug]);
    if (!row) return null;
    return {
      ...toCard(row), storyHtml: row.story_html as string, startsAt: (row.starts_at as Date | null) ?? null, endedAt: (row.ended_at as Date | null) ?? null,
      donors: Number(row.donors), ledgerSize: Number(row.ledger_size),
    };
  }
}
