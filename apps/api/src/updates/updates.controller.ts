import { Body, CanActivate, Controller, Delete, ExecutionContext, Get, HttpCode, Injectable, Param, Patch, Post, Query, Req, UseGuards } from '@nestjs/common';
import { DomainError, NotFoundError } from '@ataa/common';
import { ApiBody, ApiConsumes, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { AuthGuard, CurrentPrincipal, IdParamPipe, isUuid, Roles, type Principal } from '@ataa/organizations';
import {
  CampaignUpdatesService, CreateUpdateDto, EditUpdateDto, ListUpdatesQueryDto, toUpdateDto, UpdateDeliveriesDto, UpdateDto, UpdateImageDto, UpdateListDto,
  UploadUpdateImageFormDto,
} from '@ataa/updates';
import { readUploadForm } from '../http/upload-form.js';
import { ApiOrgAuth, ApiProblems } from '../organizations/api-docs.js';

/**
 * Runs after AuthGuard and before body validation: another organization's campaign is a 404 whatever
 * the body says (a 400 would tell the caller the id reached the handler).
 */
@Injectable()
export class UpdateCampaignGuard implements CanActivate {
  constructor(private readonly updates: CampaignUpdatesService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<{ params: Record<string, string>; principal?: Principal }>();
    const campaignId = request.params.campaignId;
    if (!request.principal || !isUuid(campaignId)) throw new NotFoundError('Campaign', 'campaign_not_found');
    await this.updates.assertCampaignOfOrganization(request.principal.organizationId, campaignId);
    return true;
  }
}

/**
 * A campaign's updates (issue 21): drafts, publication (which e-mails the donors who opted in, once),
 * edits that keep the published time, unpublishing and deletion. Writing takes owner or admin (the
 * dashboard's role rule for campaign changes); reading, any member. Another organization's
 * campaign or update is a 404.
 */
@ApiTags('campaign updates')
@Controller('orgs/:orgId/campaigns/:campaignId/updates')
@UseGuards(AuthGuard, UpdateCampaignGuard)
export class UpdatesController {
  constructor(private readonly updates: CampaignUpdatesService) {}

  @Post()
  @Roles('admin')
  @ApiOrgAuth()
  @ApiProblems(400, 404, 422)
  @ApiOperation({ summary: 'Write an update (owner, admin)', description: 'A draft unless `publish` is true. Markdown is rendered to sanitized HTML (no raw HTML, scripts, handlers, javascript: or data: links).' })
  @ApiCreatedResponse({ type: UpdateDto })
  async create(@CurrentPrincipal() principal: Principal, @Param('campaignId', IdParamPipe) campaignId: string, @Body() body: CreateUpdateDto): Promise<UpdateDto> {
    return toUpdateDto(await this.updates.create(principal, campaignId, body, { publish: body.publish === true }));
  }

  @Post('images')
  @Roles('admin')
  @ApiOrgAuth()
  @ApiConsumes('multipart/form-data')
  @ApiBody({ type: UploadUpdateImageFormDto })
  @ApiProblems(400, 404, 413, 415)
  @ApiOperation({
    summary: "Upload an image for the campaign's updates (owner, admin)",
    description: 'Multipart field `file`: JPEG, PNG or WebP, checked by its bytes (`image_type` 415), at most COVER_IMAGE_MAX_BYTES (`image_too_large` 413), 16 to 8000 pixels a side (`image_dimensions` 400); a refused file stores nothing. Stored as campaign covers are (served at /media/covers/<sha256>.<ext>); give the answer\'s `imageKey` to POST or PATCH an update.',
  })
  @ApiCreatedResponse({ type: UpdateImageDto })
  async uploadImage(
    @CurrentPrincipal() principal: Principal, @Param('campaignId', IdParamPipe) campaignId: string, @Req() request: FastifyRequest,
    // Read from the request itself (readUploadForm, the file bounded while it streams); declared so the
    // handler's body is the one the document describes (nothing is parsed into it).
    @Body() _form: unknown,
  ): Promise<UpdateImageDto> {
    if (!request.isMultipart()) throw new DomainError('validation_failed', 'send multipart/form-data with the image as the field `file`', 415);
    const { file } = await readUploadForm(request, 'file');
    return this.updates.storeImage(principal.organizationId, campaignId, file);
  }

  @Get()
  @Roles('viewer')
  @ApiOrgAuth()
  @ApiProblems(400, 404)
  @ApiOperation({ summary: "A campaign's updates, newest first (any member)" })
  @ApiOkResponse({ type: UpdateListDto })
  async list(@CurrentPrincipal() principal: Principal, @Param('campaignId', IdParamPipe) campaignId: string, @Query() query: ListUpdatesQueryDto): Promise<UpdateListDto> {
    const page = await this.updates.list(principal.organizationId, campaignId, { limit: query.limit ?? 20, cursor: query.cursor });
    return { items: page.items.map(toUpdateDto), nextCursor: page.nextCursor };
  }

  @Get(':updateId')
  @Roles('viewer')
  @ApiOrgAuth()
  @ApiProblems(404)
  @ApiOperation({ summary: 'One update (any member)' })
  @ApiOkResponse({ type: UpdateDto })
  async get(@CurrentPrincipal() principal: Principal, @Param('campaignId', IdParamPipe) campaignId: string, @Param('updateId', IdParamPipe) updateId: string): Promise<UpdateDto> {
    return toUpdateDto(await this.updates.get(principal.organizationId, campaignId, updateId));
  }

  @Get(':updateId/deliveries')
  @Roles('viewer')
  @ApiOrgAuth()
  @ApiProblems(404)
  @ApiOperation({ summary: "How the update's e-mail went: recipients per state (any member)" })
  @ApiOkResponse({ type: UpdateDeliveriesDto })
  async deliveries(@CurrentPrincipal() principal: Principal, @Param('campaignId', IdParamPipe) campaignId: string, @Param('updateId', IdParamPipe) updateId: string): Promise<UpdateDeliveriesDto> {
    return this.updates.deliveries(principal.organizationId, campaignId, updateId);
  }

  @Patch(':updateId')
  @Roles('admin')
  @ApiOrgAuth()
  @ApiProblems(400, 404, 422)
  @ApiOperation({ summary: 'Edit an update (owner, admin)', description: 'A published update stays published with its published time; nobody is e-mailed again.' })
  @ApiOkResponse({ type: UpdateDto })
  async edit(@CurrentPrincipal() principal: Principal, @Param('campaignId', IdParamPipe) campaignId: string, @Param('updateId', IdParamPipe) updateId: string, @Body() body: EditUpdateDto): Promise<UpdateDto> {
    return toUpdateDto(await this.updates.edit(principal, campaignId, updateId, body));
  }

  @Post(':updateId/publish')
  @HttpCode(200)
  @Roles('admin')
  @ApiOrgAuth()
  @ApiProblems(404, 409)
  @ApiOperation({ summary: 'Publish a draft or unpublished update (owner, admin)', description: 'The first publication e-mails the donors who opted in; publishing again after unpublishing does not.' })
  @ApiOkResponse({ type: UpdateDto })
  async publish(@CurrentPrincipal() principal: Principal, @Param('campaignId', IdParamPipe) campaignId: string, @Param('updateId', IdParamPipe) updateId: string): Promise<UpdateDto> {
    return toUpdateDto(await this.updates.publish(principal, campaignId, updateId));
  }

  @Post(':updateId/unpublish')
  @HttpCode(200)
  @Roles('admin')
  @ApiOrgAuth()
  @ApiProblems(404, 409)
  @ApiOperation({ summary: 'Take a published update off the public pages (owner, admin)', description: 'E-mails not sent yet are not sent.' })
  @ApiOkResponse({ type: UpdateDto })
  async unpublish(@CurrentPrincipal() principal: Principal, @Param('campaignId', IdParamPipe) campaignId: string, @Param('updateId', IdParamPipe) updateId: string): Promise<UpdateDto> {
    return toUpdateDto(await this.updates.unpublish(principal, campaignId, updateId));
  }

  @Delete(':updateId')
  @HttpCode(204)
  @Roles('admin')
  @ApiOrgAuth()
  @ApiProblems(404)
  @ApiOperation({ summary: 'Delete an update (owner, admin)' })
  @ApiNoContentResponse()
  async delete(@CurrentPrincipal() principal: Principal, @Param('campaignId', IdParamPipe) campaignId: string, @Param('updateId', IdParamPipe) updateId: string): Promise<void> {
    await this.updates.delete(principal, campaignId, updateId);
  }
}
