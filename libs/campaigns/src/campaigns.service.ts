import { Inject, Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig } from '@ataa/config';
import { ConflictError, DomainError, NotFoundError, requireUserText, TEXT_LIMITS } from '@ataa/common';
import { isUniqueViolation } from '@ataa/database';
import { AuditService, type Principal } from '@ataa/organizations';
import { PublicLedgerAppender } from '@ataa/transparency';
import {
  acceptsDonations, assertCampaignRules, assertPublishable, assertTermsChange, CampaignAction, CampaignStatus, CampaignTermChange, FundingModel, isEditable, nextStatus, slugify,
} from './domain/campaign-rules.js';
import { normalizeDesignations, removedDesignations, type Designation } from './domain/designations.js';
import { renderStory } from './domain/story-renderer.js';
import { normalizeEmbedOrigins } from './domain/embed-origins.js';
import type { CreateCampaignDto, ListCampaignsQueryDto, UpdateCampaignDto } from './dto/campaign.dto.js';
import { Campaign } from './persistence/campaign.entity.js';
import { CampaignRepository } from './persistence/campaign.repository.js';

const SLUG_CONSTRAINT = 'campaigns_slug_key';
const campaignNotFound = () => new NotFoundError('Campaign');
const toDate = (value: string | null | undefined): Date | null | undefined => (value === undefined ? undefined : value === null ? null : new Date(value));
const toAmount = (value: string | null | undefined): bigint | null | undefined => (value === undefined ? undefined : value === null ? null : BigInt(value));

export interface CampaignPage {
  items: Campaign[];
  nextCursor: string | null;
}

const PAST_TENSE: Record<CampaignAction, string> = { publish: 'published', pause: 'paused', resume: 'resumed', end: 'ended', cancel: 'cancelled' };

