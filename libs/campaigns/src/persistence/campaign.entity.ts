import type { Designation } from '../domain/designations.js';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn, ValueTransformer } from 'typeorm';
import { moneyTransformer } from '@ataa/database';
import type { CampaignStatus, FundingModel, CampaignLanguage } from '../domain/campaign-rules.js';
import type { CampaignCategory } from '../domain/discovery.js';

/** `bigint[]` comes back from `pg` as strings (or as a '{1,2}' literal): always bigint[] in code. */
const bigintArrayTransformer: ValueTransformer = {
  to: (value: bigint[] | undefined) => value?.map((v) => v.toString()),
  from: (value: string[] | string | null) => {
    if (value === null || value === undefined) return [];
    const items = Array.isArray(value) ? value : value.replace(/^\{|\}$/g, '').split(',').filter(Boolean);
    return items.map((v) => BigInt(v));
  },
};

@Entity('campaigns')
export class Campaign {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'organization_id' }) organizationId: string;
  @Column('text') slug: string;
  @Column('text') title: string;
  @Column('text') summary: string;
  @Column('text', { name: 'story_markdown' }) storyMarkdown: string;
  /** Rendered from storyMarkdown with raw HTML disabled and then sanitized: safe to embed. */
  @Column('text', { name: 'story_html' }) storyHtml: string;
  @Column('text', { name: 'cover_image_url', nullable: true }) coverImageUrl: string | null;
  @Column('text') currency: string;
  @Column('bigint', { name: 'goal_amount', transformer: moneyTransformer }) goalAmount: bigint;
  @Column('timestamptz', { name: 'starts_at', nullable: true }) startsAt: Date | null;
  @Column('timestamptz', { name: 'ends_at', nullable: true }) endsAt: Date | null;
  @Column('text', { name: 'funding_model' }) fundingModel: FundingModel;
  @Column('bigint', { name: 'suggested_amounts', array: true, transformer: bigintArrayTransformer }) suggestedAmounts: bigint[];
  @Column('bigint', { name: 'minimum_amount', nullable: true, transformer: moneyTransformer }) minimumAmount: bigint | null;
  @Column('bigint', { name: 'maximum_amount', nullable: true, transformer: moneyTransformer }) maximumAmount: bigint | null;
  @Column('boolean', { name: 'allow_anonymous' }) allowAnonymous: boolean;
  @Column('boolean', { name: 'offer_cover_fees' }) offerCoverFees: boolean;
  @Column('text') language: CampaignLanguage;
  /** One of CAMPAIGN_CATEGORIES (discovery's filter); 'other' unless chosen. */
  @Column('text', { default: 'other' }) category: CampaignCategory;
  /** Canonical https origins allowed to frame the donate widget (domain/embed-origins.ts). */
  @Column('text', { name: 'embed_origins', array: true, default: () => `'{}'` }) embedOrigins: string[];
  /** Declared designations (domain/designations.ts); empty: the implicit general only. */
  @Column('jsonb', { default: () => `'[]'::jsonb` }) designations: Designation[];
  @Column('int', { name: 'platform_fee_bps' }) platformFeeBps: number;
  @Column('text') status: CampaignStatus;
  @Column('int') version: number;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
  @Column('timestamptz', { name: 'published_at', nullable: true }) publishedAt: Date | null;
  @Column('timestamptz', { name: 'ended_at', nullable: true }) endedAt: Date | null;
  @Column('timestamptz', { name: 'cancelled_at', nullable: true }) cancelledAt: Date | null;
  /** When the campaign was first seen with a gift (its terms then lock); null before. */
  @Column('timestamptz', { name: 'terms_locked_at', nullable: true }) termsLockedAt: Date | null;
  /** The end date when the terms locked: extensions are measured from it. */
  @Column('timestamptz', { name: 'locked_ends_at', nullable: true }) lockedEndsAt: Date | null;
  /** Times the end date moved later since the terms locked. */
  @Column('int', { name: 'end_extensions', default: 0 }) endExtensions: number;
  /** Set by the operator (moderation): the campaign takes no gifts; its status is unchanged. Read-only here. */
  @Column({ type: 'timestamptz', name: 'suspended_at', nullable: true, insert: false, update: false }) suspendedAt: Date | null;
  @Column({ type: 'text', name: 'suspension_reason', nullable: true, insert: false, update: false }) suspensionReason: string | null;
}
