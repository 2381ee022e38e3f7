import { Body, Controller, Get, Headers, HttpCode, Param, Post, Res, UseGuards } from '@nestjs/common';
import { ApiCreatedResponse, ApiHeader, ApiProperty, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { DomainError } from '@ataa/common';
import { CollectMatchingByCardDto, CollectMatchingOfferDto, CreateMatchingOfferDto, MatchingCardCollectionDto, MatchingCardService, MatchingOfferDto, MatchingOfferListDto, MatchingService, OfflineGiftDto, OfflineGiftsService, toMatchingOfferDto, toOfflineGiftDto } from '@ataa/donations';
import { AuthGuard, CurrentPrincipal, IdParamPipe, Roles, type Principal } from '@ataa/organizations';
import { ApiOrgAuth, ApiProblems } from '../organizations/api-docs.js';
import { OfflineGiftCampaignGuard } from '../offline-gifts/offline-gifts.controller.js';

const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{1,255}$/;

function checkKey(key: string | undefined): void {
  if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) throw new DomainError('validation_failed', 'Idempotency-Key must be 1-255 characters of A-Z a-z 0-9 . _ : -', 400);
}

export class MatchingCollectionResultDto {
  @ApiProperty({ type: MatchingOfferDto }) offer: MatchingOfferDto;
  @ApiProperty({ type: OfflineGiftDto, description: 'The offline gift that collected it' }) gift: OfflineGiftDto;
}

/** Matching offers (issue 21, item 6; docs/matching.md). Another organization's campaign is a 404 before the body is validated (the offline gifts' guard). */
@ApiTags('matching')
@Controller('orgs/:orgId/campaigns/:campaignId/matching-offers')
@UseGuards(AuthGuard, OfflineGiftCampaignGuard)
export class MatchingOffersController {
  constructor(private readonly matching: MatchingService, private readonly offline: OfflineGiftsService, private readonly cards: MatchingCardService) {}

  @Post()
  @Roles('finance')
  @ApiOrgAuth()
  @ApiProblems(400, 409, 422)
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'The same key creates the offer at most once (200 with the first answer on a repeat)' })
  @ApiOperation({
    summary: 'Create a matching offer: a sponsor matches gifts at a ratio up to a cap within a window (owner, finance)',
    description: 'Card gifts settled in the window accrue min(floor(gift × ratio), cap left) as the sponsor\'s pledge (unverified, not in the campaign\'s funds) until it is collected as an offline gift.',
  })
  @ApiCreatedResponse({ type: MatchingOfferDto })
  async create(
    @CurrentPrincipal() principal: Principal,
    @Param('campaignId', IdParamPipe) campaignId: string,
    @Body() body: CreateMatchingOfferDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<MatchingOfferDto> {
    checkKey(idempotencyKey);
    const result = await this.matching.create(principal, campaignId, {
      sponsorName: body.sponsorName, ratioNumerator: body.ratioNumerator, ratioDenominator: body.ratioDenominator ?? 1, cap: body.cap, currency: body.currency,
      startsAt: body.startsAt ?? null, endsAt: body.endsAt,
    }, idempotencyKey ?? body.clientRequestId ?? null);
    reply.status(result.created ? 201 : 200);
    if (!result.created) reply.header('idempotent-replayed', 'true');
    return toMatchingOfferDto(result.offer);
  }

  @Get()
  @Roles('viewer')
  @ApiOrgAuth()
  @ApiOperation({ summary: 'The campaign\'s matching offers with their pledged and collected amounts (any member)' })
  @ApiOkResponse({ type: MatchingOfferListDto })
  async list(@CurrentPrincipal() principal: Principal, @Param('campaignId', IdParamPipe) campaignId: string): Promise<MatchingOfferListDto> {
    return { items: (await this.matching.list(principal.organizationId, campaignId)).map(toMatchingOfferDto) };
  }

  @Get(':offerId')
  @Roles('viewer')
  @ApiOrgAuth()
  @ApiOperation({ summary: 'One matching offer (any member)' })
  @ApiOkResponse({ type: MatchingOfferDto })
  async get(@CurrentPrincipal() principal: Principal, @Param('campaignId', IdParamPipe) campaignId: string, @Param('offerId', IdParamPipe) offerId: string): Promise<MatchingOfferDto> {
    return toMatchingOfferDto(await this.matching.get(principal.organizationId, campaignId, offerId));
  }

  @Post(':offerId/collect')
  @HttpCode(201)
  @Roles('finance')
  @ApiOrgAuth()
  @ApiProblems(400, 409)
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'The same key collects at most once (200 with the first answer on a repeat)' })
  @ApiOperation({
    summary: 'Collect what the sponsor owes now as an offline gift from the sponsor, linked to the offer (owner, finance)',
    description: 'Records accrued − collected as an offline gift (posted to the ledger and public log, marked recorded by the organization) and marks it collected. 409 matching_nothing_to_collect when nothing is owed.',
  })
  @ApiCreatedResponse({ type: MatchingCollectionResultDto })
  async collect(
    @CurrentPrincipal() principal: Principal,
    @Param('campaignId', IdParamPipe) campaignId: string,
    @Param('offerId', IdParamPipe) offerId: string,
    @Body() body: CollectMatchingOfferDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<{ offer: MatchingOfferDto; gift: OfflineGiftDto }> {
    checkKey(idempotencyKey);
    const campaign = await this.offline.campaignOf(principal.organizationId, campaignId);
    const result = await this.matching.collect(principal, campaignId, offerId, {
      receivedOn: body.receivedOn, method: body.method, reference: body.reference, language: campaign.language, designation: body.designation ?? null,
    }, idempotencyKey ?? body.clientRequestId ?? null);
    reply.status(result.created ? 201 : 200);
    if (!result.created) reply.header('idempotent-replayed', 'true');
    return { offer: toMatchingOfferDto(result.offer), gift: toOfflineGiftDto(result.gift) };
  }

  @Post(':offerId/collect-by-card')
  @HttpCode(201)
  @Roles('finance')
  @ApiOrgAuth()
  @ApiProblems(400, 409, 502)
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'The same key answers the same Checkout Session (200 on a repeat)' })
  @ApiOperation({
    summary: 'Collect what the sponsor owes now by card: a Stripe Checkout Session for the sponsor to pay (owner, finance)',
    description: 'Opens a Checkout Session for accrued − collected. When the payment settles (the ordinary webhook path) it is recorded as the sponsor\'s collection of the offer (never matched; what no longer fits stays an ordinary gift). 409 matching_nothing_to_collect when nothing is owed.',
  })
  @ApiCreatedResponse({ type: MatchingCardCollectionDto })
  async collectByCard(
    @CurrentPrincipal() principal: Principal,
    @Param('campaignId', IdParamPipe) campaignId: string,
    @Param('offerId', IdParamPipe) offerId: string,
    @Body() body: CollectMatchingByCardDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<MatchingCardCollectionDto> {
    checkKey(idempotencyKey);
    const result = await this.cards.collectByCard(principal, campaignId, offerId, body.sponsorEmail?.trim().toLowerCase() ?? null, idempotencyKey ?? body.clientRequestId ?? null);
    reply.status(result.created ? 201 : 200);
    if (!result.created) reply.header('idempotent-replayed', 'true');
    return { url: result.url, sessionId: result.sessionId, amount: result.amount.toString(), currency: result.currency, donationId: result.donationId };
  }
}