/** Campaigns and their lifecycle. Every organization-facing method is scoped to the caller's organization. */
@Injectable()
export class CampaignsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly campaigns: CampaignRepository,
    private readonly audit: AuditService,
    @Inject(AppConfig) private readonly config: AppConfig,
    private readonly publicLedger: PublicLedgerAppender,
  ) {}

  async create(principal: Principal, input: CreateCampaignDto): Promise<Campaign> {
    const values = {
      currency: input.currency,
      goalAmount: BigInt(input.goal),
      minimumAmount: toAmount(input.minimumAmount) ?? null,
      maximumAmount: toAmount(input.maximumAmount) ?? null,
      suggestedAmounts: (input.suggestedAmounts ?? []).map((a) => BigInt(a)),
      startsAt: toDate(input.startsAt) ?? null,
      endsAt: toDate(input.endsAt) ?? null,
    };
    assertCampaignRules(values);
    const story = requireUserText('story', input.story ?? '', { max: TEXT_LIMITS.campaignStory, multiline: true });
    const base = {
      ...values,
      organizationId: principal.organizationId,
      title: requireUserText('title', input.title, { min: 1, max: TEXT_LIMITS.campaignTitle }),
      summary: requireUserText('summary', input.summary ?? '', { max: TEXT_LIMITS.campaignSummary, multiline: true }),
      storyMarkdown: story,
      storyHtml: renderStory(story),
      coverImageUrl: input.coverImageUrl ?? null,
      fundingModel: input.fundingModel ?? 'flexible',
      allowAnonymous: input.allowAnonymous ?? true,
      offerCoverFees: input.offerCoverFees ?? true,
      language: input.language ?? 'en',
      category: input.category ?? 'other',
      embedOrigins: embedOriginsOf(input.embedOrigins) ?? [],
      designations: designationsOf(input.designations) ?? [],
      // The platform sets the fee, never the organization.
      platformFeeBps: this.config.PLATFORM_FEE_BPS,
      status: 'draft' as const,
      version: 1,
    };
    const derived = slugify(input.title) || 'campaign';
    for (let attempt = 0; ; attempt++) {
      // A chosen slug must be free; a derived one gets a short random suffix until it is.
      const slug = input.slug ?? (attempt === 0 ? derived : `${derived.slice(0, 70)}-${randomBytes(3).toString('hex')}`);
      try {
        return await this.dataSource.transaction(async (manager) => {
          const campaign = await this.campaigns.insert(manager, { ...base, slug });
          await this.audit.record(manager, { organizationId: principal.organizationId, actor: principal.actor, action: 'campaign.created', targetType: 'campaign', targetId: campaign.id, details: { title: campaign.title, slug, ...designationsAudit(campaign.designations) } });
          return campaign;
        });
      } catch (error) {
        if (!isUniqueViolation(error, SLUG_CONSTRAINT)) throw error;
        if (input.slug !== undefined) throw slugTaken();
        if (attempt >= 5) throw error;
      }
    }
  }

  async update(principal: Principal, campaignId: string, input: UpdateCampaignDto): Promise<Campaign> {
    try {
      return await this.dataSource.transaction(async (manager) => {
        const campaign = await this.lockForOrg(manager, principal.organizationId, campaignId);
        assertVersion(campaign, input.version);
        if (!isEditable(campaign.status)) throw new ConflictError('campaign_not_editable', `A ${campaign.status} campaign cannot be edited`);
        const locked = campaign.status !== 'draft';
        const changed: string[] = [];
        const lockedField = (field: string, differs: boolean) => {
          if (locked && differs) throw new ConflictError('campaign_field_locked', `${field} cannot change once the campaign is published`, { field });
        };
        lockedField('slug', input.slug !== undefined && input.slug !== campaign.slug);
        lockedField('currency', input.currency !== undefined && input.currency !== campaign.currency);
        lockedField('fundingModel', input.fundingModel !== undefined && input.fundingModel !== campaign.fundingModel);

        const next = {
          slug: input.slug ?? campaign.slug,
          title: input.title == null ? campaign.title : requireUserText('title', input.title, { min: 1, max: TEXT_LIMITS.campaignTitle }),
          summary: input.summary == null ? campaign.summary : requireUserText('summary', input.summary, { max: TEXT_LIMITS.campaignSummary, multiline: true }),
          storyMarkdown: input.story == null ? campaign.storyMarkdown : requireUserText('story', input.story, { max: TEXT_LIMITS.campaignStory, multiline: true }),
          coverImageUrl: input.coverImageUrl === undefined ? campaign.coverImageUrl : input.coverImageUrl,
          currency: input.currency ?? campaign.currency,
          goalAmount: toAmount(input.goal) ?? campaign.goalAmount,
          startsAt: input.startsAt === undefined ? campaign.startsAt : toDate(input.startsAt)!,
          endsAt: input.endsAt === undefined ? campaign.endsAt : toDate(input.endsAt)!,
          fundingModel: (input.fundingModel ?? campaign.fundingModel) as FundingModel,
          suggestedAmounts: input.suggestedAmounts === undefined ? campaign.suggestedAmounts : input.suggestedAmounts.map((a) => BigInt(a)),
          minimumAmount: input.minimumAmount === undefined ? campaign.minimumAmount : toAmount(input.minimumAmount)!,
          maximumAmount: input.maximumAmount === undefined ? campaign.maximumAmount : toAmount(input.maximumAmount)!,
          allowAnonymous: input.allowAnonymous ?? campaign.allowAnonymous,
          offerCoverFees: input.offerCoverFees ?? campaign.offerCoverFees,
          language: input.language ?? campaign.language,
          category: input.category ?? campaign.category,
          embedOrigins: embedOriginsOf(input.embedOrigins) ?? campaign.embedOrigins,
          designations: designationsOf(input.designations) ?? campaign.designations ?? [],
        };
        const removed = removedDesignations(campaign.designations ?? [], next.designations);
        if (locked && removed.length > 0) {
          throw new ConflictError('campaign_field_locked', 'A live campaign keeps the designations gifts were made to (with their zakat mark): add or relabel, never remove', { field: 'designations', removed });
        }
        assertCampaignRules(next);
        if (locked && input.endsAt !== undefined && next.endsAt && next.endsAt.getTime() <= Date.now()) {
          throw new DomainError('invalid_dates', 'A running campaign cannot get an end date in the past; end it instead', 400, { field: 'endsAt' });
        }
        // A live campaign's terms: what the first gift locks, and every change public.
        const now = new Date();
        let terms: CampaignTermChange[] = [];
        if (locked) {
          const hasGifts = campaign.termsLockedAt !== null || (await this.campaigns.hasGifts(manager, campaign.id));
          if (hasGifts && campaign.termsLockedAt === null) {
            campaign.termsLockedAt = now;
            campaign.lockedEndsAt = campaign.endsAt;
          }
          const checked = assertTermsChange(
            { fundingModel: campaign.fundingModel, goalAmount: campaign.goalAmount, startsAt: campaign.startsAt, endsAt: campaign.endsAt }, next,
            { hasGifts, endsAtAtFirstGift: campaign.lockedEndsAt, endExtensions: campaign.endExtensions }, now,
          );
          terms = checked.changes;
          if (checked.endExtended && hasGifts) campaign.endExtensions += 1;
        }
        for (const [key, value] of Object.entries(next)) {
          const before = (campaign as unknown as Record<string, unknown>)[key];
          if (!sameValue(before, value)) changed.push(key);
        }
        if (changed.length === 0) return campaign;
        // Restricted funds are money rules: the audit keeps what was declared (codes, labels, zakat marks) before and after.
        const designationChange = changed.includes('designations') ? { designationsBefore: campaign.designations ?? [], designationsAfter: next.designations } : {};
        Object.assign(campaign, next);
        if (changed.includes('storyMarkdown')) campaign.storyHtml = renderStory(campaign.storyMarkdown);
        campaign.version += 1;
        await this.campaigns.save(manager, campaign);
        if (terms.length > 0) {
          // In the same transaction: the change and its public entry commit together or not at all.
          await this.publicLedger.append(manager, {
            campaignId: campaign.id, kind: 'terms_changed', amount: 0n, currency: campaign.currency, occurredAt: now, donorDisplayName: null,
            donorCommitment: null, publicMessage: null, payoutPurpose: null, sourceRef: `campaign-terms:v${campaign.version}`, terms,
          });
        }
        await this.audit.record(manager, {
          organizationId: principal.organizationId, actor: principal.actor, action: 'campaign.updated', targetType: 'campaign', targetId: campaign.id,
          details: { fields: changed, version: campaign.version, ...(terms.length > 0 ? { terms } : {}), ...designationChange },
        });
        return campaign;
      });
    } catch (error) {
      if (isUniqueViolation(error, SLUG_CONSTRAINT)) throw slugTaken();
      throw error;
    }
  }

  async transition(principal: Principal, campaignId: string, action: CampaignAction, version?: number): Promise<Campaign> {
    return this.dataSource.transaction(async (manager) => {
      const campaign = await this.lockForOrg(manager, principal.organizationId, campaignId);
      if (version !== undefined) assertVersion(campaign, version);
      return this.applyTransition(manager, campaign, action, principal.actor);
    });
  }

  /** Close-out by the platform (end date passed, goal logic): idempotent when already ended. */
  async end(campaignId: string, actor: string): Promise<Campaign> {
    return this.dataSource.transaction(async (manager) => {
      const campaign = await this.campaigns.lock(manager, campaignId);
      if (!campaign) throw campaignNotFound();
      if (campaign.status === 'ended') return campaign;
      return this.applyTransition(manager, campaign, 'end', actor);
    });
  }

  /** Operator: the platform fee of one campaign (affects donations made after the change). */
  async setPlatformFee(campaignId: string, platformFeeBps: number, actor: string): Promise<Campaign> {
    return this.dataSource.transaction(async (manager) => {
      const campaign = await this.campaigns.lock(manager, campaignId);
      if (!campaign) throw campaignNotFound();
      if (campaign.platformFeeBps === platformFeeBps) return campaign;
      const from = campaign.platformFeeBps;
      campaign.platformFeeBps = platformFeeBps;
      campaign.version += 1;
      await this.campaigns.save(manager, campaign);
      await this.audit.record(manager, { organizationId: campaign.organizationId, actor, action: 'campaign.platform_fee_changed', targetType: 'campaign', targetId: campaign.id, details: { from, to: platformFeeBps } });
      return campaign;
    });
  }

  findById(id: string): Promise<Campaign | null> {
    return this.campaigns.findById(id);
  }

  /** A campaign the public may see (anything but a draft), by slug; null otherwise. */
  async findPublicBySlug(slug: string): Promise<Campaign | null> {
    if (typeof slug !== 'string' || slug.length > 80) return null;
    const campaign = await this.campaigns.findBySlug(slug);
    return campaign && campaign.status !== 'draft' ? campaign : null;
  }

  /**
   * The campaigns a sitemap lists: live or finished ones (published, paused, ended; never a draft or
   * a cancelled campaign), most recently changed first, at most `limit`.
   */
  async listedInSitemap(limit: number): Promise<{ slug: string; updatedAt: Date }[]> {
    const rows = await this.campaigns.slugsByUpdate(['published', 'paused', 'ended'], limit);
    return rows.map((r) => ({ slug: r.slug, updatedAt: r.updatedAt }));
  }

  /** 409 `campaign_not_accepting_donations` unless published and within its dates. */
  assertAcceptsDonations(campaign: Pick<Campaign, 'status' | 'startsAt' | 'endsAt'>, now: Date = new Date()): void {
    if (!acceptsDonations(campaign, now)) {
      throw new ConflictError('campaign_not_accepting_donations', 'This campaign is not accepting donations', { campaignStatus: campaign.status });
    }
  }

  async getForOrganization(organizationId: string, campaignId: string): Promise<Campaign> {
    const campaign = await this.campaigns.findForOrganization(organizationId, campaignId);
    if (!campaign) throw campaignNotFound();
    return campaign;
  }

  /** Newest first, keyset-paginated on (created_at, id). */
  async list(organizationId: string, query: ListCampaignsQueryDto): Promise<CampaignPage> {
    const limit = query.limit ?? 20;
    const rows = await this.campaigns.page(organizationId, query, limit + 1);
    const items = rows.slice(0, limit);
    return { items, nextCursor: rows.length > limit ? items[items.length - 1].id : null };
  }

  /** Live (published or paused) campaigns of the organization ending before `before`, soonest first (the dashboard's "needs attention"). */
  async endingSoon(organizationId: string, now: Date, before: Date, limit = 10): Promise<Campaign[]> {
    return this.campaigns.endingBetween(organizationId, now, before, limit);
  }

  private async lockForOrg(manager: EntityManager, organizationId: string, campaignId: string): Promise<Campaign> {
    const campaign = await this.campaigns.lockForOrganization(manager, organizationId, campaignId);
    if (!campaign) throw campaignNotFound();
    return campaign;
  }

  private async applyTransition(manager: EntityManager, campaign: Campaign, action: CampaignAction, actor: string): Promise<Campaign> {
    const from: CampaignStatus = campaign.status;
    const to = nextStatus(from, action);
    const now = new Date();
    if (action === 'publish') {
      assertPublishable(campaign, now);
      campaign.publishedAt = now;
    }
    if (action === 'end') campaign.endedAt = now;
    if (action === 'cancel') {
      // Cancelling refunds every gift (the close-out): not once money has left for the organization,
      // which the refunds would then have to come out of. Payout requests read this row FOR SHARE and
      // refuse a cancelled campaign, so the two cannot pass each other.
      const payouts = await this.campaigns.payoutsPaidOrUnderway(manager, campaign.id);
      if (payouts > 0) {
        throw new ConflictError('campaign_has_payouts', 'A campaign that has paid out or is paying out cannot be cancelled (its gifts could not all be refunded); end it instead', { payouts });
      }
      campaign.cancelledAt = now;
    }
    campaign.status = to;
    campaign.version += 1;
    await this.campaigns.save(manager, campaign);
    await this.audit.record(manager, { organizationId: campaign.organizationId, actor, action: `campaign.${PAST_TENSE[action]}`, targetType: 'campaign', targetId: campaign.id, details: { from, to, version: campaign.version } });
    return campaign;
  }
}

