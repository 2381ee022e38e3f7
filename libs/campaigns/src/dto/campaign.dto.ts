import { ApiProperty, ApiPropertyOptional, type ApiPropertyOptions } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize, IsArray, IsBoolean, IsIn, IsInt, IsISO8601, IsOptional, IsString, IsUrl, Length, Matches, Max, MaxLength, Min, ValidateBy, ValidateIf,
} from 'class-validator';
import { TEXT_LIMITS, UserText } from '@ataa/common';
import { CAMPAIGN_LANGUAGES, CAMPAIGN_STATUSES, FUNDING_MODELS, SLUG_PATTERN } from '../domain/campaign-rules.js';
import type { CampaignLanguage, CampaignStatus, FundingModel } from '../domain/campaign-rules.js';
import { CAMPAIGN_CATEGORIES, type CampaignCategory } from '../domain/discovery.js';
import { MAX_DESIGNATIONS, MAX_DESIGNATION_LABEL } from '../domain/designations.js';
import { MAX_EMBED_ORIGINS, MAX_EMBED_ORIGIN_LENGTH, normalizeEmbedOrigin } from '../domain/embed-origins.js';

/** Each entry a bare https origin (http on a loopback host): what CSP frame-ancestors may name. */
const IsEmbedOrigin = () => ValidateBy({
  name: 'isEmbedOrigin',
  validator: { validate: (value) => normalizeEmbedOrigin(value) !== null, defaultMessage: () => 'each of embedOrigins must be an https origin such as "https://charity.example.org" (no path)' },
}, { each: true });

const EMBED_ORIGINS_DOC: ApiPropertyOptions = {
  type: [String], maxItems: MAX_EMBED_ORIGINS, example: ['https://charity.example.org'],
  description: 'Sites allowed to frame the donate widget (/embed/c/{slug}): https origins, no path. Empty: nobody may frame it',
};

/** Minor units as a string of digits: exact (no floats), no sign, no leading zeros, at most 15 digits. */
export const AMOUNT_PATTERN = /^[1-9][0-9]{0,14}$/;
const AMOUNT_MESSAGE = '$property must be a string of digits in minor units (e.g. "5000"), greater than zero';

const nullable = (value: unknown) => value !== null;

export class DesignationDto {
  @ApiProperty({ example: 'zakat', pattern: '^[a-z0-9]+(-[a-z0-9]+)*$', maxLength: 40, description: 'What postings, public entries and payouts name' }) code: string;
  @ApiProperty({ example: 'Zakat', maxLength: MAX_DESIGNATION_LABEL }) labelEn: string;
  @ApiProperty({ example: 'الزكاة', maxLength: MAX_DESIGNATION_LABEL }) labelAr: string;
  @ApiPropertyOptional({ default: false, description: 'A use the organization declared zakat-eligible (zakat is offered to donors only where one is)' }) zakat?: boolean;
}

const DESIGNATIONS_DOC: ApiPropertyOptions = {
  type: [DesignationDto], maxItems: MAX_DESIGNATIONS,
  description: 'Designated (restricted) funds a donor may give to, e.g. general, zakat, a water well. Empty: the implicit "general" only. '
    + 'Once the campaign is live, codes can be added and relabelled, never removed. Problems: 422 invalid_designations',
};

export class CreateCampaignDto {
  @ApiProperty({ minLength: 1, maxLength: TEXT_LIMITS.campaignTitle, example: 'Clean water for Al-Mafraq' })
  @UserText({ min: 1, max: TEXT_LIMITS.campaignTitle })
  title: string;

  @ApiPropertyOptional({ maxLength: 80, pattern: SLUG_PATTERN.source, description: 'Derived from the title when omitted; editable while draft' })
  @IsOptional() @IsString() @MaxLength(80) @Matches(SLUG_PATTERN, { message: 'slug must be lower-case letters, digits and single hyphens' })
  slug?: string;

  @ApiPropertyOptional({ maxLength: 500 })
  @IsOptional() @UserText({ max: TEXT_LIMITS.campaignSummary, multiline: true })
  summary?: string;

