import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query, UseGuards } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import {
  CampaignAction, CampaignDto, CampaignPageDto, CampaignsService, CampaignTransitionDto, CreateCampaignDto, ListCampaignsQueryDto, toCampaignDto,
  UpdateCampaignDto,
} from '@ataa/campaigns';
import { NotFoundError } from '@ataa/common';
import { CampaignCloseOutService, PledgesService, toPledgeFiguresDto } from '@ataa/donations';
import { AuthGuard, CurrentPrincipal, IdParamPipe, Roles, type Principal } from '@ataa/organizations';
import { ApiOrgAuth, ApiProblems } from '../organizations/api-docs.js';
import { CampaignDetailDto } from './campaign-detail.dto.js';

@ApiTags('campaigns')
@Controller('orgs/:orgId/campaigns')
@UseGuards(AuthGuard)
export class CampaignsController {
  constructor(
    private readonly campaigns: CampaignsService,
    private readonly closeOut: CampaignCloseOutService,
    private readonly pledges: PledgesService,
  ) {}

  @Post()
  @Roles('admin')
  @ApiOrgAuth()
  @ApiProblems(400, 409)
  @ApiOperation({ summary: 'Create a draft campaign (owner, admin)', description: 'Amounts are strings of digits in minor units, checked against the currency (decimals, Stripe minimums). The platform sets platformFeeBps.' })
  @ApiCreatedResponse({ type: CampaignDto })
  async create(@CurrentPrincipal() principal: Principal, @Body() body: CreateCampaignDto): Promise<CampaignDto> {
    return toCampaignDto(await this.campaigns.create(principal, body));
  }

  @Get()
  @Roles('viewer')
  @ApiOrgAuth()
  @ApiProblems(400)
  @ApiOperation({ summary: 'List campaigns, newest first, with filters and cursor pagination (any member)' })
  @ApiOkResponse({ type: CampaignPageDto })
  async list(@CurrentPrincipal() principal: Principal, @Query() query: ListCampaignsQueryDto): Promise<CampaignPageDto> {
    const page = await this.campaigns.list(principal.organizationId, query);
    return { items: page.items.map(toCampaignDto), nextCursor: page.nextCursor };
  }

  @Get(':campaignId')
  @Roles('viewer')
  @ApiOrgAuth()
  @ApiOperation({ summary: 'One campaign, with its pledges pledged and collected when it takes pledges (any member)' })
  @ApiOkResponse({ type: CampaignDetailDto })
  async get(@CurrentPrincipal() principal: Principal, @Param('campaignId', IdParamPipe) campaignId: string): Promise<CampaignDetailDto> {
    const campaign = toCampaignDto(await this.campaigns.getForOrganization(principal.organizationId, campaignId));
    const pledges = this.pledges.offersPledges(campaign) ? toPledgeFiguresDto(await this.pledges.figures(campaign.id)) : null;
    return { ...campaign, pledges };
  }

  @Patch(':campaignId')
  @Roles('admin')
  @ApiOrgAuth()
  @ApiProblems(400, 409)
  @ApiOperation({ summary: 'Edit a campaign (owner, admin)', description: 'Send the version you read (409 `version_conflict` when stale). Slug, currency and funding model are fixed once published.' })
  @ApiOkResponse({ type: CampaignDto })
  async update(@CurrentPrincipal() principal: Principal, @Param('campaignId', IdParamPipe) campaignId: string, @Body() body: UpdateCampaignDto): Promise<CampaignDto> {
    return toCampaignDto(await this.campaigns.update(principal, campaignId, body));
  }

  @Post(':campaignId/:action')
  @HttpCode(200)
  @Roles('admin')
  @ApiOrgAuth()
  @ApiProblems(400, 409)
  @ApiParam({ name: 'action', enum: ['publish', 'pause', 'resume', 'end', 'cancel'] })
  @ApiOperation({
    summary: 'Move the campaign along its lifecycle (owner, admin)',
    description: 'draft → published ⇄ paused → ended; draft/published/paused → cancelled. Anything else: 409 `invalid_transition`. '
      + 'Ending or cancelling starts the close-out at once (see `GET .../closeout`): ending decides as the end date would (flexible keeps; all-or-nothing keeps only a met goal, '
      + 'otherwise refunds every gift); cancelling refunds every gift. Open Checkout sessions are expired. A campaign with payouts cannot be cancelled (409 `campaign_has_payouts`): end it.',
  })
  @ApiOkResponse({ type: CampaignDto })
  async transition(
    @CurrentPrincipal() principal: Principal,
    @Param('campaignId', IdParamPipe) campaignId: string,
    @Param('action') action: string,
    @Body() body: CampaignTransitionDto,
  ): Promise<CampaignDto> {
    if (!TRANSITION_ACTIONS.has(action)) throw new NotFoundError('Resource');
    if (action === 'end' || action === 'cancel') return toCampaignDto(await this.closeOut.endOrCancel(principal, campaignId, action, body?.version));
    return toCampaignDto(await this.campaigns.transition(principal, campaignId, action as CampaignAction, body?.version));
  }
}

const TRANSITION_ACTIONS: ReadonlySet<string> = new Set(['publish', 'pause', 'resume', 'end', 'cancel']);
