import { Controller, Get, Param, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CampaignCloseOutService } from '@ataa/donations';
import { AuthGuard, CurrentPrincipal, IdParamPipe, Roles, type Principal } from '@ataa/organizations';
import { ApiOrgAuth, ApiProblems } from '../organizations/api-docs.js';
import { CloseOutProgressDto, toCloseOutDto } from './closeout.dto.js';

@ApiTags('campaigns')
@Controller('orgs/:orgId/campaigns/:campaignId/closeout')
@UseGuards(AuthGuard)
export class CloseOutController {
  constructor(private readonly closeOut: CampaignCloseOutService) {}

  @Get()
  @Roles('viewer')
  @ApiOrgAuth()
  @ApiProblems(404)
  @ApiOperation({
    summary: 'Close-out progress of an ended campaign (any member)',
    description: 'At its end date a campaign ends; an all-or-nothing campaign that missed its goal refunds every gift in batches. 404 `closeout_not_started` before the end date.',
  })
  @ApiOkResponse({ type: CloseOutProgressDto })
  async get(@CurrentPrincipal() principal: Principal, @Param('campaignId', IdParamPipe) campaignId: string): Promise<CloseOutProgressDto> {
    return toCloseOutDto(await this.closeOut.progress(principal.organizationId, campaignId));
  }
}