  @ApiPropertyOptional({ maxLength: TEXT_LIMITS.campaignStory, description: 'Markdown (raw HTML is not rendered); served as sanitized HTML' })
  @IsOptional() @UserText({ max: TEXT_LIMITS.campaignStory, multiline: true })
  story?: string;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 2048, example: 'https://images.example.org/cover.jpg' })
  @IsOptional() @ValidateIf(nullable) @IsString() @MaxLength(2048) @IsUrl({ protocols: ['https'], require_protocol: true, require_tld: true })
  coverImageUrl?: string | null;

  @ApiProperty({ example: 'usd', description: 'ISO 4217, one of the currencies Stripe supports' })
  @IsString() @Matches(/^[A-Za-z]{3}$/, { message: 'currency must be a three-letter ISO 4217 code' })
  @Transform(({ value }) => (typeof value === 'string' ? value.toLowerCase() : value))
  currency: string;

  @ApiProperty({ example: '500000', description: 'Minor units, as a string of digits' })
  @IsString() @Matches(AMOUNT_PATTERN, { message: AMOUNT_MESSAGE })
  goal: string;

  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true })
  @IsOptional() @ValidateIf(nullable) @IsISO8601({ strict: true, strictSeparator: true })
  startsAt?: string | null;

  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true })
  @IsOptional() @ValidateIf(nullable) @IsISO8601({ strict: true, strictSeparator: true })
  endsAt?: string | null;

  @ApiPropertyOptional({ enum: FUNDING_MODELS, default: 'flexible' })
  @IsOptional() @IsIn(FUNDING_MODELS)
  fundingModel?: FundingModel;

  @ApiPropertyOptional({ type: [String], example: ['2500', '5000', '10000'], maxItems: 6 })
  @IsOptional() @IsArray() @ArrayMaxSize(6) @IsString({ each: true }) @Matches(AMOUNT_PATTERN, { each: true, message: AMOUNT_MESSAGE })
  suggestedAmounts?: string[];

  @ApiPropertyOptional({ type: String, nullable: true, example: '500' })
  @IsOptional() @ValidateIf(nullable) @IsString() @Matches(AMOUNT_PATTERN, { message: AMOUNT_MESSAGE })
  minimumAmount?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, example: '1000000' })
  @IsOptional() @ValidateIf(nullable) @IsString() @Matches(AMOUNT_PATTERN, { message: AMOUNT_MESSAGE })
  maximumAmount?: string | null;

  @ApiPropertyOptional({ default: true })
  @IsOptional() @IsBoolean()
  allowAnonymous?: boolean;

  @ApiPropertyOptional({ default: true, description: 'Offer donors to cover the processing and platform fees' })
  @IsOptional() @IsBoolean()
  offerCoverFees?: boolean;

  @ApiPropertyOptional({ enum: CAMPAIGN_LANGUAGES, default: 'en' })
  @IsOptional() @IsIn(CAMPAIGN_LANGUAGES)
  language?: CampaignLanguage;

  @ApiPropertyOptional({ enum: CAMPAIGN_CATEGORIES, default: 'other', description: 'What the campaign is for (discovery filters by it)' })
  @IsOptional() @IsIn(CAMPAIGN_CATEGORIES)
  category?: CampaignCategory;
  @ApiPropertyOptional(EMBED_ORIGINS_DOC)
  @IsOptional() @IsArray() @ArrayMaxSize(MAX_EMBED_ORIGINS) @IsString({ each: true }) @MaxLength(MAX_EMBED_ORIGIN_LENGTH, { each: true }) @IsEmbedOrigin()
  embedOrigins?: string[];

  /** Checked whole by the domain (normalizeDesignations): 422 invalid_designations naming each problem. */
  @ApiPropertyOptional(DESIGNATIONS_DOC)
  @IsOptional()
  designations?: unknown[];
}

export class UpdateCampaignDto {
  @ApiProperty({ minimum: 1, description: 'The version you read; a stale version gets 409 version_conflict' })
  @IsInt() @Min(1)
  version: number;

  @ApiPropertyOptional({ maxLength: 200 })
  @IsOptional() @UserText({ min: 1, max: TEXT_LIMITS.campaignTitle })
  title?: string;

  @ApiPropertyOptional({ maxLength: 80, description: 'Only while draft' })
  @IsOptional() @IsString() @MaxLength(80) @Matches(SLUG_PATTERN, { message: 'slug must be lower-case letters, digits and single hyphens' })
  slug?: string;

  @ApiPropertyOptional({ maxLength: 500 })
  @IsOptional() @UserText({ max: TEXT_LIMITS.campaignSummary, multiline: true })
  summary?: string;

