import { Body, Controller, Get, Headers, HttpCode, Param, Post, Put, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiHeader, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { DomainError } from '@ataa/common';
import { AuthGuard, CurrentPrincipal, IdParamPipe, OperatorGuard, Roles, type Principal } from '@ataa/organizations';
import {
  CampaignFundsDto, CreatePayoutDto, FundsService, PayoutDto, PayoutListDto, PayoutsService, RejectPayoutDto, SetPayoutThresholdDto, toFundsDto, toPayoutDto,
} from '@ataa/payouts';
import { ApiOrgAuth, ApiProblems } from '../organizations/api-docs.js';
import { CampaignOwnedGuard } from './campaign-owned.guard.js';

const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{1,255}$/;

@ApiTags('payouts')
@Controller('orgs/:orgId')
@UseGuards(AuthGuard)
export class PayoutsController {
  constructor(
    private readonly funds: FundsService,
    private readonly payouts: PayoutsService,
  ) {}

  @Get('campaigns/:campaignId/funds')
  @Roles('viewer')
  @ApiOrgAuth()
  @ApiOperation({ summary: 'Available and pending funds of a campaign (any member)', description: 'Available: settled gifts whose Stripe balance is available, net of fees, refunds, disputes, holds and payouts. Pending: not yet available on Stripe, by date.' })
  @ApiOkResponse({ type: CampaignFundsDto })
  async getFunds(@CurrentPrincipal() principal: Principal, @Param('campaignId', IdParamPipe) campaignId: string): Promise<CampaignFundsDto> {
    return toFundsDto(campaignId, await this.funds.fundsFor(principal.organizationId, campaignId));
  }

  @Post('campaigns/:campaignId/payouts')
  @Roles('finance')
  @UseGuards(CampaignOwnedGuard)
  @ApiOrgAuth()
  @ApiProblems(400, 409, 422)
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'The same key sends the same request at most once (200 with the first answer on a repeat)' })
  @ApiOperation({ summary: 'Request a payout (owner, finance)', description: 'Reserves the amount at once. At or under the organization\'s threshold it is approved automatically and executed by the worker; above it an operator decides.' })
  @ApiCreatedResponse({ type: PayoutDto })
  async request(
    @CurrentPrincipal() principal: Principal,
    @Param('campaignId', IdParamPipe) campaignId: string,
    @Body() body: CreatePayoutDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<PayoutDto> {
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw new DomainError('validation_failed', 'Idempotency-Key must be 1-255 characters of A-Z a-z 0-9 . _ : -', 400);
    }
    const result = await this.payouts.request(principal, campaignId, {
      amount: body.amount, currency: body.currency, purpose: body.purpose, privateNote: body.privateNote ?? null,
      idempotencyKey: idempotencyKey ?? body.clientRequestId ?? null, designation: body.designation ?? null,
      ...(body.designations !== undefined ? { designations: body.designations } : {}),
    });
    reply.status(result.created ? 201 : 200);
    if (!result.created) reply.header('idempotent-replayed', 'true');
    return toPayoutDto(result.payout);
  }

  @Get('campaigns/:campaignId/payouts')
  @Roles('viewer')
  @ApiOrgAuth()
  @ApiOperation({ summary: 'Payouts of a campaign, newest first (any member)' })
  @ApiOkResponse({ type: PayoutListDto })
  async list(@CurrentPrincipal() principal: Principal, @Param('campaignId', IdParamPipe) campaignId: string): Promise<{ items: PayoutDto[] }> {
    return { items: (await this.payouts.list(principal.organizationId, campaignId)).map(toPayoutDto) };
  }

  @Get('payouts/:payoutId')
  @Roles('viewer')
  @ApiOrgAuth()
  @ApiOperation({ summary: 'One payout (any member)' })
  @ApiOkResponse({ type: PayoutDto })
  async get(@CurrentPrincipal() principal: Principal, @Param('payoutId', IdParamPipe) payoutId: string): Promise<PayoutDto> {
    return toPayoutDto(await this.payouts.get(principal.organizationId, payoutId));
  }

  @Post('payouts/:payoutId/cancel')
  @HttpCode(200)
  @ApiOrgAuth()
  @ApiProblems(409)
  @ApiOperation({ summary: 'Cancel a payout before it is executed (owner only)', description: 'Releases the reserved amount. 409 `invalid_payout_transition` once executing or done.' })
  @ApiOkResponse({ type: PayoutDto })
  async cancel(@CurrentPrincipal() principal: Principal, @Param('payoutId', IdParamPipe) payoutId: string): Promise<PayoutDto> {
    return toPayoutDto(await this.payouts.cancel(principal, payoutId));
  }
}

/** Platform operator: approval queue, decisions, thresholds (outside /api/v1, bearer OPERATOR_TOKEN). */
@ApiTags('operator')
@Controller('operator')
@UseGuards(OperatorGuard)
export class OperatorPayoutsController {
  constructor(private readonly payouts: PayoutsService) {}

  @Get('payouts')
  @ApiBearerAuth()
  @ApiProblems(401)
  @ApiOperation({ summary: 'Payout requests waiting for an operator decision (operator only)' })
  @ApiOkResponse({ type: PayoutListDto })
  async pending(): Promise<{ items: PayoutDto[] }> {
    return { items: (await this.payouts.awaitingApproval()).map(toPayoutDto) };
  }

  @Post('payouts/:payoutId/approve')
  @HttpCode(200)
  @ApiBearerAuth()
  @ApiProblems(401, 404, 409)
  @ApiOperation({ summary: 'Approve a payout above the threshold (operator only)' })
  @ApiOkResponse({ type: PayoutDto })
  async approve(@Param('payoutId', IdParamPipe) payoutId: string): Promise<PayoutDto> {
    return toPayoutDto(await this.payouts.approve(payoutId));
  }

  @Post('payouts/:payoutId/reject')
  @HttpCode(200)
  @ApiBearerAuth()
  @ApiProblems(400, 401, 404, 409)
  @ApiOperation({ summary: 'Reject a payout with a reason (operator only); the reserved amount is released' })
  @ApiOkResponse({ type: PayoutDto })
  async reject(@Param('payoutId', IdParamPipe) payoutId: string, @Body() body: RejectPayoutDto): Promise<PayoutDto> {
    return toPayoutDto(await this.payouts.reject(payoutId, body.reason));
  }

  @Put('organizations/:organizationId/payout-threshold')
  @HttpCode(204)
  @ApiBearerAuth()
  @ApiProblems(400, 401, 404)
  @ApiOperation({ summary: 'Set the amount up to which an organization\'s payouts are approved automatically (operator only)' })
  @ApiNoContentResponse({ description: 'Threshold set' })
  async setThreshold(@Param('organizationId', IdParamPipe) organizationId: string, @Body() body: SetPayoutThresholdDto): Promise<void> {
    await this.payouts.setApprovalThreshold(organizationId, body.amount === null || body.amount === undefined ? null : BigInt(body.amount));
  }
}
