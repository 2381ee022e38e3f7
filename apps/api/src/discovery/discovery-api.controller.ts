import { Controller, Get, Param, Req, Res } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiProblems } from '../organizations/api-docs.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CAMPAIGN_CATEGORIES, CampaignDiscoveryService, DISCOVERY_LIMITS, DISCOVERY_SORTS, DISCOVERY_STATUSES } from '@ataa/campaigns';
import { PledgesService, toPledgeFiguresDto } from '@ataa/donations';
import { campaignDetailJson, campaignJson, sendCachedJson } from './discovery.presenter.js';
import { PublicCampaignDetailDto, PublicCampaignListDto } from './discovery.dto.js';

const LIST_CACHE = 'public, max-age=30, must-revalidate';
const DETAIL_CACHE = 'public, max-age=5, must-revalidate';

/** Published campaigns for programs: the same search, filters, order and cursor as /campaigns. CORS-open (create-api-app.ts). */
@ApiTags('public campaigns')
@Controller('public/campaigns')
export class DiscoveryApiController {
  constructor(
    private readonly discovery: CampaignDiscoveryService,
    private readonly pledges: PledgesService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Published campaigns (400 invalid_parameter, query_too_long, query_too_short, invalid_cursor with the field): search (English and Arabic, folded), filters, sort, keyset cursor. ETag; 304 on If-None-Match' })
  @ApiQuery({ name: 'q', required: false, description: `Words (3+ letters each, up to ${DISCOVERY_LIMITS.maxQueryCodePoints} characters) found in title, summary or story; Arabic diacritics, tatweel and letter variants are folded` })
  @ApiQuery({ name: 'category', required: false, enum: CAMPAIGN_CATEGORIES })
  @ApiQuery({ name: 'currency', required: false, description: 'ISO 4217 code', example: 'usd' })
  @ApiQuery({ name: 'country', required: false, description: "The organization's country, ISO 3166-1 alpha-2", example: 'JO' })
  @ApiQuery({ name: 'funding', required: false, enum: ['flexible', 'all_or_nothing'] })
  @ApiQuery({ name: 'status', required: false, enum: DISCOVERY_STATUSES, description: 'published (default: taking gifts) or ended' })
  @ApiQuery({ name: 'sort', required: false, enum: DISCOVERY_SORTS, description: 'newest (default)' })
  @ApiQuery({ name: 'limit', required: false, description: `1 to ${DISCOVERY_LIMITS.maxPageSize} (default ${DISCOVERY_LIMITS.defaultPageSize})`, schema: { type: 'integer', minimum: 1, maximum: DISCOVERY_LIMITS.maxPageSize } })
  @ApiQuery({ name: 'cursor', required: false, description: 'nextCursor of the previous page (same sort)' })
  @ApiOkResponse({ type: PublicCampaignListDto })
  @ApiProblems(400)
  @ApiHeader({ name: 'if-none-match', required: false, description: 'An ETag from an earlier answer: 304 when unchanged' })
  @ApiResponse({ status: 304, description: 'Not modified' })
  async list(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const page = await this.discovery.search((request.query ?? {}) as Record<string, unknown>, true);
    sendCachedJson(request, reply, { items: page.items.map(campaignJson), nextCursor: page.nextCursor }, LIST_CACHE);
  }

  @Get(':slug')
  @ApiOperation({ summary: 'A published campaign (404 campaign_not_found also for a draft, cancelled, paused or suspended one): what its page shows, with links to its page, ledger and report. ETag; 304 on If-None-Match' })
  @ApiOkResponse({ type: PublicCampaignDetailDto })
  @ApiProblems(404)
  @ApiHeader({ name: 'if-none-match', required: false, description: 'An ETag from an earlier answer: 304 when unchanged' })
  @ApiResponse({ status: 304, description: 'Not modified' })
  async detail(@Param('slug') slug: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const campaign = await this.discovery.bySlug(slug);
    // Pledged (unverified, not in the ledger) and collected, apart, as the campaign's page shows them.
    const pledges = this.pledges.offersPledges(campaign) ? toPledgeFiguresDto(await this.pledges.figures(campaign.id)) : null;
    sendCachedJson(request, reply, { ...campaignDetailJson(campaign), pledges }, DETAIL_CACHE);
  }
}
