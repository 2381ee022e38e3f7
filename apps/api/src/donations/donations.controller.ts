import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DomainError } from '@ataa/common';
import { DonationsQueryService, RefundsService } from '@ataa/donations';
import { AuthGuard, CurrentPrincipal, IdParamPipe, Roles, type Principal } from '@ataa/organizations';
import { ApiOrgAuth, ApiProblems } from '../organizations/api-docs.js';
import { CreateRefundDto, DonationDto, DonationPageDto, ListDonationsQueryDto, RefundDto, toDonationDto, toRefundDto } from './donation.dto.js';

@ApiTags('donations')
@Controller('orgs/:orgId/donations')
@UseGuards(AuthGuard)
export class DonationsController {
  constructor(
    private readonly donations: DonationsQueryService,
    private readonly refunds: RefundsService,
  ) {}

  @Get()
  @Roles('viewer')
  @ApiOrgAuth()
  @ApiProblems(400)
  @ApiOperation({ summary: 'List donations, newest first, with filters and cursor pagination (any member)' })
  @ApiOkResponse({ type: DonationPageDto })
  async list(@CurrentPrincipal() principal: Principal, @Query() query: ListDonationsQueryDto): Promise<DonationPageDto> {
    const page = await this.donations.list({
      organizationId: principal.organizationId, campaignId: query.campaignId, status: query.status,
      createdFrom: query.from ? new Date(query.from) : undefined, createdTo: query.to ? new Date(query.to) : undefined,
      cursor: query.cursor, limit: query.limit ?? 25,
    });
    return { items: page.items.map((d) => toDonationDto(d)), nextCursor: page.nextCursor };
  }

  @Get(':donationId')
  @Roles('viewer')
  @ApiOrgAuth()
  @ApiOperation({ summary: 'One donation with its refunds (any member)' })
  @ApiOkResponse({ type: DonationDto })
  async get(@CurrentPrincipal() principal: Principal, @Param('donationId', IdParamPipe) donationId: string): Promise<DonationDto> {
    const { donation, refunds } = await this.donations.get(principal.organizationId, donationId);
    return toDonationDto(donation, refunds);
  }

  @Post(':donationId/refunds')
  @HttpCode(201)
  @Roles('finance')
  @ApiOrgAuth()
  @ApiProblems(400, 409)
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Retrying with the same key returns the same refund' })
  @ApiOperation({ summary: 'Refund all or part of a donation (owner, finance)', description: '409 `refund_exceeds_remaining` when the amount is more than what remains, also under concurrent requests. '
      + 'When the campaign\'s funds cannot bear the refund because of payouts, the latest transfers to the organization are reversed first; '
      + 'if that fails, 409 `refund_exceeds_recoverable_funds` (`reason`: `reversal_refused` or `funds_held_for_payouts`) and nothing is refunded.' })
  @ApiCreatedResponse({ type: RefundDto })
  async refund(
    @CurrentPrincipal() principal: Principal,
    @Param('donationId', IdParamPipe) donationId: string,
    @Body() body: CreateRefundDto,
    @Headers('idempotency-key') idempotencyKey?: string,
  ): Promise<RefundDto> {
    if (idempotencyKey !== undefined && !/^[\x21-\x7e]{1,255}$/.test(idempotencyKey)) {
      throw new DomainError('validation_failed', 'Idempotency-Key must be 1 to 255 visible ASCII characters', 400);
    }
    const refund = await this.refunds.refund({
      organizationId: principal.organizationId, donationId, amount: body.amount ? BigInt(body.amount) : undefined, reason: body.reason,
      actor: principal.actor, idempotencyKey,
    });
    // The audit entry is written by RefundsService with the refund request, once per refund.
    return toRefundDto(refund);
  }
}
