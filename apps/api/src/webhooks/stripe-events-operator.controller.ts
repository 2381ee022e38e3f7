import { Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { OperatorGuard } from '@ataa/organizations';
import {
  DeadLetteredEventPageDto, ListDeadLetteredEventsQueryDto, RetriedEventDto, StripeEventInbox, toDeadLetteredEventDto,
} from '@ataa/payments';
import { ApiProblems } from '../organizations/api-docs.js';

/** Platform operator: Stripe events that failed INBOX_MAX_ATTEMPTS times (outside /api/v1, bearer OPERATOR_TOKEN). */
@ApiTags('operator')
@Controller('operator/stripe-events')
@UseGuards(OperatorGuard)
export class StripeEventsOperatorController {
  constructor(private readonly inbox: StripeEventInbox) {}

  @Get('dead-lettered')
  @ApiBearerAuth()
  @ApiProblems(400, 401)
  @ApiOperation({ summary: 'Dead-lettered Stripe events with their last error, most recent first, cursor-paginated (operator only)' })
  @ApiOkResponse({ type: DeadLetteredEventPageDto })
  async list(@Query() query: ListDeadLetteredEventsQueryDto): Promise<DeadLetteredEventPageDto> {
    const [page, total] = await Promise.all([this.inbox.deadLettered({ limit: query.limit ?? 50, cursor: query.cursor }), this.inbox.countDeadLettered()]);
    return { items: page.items.map(toDeadLetteredEventDto), total, nextCursor: page.nextCursor };
  }

  @Post(':eventId/retry')
  @HttpCode(202)
  @ApiBearerAuth()
  @ApiParam({ name: 'eventId', example: 'evt_1Nk...' })
  @ApiProblems(401, 404, 409)
  @ApiOperation({
    summary: 'Retry a dead-lettered Stripe event once its cause is fixed (operator only)',
    description: 'Clears the dead letter, starts its attempts from zero and queues it; processing is idempotent, so the event posts at most once. '
      + '404 `stripe_event_not_found`; 409 `stripe_event_not_dead_lettered` for an event that is processed or still being retried.',
  })
  @ApiAcceptedResponse({ type: RetriedEventDto })
  async retry(@Param('eventId') eventId: string): Promise<RetriedEventDto> {
    const { event, enqueued } = await this.inbox.retryDeadLettered(eventId);
    return { event: toDeadLetteredEventDto(event), enqueued };
  }
}
