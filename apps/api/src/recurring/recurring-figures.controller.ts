import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import {
  MAX_PERIOD_DAYS, periodDto, RecurringFailureListDto, RecurringFiguresDto, RecurringFiguresService, RecurringSeriesPageDto, SERIES_LIST_STATUSES, SERIES_PAGE,
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
  constructor(private readonly figures: RecurringFiguresService) {}

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
  @ApiOperation({ summary: "The organization's recurring series (its recurring donors), newest first, cursor-paged (any member; 400 invalid_parameter with the field)" })
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
}
