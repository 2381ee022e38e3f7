import { Body, Controller, Get, HttpCode, Param, ParseIntPipe, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  CampaignSuspensionDto, HeldMessagesDto, HiddenMessageDto, HideMessageDto, ListHeldQueryDto, ReleasedMessageDto, ListReportsQueryDto, ModerationCampaign, ModerationService, ReportDto, ReportsPageDto, ReportStatus,
  SuspendCampaignDto,
} from '@ataa/moderation';
import { IdParamPipe, OperatorGuard } from '@ataa/organizations';
import { ApiProblems } from '../organizations/api-docs.js';
import { toHeldDto, toHiddenDto, toReportDto } from '../moderation/moderation.controller.js';

const OPERATOR = { actor: 'operator', organizationId: null };

const toSuspensionDto = (c: ModerationCampaign): CampaignSuspensionDto => ({
  campaignId: c.id, status: c.status, suspended: c.suspendedAt !== null, suspendedAt: c.suspendedAt?.toISOString() ?? null, suspensionReason: c.suspensionReason,
});

/** The platform operator's moderation (outside /api/v1, bearer OPERATOR_TOKEN): every campaign. */
@ApiTags('operator')
@Controller('operator')
@UseGuards(OperatorGuard)
@ApiBearerAuth()
export class OperatorModerationController {
  constructor(private readonly moderation: ModerationService) {}

  @Get('reports')
  @ApiProblems(400, 401)
  @ApiOperation({ summary: 'Reports on every campaign, newest first; open ones by default (operator only)' })
  @ApiOkResponse({ type: ReportsPageDto })
  async list(@Query() query: ListReportsQueryDto): Promise<ReportsPageDto> {
    const page = await this.moderation.listReports(OPERATOR, {
      campaignId: query.campaignId, status: (query.status ?? 'open') as ReportStatus, cursor: query.cursor, limit: query.limit ?? 50,
    });
    return { items: page.items.map(toReportDto), nextCursor: page.nextCursor };
  }

  @Post('reports/:reportId/dismiss')
  @HttpCode(200)
  @ApiProblems(401, 404, 409)
  @ApiOperation({ summary: 'Close a report without action (operator only)' })
  @ApiOkResponse({ type: ReportDto })
  async dismiss(@Param('reportId', IdParamPipe) reportId: string): Promise<ReportDto> {
    return toReportDto(await this.moderation.dismissReport(OPERATOR, reportId));
  }

  @Post('campaigns/:campaignId/messages/:entryIndex/hide')
  @HttpCode(200)
  @ApiProblems(400, 401, 404)
  @ApiOperation({ summary: 'Hide a donor-wall message on any campaign (operator only)' })
  @ApiOkResponse({ type: HiddenMessageDto })
  async hide(
    @Param('campaignId', IdParamPipe) campaignId: string, @Param('entryIndex', new ParseIntPipe({ errorHttpStatusCode: 404 })) entryIndex: number, @Body() body: HideMessageDto,
  ): Promise<HiddenMessageDto> {
    return toHiddenDto((await this.moderation.hideMessage(OPERATOR, campaignId, entryIndex, body)).hidden);
  }

  @Post('campaigns/:campaignId/suspend')
  @HttpCode(200)
  @ApiProblems(400, 401, 404, 409)
  @ApiOperation({ summary: 'Suspend a campaign (operator only)', description: 'It takes no gifts (checkout: 409 campaign_suspended) and its page shows the reason. Its status, dates, close-out and payouts are unchanged.' })
  @ApiOkResponse({ type: CampaignSuspensionDto })
  async suspend(@Param('campaignId', IdParamPipe) campaignId: string, @Body() body: SuspendCampaignDto): Promise<CampaignSuspensionDto> {
    return toSuspensionDto(await this.moderation.suspend(campaignId, body.reason));
  }

  @Post('campaigns/:campaignId/unsuspend')
  @HttpCode(200)
  @ApiProblems(401, 404, 409)
  @ApiOperation({ summary: 'Lift a campaign\'s suspension (operator only)' })
  @ApiOkResponse({ type: CampaignSuspensionDto })
  async unsuspend(@Param('campaignId', IdParamPipe) campaignId: string): Promise<CampaignSuspensionDto> {
    return toSuspensionDto(await this.moderation.unsuspend(campaignId));
  }

  @Get('held-messages')
  @ApiProblems(400, 401)
  @ApiOperation({ summary: 'Gift messages the automatic filter held on every campaign, oldest first (operator only)' })
  @ApiOkResponse({ type: HeldMessagesDto })
  async held(@Query() query: ListHeldQueryDto): Promise<HeldMessagesDto> {
    return { items: (await this.moderation.listHeld(OPERATOR, { campaignId: query.campaignId, limit: query.limit ?? 50 })).map(toHeldDto) };
  }

  @Post('campaigns/:campaignId/messages/:entryIndex/release')
  @HttpCode(200)
  @ApiProblems(401, 404, 409)
  @ApiOperation({ summary: 'Let a held message show on the donor wall (operator only)' })
  @ApiOkResponse({ type: ReleasedMessageDto })
  async release(@Param('campaignId', IdParamPipe) campaignId: string, @Param('entryIndex', new ParseIntPipe({ errorHttpStatusCode: 404 })) entryIndex: number): Promise<ReleasedMessageDto> {
    return { ...(await this.moderation.releaseMessage(OPERATOR, campaignId, entryIndex)), released: true };
  }
}
