import { Body, Controller, Get, Put, Query, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import {
  GeneralFundDto, MAX_PERIOD_DAYS, periodDto, RecurringGiftsService, SetGeneralFundDto, toGeneralFundDto, RecurringFailureListDto, RecurringFiguresDto, RecurringFiguresService, RecurringSeriesPageDto, SERIES_LIST_STATUSES, SERIES_PAGE,
  toRecurringFailureDto, toRecurringFiguresDto, toRecurringSeriesDto,
} from '@ataa/donations';
import { AuthGuard, CurrentPrincipal, Roles, type Principal } from '@ataa/organizations';
import { ApiOrgAuth, ApiProblems } from '../organizations/api-docs.js';

const PERIOD_QUERIES = [
  ApiQuery({ name: 'from', required: false, description: 'First day, YYYY-MM-DD (UTC), included; default 29 days before `to`', example: '2026-11-01' }),
  ApiQuery({ name: 'to', required: false, description: `Last day, YYYY-MM-DD (UTC), included; default today. At most ${MAX_PERIOD_DAYS} days in all (400 period_invalid)`, example: '2026-11-30' }),
];
const withPeriod = (): MethodDecorator => (target, key, descriptor) => {
  for (const decorate of PERIOD_QUERIES) decorate(target, key, descriptor);
};

/** An organization's recurring gifts (issue 20, item 5): figures, series (its recurring donors) and failed payments. Any member. */
@ApiTags('recurring gifts')
@Controller('orgs/:orgId/recurring')
@UseGuards(AuthGuard)
export class RecurringFiguresController {
  constructor(
    private readonly figures: RecurringFiguresService,
    private readonly recurring: RecurringGiftsService,
  ) {}

  @Get('figures')
  @Roles('viewer')
  @ApiOrgAuth()
  @ApiProblems(400)
  @withPeriod()
  @ApiOperation({
    summary: 'Recurring donors, monthly recurring revenue, churn and failed payments (any member)',
    description: 'Monthly recurring revenue is per currency in minor units (weekly series × 52 / 12, rounded half up per currency) over the active and past-due series, as of now. '
      + 'Churn over the period: series that had made a payment and ended in it, over the series live at its start (basis points). Failed payments: attempts recorded in the period.',
  })
  @ApiOkResponse({ type: RecurringFiguresDto })
  async get(@CurrentPrincipal() principal: Principal, @Query() query: Record<string, unknown>): Promise<RecurringFiguresDto> {
    return toRecurringFiguresDto(await this.figures.figures(principal.organizationId, query));
  }

  @Get('series')
  @Roles('viewer')
  @ApiOrgAuth()
  @ApiProblems(400)
  @ApiQuery({ name: 'status', required: false, enum: SERIES_LIST_STATUSES })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: SERIES_PAGE.max, default: SERIES_PAGE.default } })
  @ApiQuery({ name: 'cursor', required: false, description: 'nextCursor of the previous page' })
  @ApiOperation({ summary: "The organization's recurring series (its recurring donors), newest first, cursor-paged; 400 invalid_parameter with the field (any member)" })
  @ApiOkResponse({ type: RecurringSeriesPageDto })
  async series(@CurrentPrincipal() principal: Principal, @Query() query: Record<string, unknown>): Promise<RecurringSeriesPageDto> {
    const page = await this.figures.series(principal.organizationId, query);
    return { items: page.items.map(toRecurringSeriesDto), nextCursor: page.nextCursor };
  }

  @Get('failed-payments')
  @Roles('viewer')
  @ApiOrgAuth()
  @ApiProblems(400)
  @withPeriod()
  @ApiOperation({ summary: 'Failed payment attempts of recurring gifts in a period, newest first, at most 100, with whether each was made good later (any member)' })
  @ApiOkResponse({ type: RecurringFailureListDto })
  async failures(@CurrentPrincipal() principal: Principal, @Query() query: Record<string, unknown>): Promise<RecurringFailureListDto> {
    const result = await this.figures.failures(principal.organizationId, query);
    return { period: periodDto(result.period), items: result.items.map(toRecurringFailureDto) };
  }

  @Get('general-fund')
  @Roles('viewer')
  @ApiOrgAuth()
  @ApiOperation({ summary: "The organization's general fund: where a closed campaign's recurring gifts move (any member)" })
  @ApiOkResponse({ type: GeneralFundDto })
  async generalFund(@CurrentPrincipal() principal: Principal): Promise<GeneralFundDto> {
    return toGeneralFundDto(await this.recurring.generalFund(principal.organizationId));
  }

  @Put('general-fund')
  @Roles('admin')
  @ApiOrgAuth()
  @ApiProblems(400, 422)
  @ApiOperation({
    summary: 'Name (or clear) the general fund (owner, admin)',
    description: 'When a campaign ends or is cancelled, each of its live recurring gifts in the fund\'s currency moves to the fund (Stripe subscription metadata updated; '
      + 'its next payments are gifts to the fund, past ones stay) and the donor is e-mailed; others are cancelled as without a fund. '
      + 'The fund must be one of the organization\'s published campaigns taking gifts (422 general_fund_not_open; another organization\'s is 404).',
  })
  @ApiOkResponse({ type: GeneralFundDto })
  async setGeneralFund(@CurrentPrincipal() principal: Principal, @Body() body: SetGeneralFundDto): Promise<GeneralFundDto> {
    return toGeneralFundDto(await this.recurring.setGeneralFund(principal, body.campaignId));
  }
}
