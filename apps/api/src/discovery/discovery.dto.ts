import { ApiProperty } from '@nestjs/swagger';
import { PledgeFiguresDto } from '@ataa/donations';
import { CAMPAIGN_CATEGORIES, CAMPAIGN_LANGUAGES, DISCOVERY_STATUSES, FUNDING_MODELS } from '@ataa/campaigns';

class PublicOrganizationDto {
  @ApiProperty() name: string;
}

class PublicCampaignLinksDto {
  @ApiProperty({ example: '/c/clean-water' }) page: string;
  @ApiProperty({ example: '/c/clean-water/ledger' }) ledger: string;
  @ApiProperty({ example: '/c/clean-water/report' }) report: string;
  @ApiProperty({ example: '/api/v1/public/campaigns/clean-water' }) api: string;
}

class PublicCampaignDetailLinksDto extends PublicCampaignLinksDto {
  @ApiProperty({ example: '/api/v1/public/campaigns/clean-water/ledger' }) ledgerApi: string;
  @ApiProperty({ example: '/api/v1/public/campaigns/clean-water/report' }) reportApi: string;
}

/** A published campaign in the public API (documentation of what the presenter returns). */
export class PublicCampaignDto {
  @ApiProperty() slug: string;
  @ApiProperty({ description: 'In the campaign’s language' }) title: string;
  @ApiProperty() summary: string;
  @ApiProperty({ enum: CAMPAIGN_LANGUAGES }) language: string;
  @ApiProperty({ type: PublicOrganizationDto }) organization: PublicOrganizationDto;
  @ApiProperty({ enum: CAMPAIGN_CATEGORIES }) category: string;
  @ApiProperty({ example: 'usd' }) currency: string;
  @ApiProperty({ enum: FUNDING_MODELS }) fundingModel: string;
  @ApiProperty({ enum: DISCOVERY_STATUSES }) status: string;
  @ApiProperty({ description: 'Minor units of the currency, as a string' }) goal: string;
  @ApiProperty({ description: 'What the campaign kept (gifts less refunds and disputes lost), minor units' }) raised: string;
  @ApiProperty() gifts: number;
  @ApiProperty() goalReached: boolean;
  @ApiProperty({ type: String, nullable: true }) coverImageUrl: string | null;
  @ApiProperty({ format: 'date-time' }) publishedAt: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) endsAt: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When the goal was first reached' }) fundedAt: string | null;
  @ApiProperty({ type: PublicCampaignLinksDto }) links: PublicCampaignLinksDto;
}

export class PublicCampaignListDto {
  @ApiProperty({ type: [PublicCampaignDto] }) items: PublicCampaignDto[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` (same filters and sort) for the next page; null on the last' }) nextCursor: string | null;
}

export class PublicCampaignDetailDto extends PublicCampaignDto {
  @ApiProperty({ description: 'The story, rendered from Markdown and sanitized' }) storyHtml: string;
  @ApiProperty({ description: 'Distinct donors in the public ledger' }) donors: number;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) startsAt: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) endedAt: string | null;
  @ApiProperty({ type: PublicCampaignDetailLinksDto }) declare links: PublicCampaignDetailLinksDto;
  @ApiProperty({ type: PledgeFiguresDto, nullable: true, description: 'An all-or-nothing campaign taking pledges: pledged (unverified) and collected, kept apart; null otherwise' })
  pledges: PledgeFiguresDto | null;
}
