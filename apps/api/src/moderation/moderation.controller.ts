import { Body, CanActivate, Controller, ExecutionContext, Get, HttpCode, Injectable, Param, ParseIntPipe, Post, Query, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { NotFoundError } from '@ataa/common';
import {
  HiddenMessage, HeldMessage, HeldMessagesDto, HiddenMessageDto, HideMessageDto, ListHeldQueryDto, ReleasedMessageDto, ListReportsQueryDto, ModerationService, ReportDto, ReportsPageDto, ReportStatus, StoredReport,
} from '@ataa/moderation';
import { AuthGuard, CurrentPrincipal, IdParamPipe, isUuid, Roles, type Principal } from '@ataa/organizations';
import { ApiOrgAuth, ApiProblems } from '../organizations/api-docs.js';

export const toReportDto = (r: StoredReport): ReportDto => ({
  id: r.id, campaignId: r.campaignId, campaignSlug: r.campaignSlug, target: r.target, entryIndex: r.entryIndex, reason: r.reason, details: r.details,
  status: r.status, createdAt: r.createdAt.toISOString(), resolvedAt: r.resolvedAt?.toISOString() ?? null,
});

export const toHeldDto = (h: HeldMessage) => ({ campaignId: h.campaignId, campaignSlug: h.campaignSlug, entryIndex: h.entryIndex, message: h.message, heldAt: h.heldAt.toISOString() });

export const toHiddenDto = (h: HiddenMessage): HiddenMessageDto => ({
  campaignId: h.campaignId, entryIndex: h.entryIndex, reason: h.reason, note: h.note, hiddenAt: h.createdAt.toISOString(),
});

/** Another organization's campaign is a 404 before the body is validated (a 400 would tell the caller the id reached the handler). */
@Injectable()
export class ModeratedCampaignGuard implements CanActivate {
  constructor(private readonly moderation: ModerationService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<{ params: Record<string, string>; principal?: Principal }>();
    if (!request.principal || !isUuid(request.params.campaignId)) throw new NotFoundError('Campaign');
    await this.moderation.requireCampaign({ organizationId: request.principal.organizationId }, request.params.campaignId);
    return true;
  }
}

/** An organization's moderation of its own campaigns: reports about them, hidden donor-wall messages. */
@ApiTags('moderation')
@Controller('orgs/:orgId')
@UseGuards(AuthGuard)
export class ModerationController {
  constructor(private readonly moderation: ModerationService) {}

  @Get('reports')
  @Roles('admin')
  @ApiOrgAuth()
  @ApiProblems(400, 404)
  @ApiOperation({ summary: 'Reports about the organization\'s campaigns and their donor-wall messages, newest first (owner, admin)' })
  @ApiOkResponse({ type: ReportsPageDto })
  async list(@CurrentPrincipal() principal: Principal, @Query() query: ListReportsQueryDto): Promise<ReportsPageDto> {
    const page = await this.moderation.listReports({ actor: principal.actor, organizationId: principal.organizationId }, {
      campaignId: query.campaignId, status: query.status as ReportStatus | undefined, cursor: query.cursor, limit: query.limit ?? 50,
    });
    return { items: page.items.map(toReportDto), nextCursor: page.nextCursor };
  }

  @Post('reports/:reportId/dismiss')
  @HttpCode(200)
  @Roles('admin')
  @ApiOrgAuth()
  @ApiProblems(404, 409)
  @ApiOperation({ summary: 'Close a report without action (owner, admin); 409 report_not_open when already resolved' })
  @ApiOkResponse({ type: ReportDto })
  async dismiss(@CurrentPrincipal() principal: Principal, @Param('reportId', IdParamPipe) reportId: string): Promise<ReportDto> {
    return toReportDto(await this.moderation.dismissReport({ actor: principal.actor, organizationId: principal.organizationId }, reportId));
  }

  @Post('campaigns/:campaignId/messages/:entryIndex/hide')
  @HttpCode(200)
  @Roles('admin')
  @UseGuards(ModeratedCampaignGuard)
  @ApiOrgAuth()
  @ApiProblems(400, 404)
  @ApiOperation({
    summary: 'Hide a donor-wall message (owner, admin)',
    description: 'The message is named by its gift\'s public log index. It is redacted in the public log (the commitment stays; the entry shows the reason) and the donor wall shows the reason in its place. Hiding again returns the first record. Cannot be undone.',
  })
  @ApiOkResponse({ type: HiddenMessageDto })
  async hide(
    @CurrentPrincipal() principal: Principal, @Param('campaignId', IdParamPipe) campaignId: string,
    @Param('entryIndex', new ParseIntPipe({ errorHttpStatusCode: 404 })) entryIndex: number, @Body() body: HideMessageDto,
  ): Promise<HiddenMessageDto> {
    const { hidden } = await this.moderation.hideMessage({ actor: principal.actor, organizationId: principal.organizationId }, campaignId, entryIndex, body);
    return toHiddenDto(hidden);
  }

  @Get('held-messages')
  @Roles('admin')
  @ApiOrgAuth()
  @ApiProblems(400, 404)
  @ApiOperation({ summary: 'Gift messages the automatic filter held for review, oldest first (owner, admin)' })
  @ApiOkResponse({ type: HeldMessagesDto })
  async held(@CurrentPrincipal() principal: Principal, @Query() query: ListHeldQueryDto): Promise<HeldMessagesDto> {
    const items = await this.moderation.listHeld({ actor: principal.actor, organizationId: principal.organizationId }, { campaignId: query.campaignId, limit: query.limit ?? 50 });
    return { items: items.map(toHeldDto) };
  }

  @Post('campaigns/:campaignId/messages/:entryIndex/release')
  @HttpCode(200)
  @Roles('admin')
  @UseGuards(ModeratedCampaignGuard)
  @ApiOrgAuth()
  @ApiProblems(404, 409)
  @ApiOperation({ summary: 'Let a held message show on the donor wall (owner, admin)', description: 'It stays out of the public log: the gift\'s entry was appended without it.' })
  @ApiOkResponse({ type: ReleasedMessageDto })
  async release(
    @CurrentPrincipal() principal: Principal, @Param('campaignId', IdParamPipe) campaignId: string,
    @Param('entryIndex', new ParseIntPipe({ errorHttpStatusCode: 404 })) entryIndex: number,
  ): Promise<ReleasedMessageDto> {
    return { ...(await this.moderation.releaseMessage({ actor: principal.actor, organizationId: principal.organizationId }, campaignId, entryIndex)), released: true };
  }
}
