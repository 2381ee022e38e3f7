import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { CampaignStatus, FundingModel } from '../domain/campaign-rules.js';
import { Campaign } from './campaign.entity.js';

/** The organization's campaign list filter (the DTO's, already validated). */
export interface CampaignListQuery {
  status?: CampaignStatus;
  fundingModel?: FundingModel;
  currency?: string;
  q?: string;
  cursor?: string;
}

/** Campaigns (the `Campaign` entity) as their service reads, locks and writes them. */
@Injectable()
export class CampaignRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Inserts a new campaign in the caller's transaction (its slug's uniqueness is the database's). */
  insert(manager: EntityManager, values: Partial<Campaign>): Promise<Campaign> {
    return manager.save(manager.create(Campaign, values));
  }

  /** Writes the campaign's changed fields. */
  async save(manager: EntityManager, campaign: Campaign): Promise<void> {
    await manager.save(campaign);
  }

  /** The campaign, its row locked FOR UPDATE, or null. */
  lock(manager: EntityManager, campaignId: string): Promise<Campaign | null> {
    return manager.findOne(Campaign, { where: { id: campaignId }, lock: { mode: 'pessimistic_write' } });
  }

  /** The organization's campaign, its row locked FOR UPDATE, or null. */
  lockForOrganization(manager: EntityManager, organizationId: string, campaignId: string): Promise<Campaign | null> {
    return manager.findOne(Campaign, { where: { id: campaignId, organizationId }, lock: { mode: 'pessimistic_write' } });
  }

  findById(id: string): Promise<Campaign | null> {
    return this.dataSource.getRepository(Campaign).findOneBy({ id });
  }

  findBySlug(slug: string): Promise<Campaign | null> {
    return this.dataSource.getRepository(Campaign).findOneBy({ slug });
  }

  findForOrganization(organizationId: string, campaignId: string): Promise<Campaign | null> {
    return this.dataSource.getRepository(Campaign).findOneBy({ id: campaignId, organizationId });
  }

  /** Slugs and update times of campaigns in these statuses, most recently changed first. */
  async slugsByUpdate(statuses: readonly CampaignStatus[], limit: number): Promise<Campaign[]> {
    return this.dataSource.getRepository(Campaign).createQueryBuilder('c')
      .select(['c.slug', 'c.updatedAt'])
      .where('c.status IN (:...statuses)', { statuses })
      .orderBy('c.updated_at', 'DESC').addOrderBy('c.id', 'DESC')
      .limit(limit)
      .getMany();
  }

  /** Up to `limit` of the organization's campaigns, newest first, keyset on (created_at, id) after the cursor's campaign. */
  page(organizationId: string, query: CampaignListQuery, limit: number): Promise<Campaign[]> {
    const qb = this.dataSource.getRepository(Campaign).createQueryBuilder('c')
      .where('c.organization_id = :organizationId', { organizationId })
      .orderBy('c.created_at', 'DESC').addOrderBy('c.id', 'DESC')
      .limit(limit);
    if (query.status) qb.andWhere('c.status = :status', { status: query.status });
    if (query.fundingModel) qb.andWhere('c.funding_model = :fundingModel', { fundingModel: query.fundingModel });
    if (query.currency) qb.andWhere('c.currency = :currency', { currency: query.currency });
    if (query.q) qb.andWhere(`c.title ILIKE :q ESCAPE '\\'`, { q: `%${query.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%` });
    if (query.cursor) {
      // The cursor is the last id seen; its position is read in SQL so no timestamp precision is lost.
      qb.andWhere('(c.created_at, c.id) < (SELECT k.created_at, k.id FROM campaigns k WHERE k.id = :cursor AND k.organization_id = :organizationId)', { cursor: query.cursor });
    }
    return qb.getMany();
  }

  /** Live (published or paused) campaigns of the organization ending in (now, before], soonest first. */
  endingBetween(organizationId: string, now: Date, before: Date, limit: number): Promise<Campaign[]> {
    return this.dataSource.getRepository(Campaign).createQueryBuilder('c')
      .where('c.organization_id = :organizationId', { organizationId })
      .andWhere(`c.status IN ('published', 'paused')`)
      .andWhere('c.ends_at > :now AND c.ends_at <= :before', { now, before })
      .orderBy('c.ends_at', 'ASC').addOrderBy('c.id', 'ASC')
      .limit(limit)
      .getMany();
  }

  /** A gift made (settled) or on its way (pending) for the campaign. */
  async hasGifts(manager: EntityManager, campaignId: string): Promise<boolean> {
    const [row] = await manager.query(
      `SELECT EXISTS (SELECT 1 FROM donations WHERE campaign_id = $1 AND settled_at IS NOT NULL)
           OR EXISTS (SELECT 1 FROM donations WHERE campaign_id = $1 AND status = 'pending') AS has`,
      [campaignId],
    );
    return row.has === true;
  }

  /** How many of the campaign's payouts are paid or on their way (pending approval, approved, processing). */
  async payoutsPaidOrUnderway(manager: EntityManager, campaignId: string): Promise<number> {
    const [payout] = await manager.query(
      `SELECT count(*)::int AS n FROM payouts WHERE campaign_id = $1 AND status IN ('pending_approval', 'approved', 'processing', 'paid')`, [campaignId],
    );
    return payout.n;
  }
}