function slugTaken(): ConflictError {
  return new ConflictError('slug_taken', 'This slug is already used by another campaign', { field: 'slug' });
}

function assertVersion(campaign: Campaign, version: number): void {
  if (campaign.version !== version) {
    throw new ConflictError('version_conflict', 'The campaign was changed since you read it; reload and try again', { currentVersion: campaign.version });
  }
}

/** The canonical list (the DTO already refused a bad entry; a caller past it gets 400 here too). */
function embedOriginsOf(values: string[] | undefined): string[] | undefined {
  if (values === undefined) return undefined;
  const origins = normalizeEmbedOrigins(values);
  if (origins === null) throw new DomainError('invalid_embed_origins', 'embedOrigins must be at most 10 https origins', 400, { field: 'embedOrigins' });
  return origins;
}

/** The canonical declared list, or 422 invalid_designations naming each problem. */
function designationsOf(values: unknown[] | undefined): Designation[] | undefined {
  if (values === undefined) return undefined;
  const result = normalizeDesignations(values);
  if ('problems' in result) {
    throw new DomainError('invalid_designations', 'The designations are not valid: ' + result.problems.map((p) => `${p.index === null ? '' : `#${p.index + 1} `}${p.field} ${p.problem}`).join('; '), 422, { field: 'designations', problems: result.problems });
  }
  return result.designations;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a instanceof Date || b instanceof Date) return (a as Date | null)?.getTime?.() === (b as Date | null)?.getTime?.();
  // Designations are objects (read back from jsonb, whose key order is its own): compared field by field.
  const fields = (v: unknown) => (typeof v === 'object' && v !== null ? JSON.stringify(Object.entries(v).sort(([x], [y]) => (x < y ? -1 : 1))) : v);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => v === b[i] || fields(v) === fields(b[i]));
  return a === b;
}

/** A new campaign's declared designations in its audit entry (none declared: nothing added). */
function designationsAudit(designations: readonly unknown[] | null | undefined): { designations?: readonly unknown[] } {
  return designations && designations.length > 0 ? { designations } : {};
}