  @ApiPropertyOptional({ maxLength: 50000 })
  @IsOptional() @UserText({ max: TEXT_LIMITS.campaignStory, multiline: true })
  story?: string;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 2048 })
  @IsOptional() @ValidateIf(nullable) @IsString() @MaxLength(2048) @IsUrl({ protocols: ['https'], require_protocol: true, require_tld: true })
  coverImageUrl?: string | null;

  @ApiPropertyOptional({ description: 'Only while draft' })
  @IsOptional() @IsString() @Matches(/^[A-Za-z]{3}$/, { message: 'currency must be a three-letter ISO 4217 code' })
  @Transform(({ value }) => (typeof value === 'string' ? value.toLowerCase() : value))
  currency?: string;

  @ApiPropertyOptional({ example: '500000' })
  @IsOptional() @IsString() @Matches(AMOUNT_PATTERN, { message: AMOUNT_MESSAGE })
  goal?: string;

  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true })
  @IsOptional() @ValidateIf(nullable) @IsISO8601({ strict: true, strictSeparator: true })
  startsAt?: string | null;

  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true })
  @IsOptional() @ValidateIf(nullable) @IsISO8601({ strict: true, strictSeparator: true })
  endsAt?: string | null;

  @ApiPropertyOptional({ enum: FUNDING_MODELS, description: 'Only while draft' })
  @IsOptional() @IsIn(FUNDING_MODELS)
  fundingModel?: FundingModel;

  @ApiPropertyOptional({ type: [String], maxItems: 6 })
  @IsOptional() @IsArray() @ArrayMaxSize(6) @IsString({ each: true }) @Matches(AMOUNT_PATTERN, { each: true, message: AMOUNT_MESSAGE })
  suggestedAmounts?: string[];

  @ApiPropertyOptional({ type: String, nullable: true })
  @IsOptional() @ValidateIf(nullable) @IsString() @Matches(AMOUNT_PATTERN, { message: AMOUNT_MESSAGE })
  minimumAmount?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true })
  @IsOptional() @ValidateIf(nullable) @IsString() @Matches(AMOUNT_PATTERN, { message: AMOUNT_MESSAGE })
  maximumAmount?: string | null;

  @ApiPropertyOptional() @IsOptional() @IsBoolean() allowAnonymous?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() offerCoverFees?: boolean;
  @ApiPropertyOptional({ enum: CAMPAIGN_LANGUAGES }) @IsOptional() @IsIn(CAMPAIGN_LANGUAGES) language?: CampaignLanguage;
  @ApiPropertyOptional({ enum: CAMPAIGN_CATEGORIES }) @IsOptional() @IsIn(CAMPAIGN_CATEGORIES) category?: CampaignCategory;

  @ApiPropertyOptional(EMBED_ORIGINS_DOC)
  @IsOptional() @IsArray() @ArrayMaxSize(MAX_EMBED_ORIGINS) @IsString({ each: true }) @MaxLength(MAX_EMBED_ORIGIN_LENGTH, { each: true }) @IsEmbedOrigin()
  embedOrigins?: string[];

  /** Checked whole by the domain (normalizeDesignations): 422 invalid_designations naming each problem. */
  @ApiPropertyOptional(DESIGNATIONS_DOC)
  @IsOptional()
  designations?: unknown[];
}

export class CampaignTransitionDto {
  @ApiPropertyOptional({ minimum: 1, description: 'When given, the change only applies to this version (409 version_conflict otherwise)' })
  @IsOptional() @IsInt() @Min(1)
  version?: number;
}

export class ListCampaignsQueryDto {
  @ApiPropertyOptional({ enum: CAMPAIGN_STATUSES }) @IsOptional() @IsIn(CAMPAIGN_STATUSES) status?: CampaignStatus;
  @ApiPropertyOptional({ enum: FUNDING_MODELS }) @IsOptional() @IsIn(FUNDING_MODELS) fundingModel?: FundingModel;
  @ApiPropertyOptional({ example: 'usd' }) @IsOptional() @IsString() @Matches(/^[a-z]{3}$/) currency?: string;
  @ApiPropertyOptional({ description: 'Case-insensitive text in the title' }) @IsOptional() @UserText({ min: 1, max: TEXT_LIMITS.searchQuery }) q?: string;
  @ApiPropertyOptional({ description: 'nextCursor of the previous page' }) @IsOptional() @IsString() @Matches(/^[0-9a-f-]{36}$/) cursor?: string;
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional() @Transform(({ value }) => (typeof value === 'string' && /^\d{1,4}$/.test(value) ? Number(value) : value)) @IsInt() @Min(1) @Max(100)
  limit?: number;
}

export class CampaignDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) organizationId: string;
  @ApiProperty() slug: string;
  @ApiProperty() title: string;
  @ApiProperty() summary: string;
  @ApiProperty({ description: 'Markdown as written' }) story: string;
  @ApiProperty({ description: 'Sanitized HTML rendered from the story' }) storyHtml: string;
  @ApiProperty({ type: String, nullable: true }) coverImageUrl: string | null;
  @ApiProperty() currency: string;
  @ApiProperty({ example: '500000' }) goal: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) startsAt: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) endsAt: string | null;
  @ApiProperty({ enum: FUNDING_MODELS }) fundingModel: FundingModel;
  @ApiProperty({ type: [String] }) suggestedAmounts: string[];
  @ApiProperty({ type: String, nullable: true }) minimumAmount: string | null;
  @ApiProperty({ type: String, nullable: true }) maximumAmount: string | null;
  @ApiProperty() allowAnonymous: boolean;
  @ApiProperty() offerCoverFees: boolean;
  @ApiProperty({ enum: CAMPAIGN_LANGUAGES }) language: CampaignLanguage;
  @ApiProperty({ enum: CAMPAIGN_CATEGORIES }) category: CampaignCategory;
  @ApiProperty(EMBED_ORIGINS_DOC) embedOrigins: string[];
  @ApiProperty(DESIGNATIONS_DOC) designations: DesignationDto[];
  @ApiProperty({ description: 'Set by the platform' }) platformFeeBps: number;
  @ApiProperty({ enum: CAMPAIGN_STATUSES }) status: CampaignStatus;
  @ApiProperty() version: number;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) publishedAt: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'The platform operator\'s public reason while the campaign is suspended (it takes no gifts); null otherwise' })
  suspensionReason: string | null;
}

export class CampaignPageDto {
  @ApiProperty({ type: [CampaignDto] }) items: CampaignDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor: string | null;
}
