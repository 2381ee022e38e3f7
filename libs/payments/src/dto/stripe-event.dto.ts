import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import type { InboxEvent } from '../inbox/stripe-event-inbox.js';

const toInt = ({ value }: { value: unknown }) => (typeof value === 'string' && /^\d{1,4}$/.test(value) ? Number(value) : value);

export class ListDeadLetteredEventsQueryDto {
  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional() @Matches(/^evt_[A-Za-z0-9_]{1,250}$/, { message: 'cursor must be a Stripe event id' }) cursor?: string;
  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 }) @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(200) limit?: number;
}

export class DeadLetteredEventDto {
  @ApiProperty({ example: 'evt_1Nk...' }) id: string;
  @ApiProperty({ example: 'checkout.session.completed' }) type: string;
  @ApiProperty({ nullable: true, type: String, example: 'cs_test_...', description: 'The id of the Stripe object the event is about' }) objectId: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'Connected account the event came from, if any' }) account: string | null;
  @ApiProperty({ description: 'Failed attempts since it was received (or last retried)' }) attempts: number;
  @ApiProperty({ nullable: true, type: String, example: 'QueryFailedError: value too long for type character varying(120)' }) lastError: string | null;
  @ApiProperty({ format: 'date-time' }) receivedAt: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) lastAttemptAt: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time', description: 'Null once retried' }) deadLetteredAt: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) processedAt: string | null;
}

export class DeadLetteredEventPageDto {
  @ApiProperty({ type: [DeadLetteredEventDto], description: 'Most recently dead-lettered first' }) items: DeadLetteredEventDto[];
  @ApiProperty({ description: 'How many events are dead-lettered in all' }) total: number;
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

export class RetriedEventDto {
  @ApiProperty({ type: DeadLetteredEventDto }) event: DeadLetteredEventDto;
  @ApiProperty({ description: 'Handed to the queue now; false: Redis did not answer, the worker\'s inbox sweep enqueues it' }) enqueued: boolean;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function toDeadLetteredEventDto(e: InboxEvent): DeadLetteredEventDto {
  return {
    id: e.id, type: e.type, objectId: e.objectId, account: e.account, attempts: e.attempts, lastError: e.lastError, receivedAt: e.receivedAt.toISOString(),
    lastAttemptAt: iso(e.lastAttemptAt), deadLetteredAt: iso(e.deadLetteredAt), processedAt: iso(e.processedAt),
  };
}
