import { Body, CanActivate, Controller, ExecutionContext, Get, Headers, HttpCode, Injectable, Param, Post, Res, UseGuards } from '@nestjs/common';
import { ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { DomainError, NotFoundError } from '@ataa/common';
import { CreateOfflineGiftDto, OfflineGiftDto, OfflineGiftListDto, OfflineGiftsService, toOfflineGiftDto, VoidOfflineGiftDto } from '@ataa/donations';
import { AuthGuard, CurrentPrincipal, IdParamPipe, isUuid, Roles, type Principal } from '@ataa/organizations';
import { ApiOrgAuth, ApiProblems } from '../organizations/api-docs.js';

const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{1,255}$/;

/**
 * Runs after AuthGuard and before body validation: another organization's campaign is a 404
 * whatever the body says (a 400 would tell the caller the id reached the handler).
 */
@Injectable()
export class OfflineGiftCampaignGuard implements CanActivate {
  constructor(private readonly gifts: OfflineGiftsService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<{ params: Record<string, string>; principal?: Principal }>();
    const campaignId = request.params.campaignId;
    if (!request.principal || !isUuid(campaignId)) throw new NotFoundError('Campaign');
    await this.gifts.campaignOf(request.principal.organizationId, campaignId);
    return true;
  }
}

@ApiTags('offline gifts')
@Controller('orgs/:orgId/campaigns/:campaignId/offline-gifts')
@UseGuards(AuthGuard, OfflineGiftCampaignGuard)
export class OfflineGiftsController {
  constructor(private readonly gifts: OfflineGiftsService) {}

  @Post()
  @Roles('finance')
  @ApiOrgAuth()
  @ApiProblems(400, 409, 422)
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'The same key records the gift at most once (200 with the first answer on a repeat)' })
  @ApiOperation({
    summary: 'Record an offline gift: cash, cheque or bank transfer (owner, finance)',
    description: 'Posts it to the campaign\'s ledger and public log as an offline gift, marked "recorded by the organization, not verified by the payment processor". E-mails a receipt when a donor e-mail is given.',
  })
  @ApiCreatedResponse({ type: OfflineGiftDto })
  async record(
    @CurrentPrincipal() principal: Principal,
    @Param('campaignId', IdParamPipe) campaignId: string,
    @Body() body: CreateOfflineGiftDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<OfflineGiftDto> {
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw new DomainError('validation_failed', 'Idempotency-Key must be 1-255 characters of A-Z a-z 0-9 . _ : -', 400);
    }
    const campaign = await this.gifts.campaignOf(principal.organizationId, campaignId);
    const result = await this.gifts.record(principal, campaignId, {
      amount: body.amount, currency: body.currency, receivedOn: body.receivedOn, method: body.method, reference: body.reference,
      anonymous: body.anonymous ?? false, donorName: body.donorName ?? null, donorEmail: body.donorEmail ?? null, message: body.message ?? null,
      language: body.language ?? campaign.language, designation: body.designation ?? null,
    }, idempotencyKey ?? body.clientRequestId ?? null);
    reply.status(result.created ? 201 : 200);
    if (!result.created) reply.header('idempotent-replayed', 'true');
    return toOfflineGiftDto(result.gift);
  }

  @Get()
  @Roles('viewer')
  @ApiOrgAuth()
  @ApiOperation({ summary: 'The campaign\'s offline gifts, newest first (any member)' })
  @ApiOkResponse({ type: OfflineGiftListDto })
  async list(@CurrentPrincipal() principal: Principal, @Param('campaignId', IdParamPipe) campaignId: string): Promise<OfflineGiftListDto> {
    return { items: (await this.gifts.list(principal.organizationId, campaignId)).map(toOfflineGiftDto) };
  }

  @Get(':giftId')
  @Roles('viewer')
  @ApiOrgAuth()
  @ApiOperation({ summary: 'One offline gift (any member)' })
  @ApiOkResponse({ type: OfflineGiftDto })
  async get(@CurrentPrincipal() principal: Principal, @Param('campaignId', IdParamPipe) campaignId: string, @Param('giftId', IdParamPipe) giftId: string): Promise<OfflineGiftDto> {
    return toOfflineGiftDto(await this.gifts.get(principal.organizationId, campaignId, giftId));
  }

  @Post(':giftId/void')
  @HttpCode(200)
  @Roles('finance')
  @ApiOrgAuth()
  @ApiProblems(400, 409)
  @ApiOperation({
    summary: 'Void an offline gift by a reversing entry (owner, finance)',
    description: 'A gift is never edited or deleted: the void appends a public reversing entry of the same amount, with the reason. Voiding again with the same reason answers the same void.',
  })
  @ApiOkResponse({ type: OfflineGiftDto })
  async void(
    @CurrentPrincipal() principal: Principal,
    @Param('campaignId', IdParamPipe) campaignId: string,
    @Param('giftId', IdParamPipe) giftId: string,
    @Body() body: VoidOfflineGiftDto,
  ): Promise<OfflineGiftDto> {
    return toOfflineGiftDto((await this.gifts.void(principal, campaignId, giftId, body.reason)).gift);
  }
}
