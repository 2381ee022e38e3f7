import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { CloseOutProgress } from '@ataa/donations';

/** A campaign's close-out as its organization sees it. Amounts are strings of digits in minor units. */
export class CloseOutProgressDto {
  @ApiProperty({ format: 'uuid' }) campaignId: string;
  @ApiProperty({ enum: ['flexible', 'all_or_nothing'] }) fundingModel: string;
  @ApiProperty({ enum: ['refund_all', 'keep'], description: '`refund_all`: an all-or-nothing campaign that missed its goal refunds every gift' }) decision: string;
  @ApiProperty({ enum: ['flexible', 'goal_met', 'goal_missed', 'cancelled'], description: '`cancelled`: a cancelled campaign refunds every gift' }) reason: string;
  @ApiProperty({ enum: ['refunding', 'done'] }) status: string;
  @ApiProperty({ example: 'usd' }) currency: string;
  @ApiProperty({ example: '100000' }) goal: string;
  @ApiProperty({ example: '42000', description: 'Raised toward the goal when the campaign ended (gifts minus refunds and disputes)' }) raised: string;
  @ApiProperty({ description: 'Gifts to refund (0 unless refund_all)' }) total: number;
  @ApiProperty() refunded: number;
  @ApiProperty({ description: 'Refunds the payment provider refused; the organization must settle these with the donor' }) failed: number;
  @ApiProperty({ description: 'Gifts left to an open or lost dispute, or already refunded otherwise' }) skipped: number;
  @ApiProperty({ description: 'Refunds still to make or to confirm' }) remaining: number;
  @ApiProperty({ example: '42000' }) totalAmount: string;
  @ApiProperty({ example: '42000' }) refundedAmount: string;
  @ApiProperty() batches: number;
  @ApiProperty({ format: 'date-time' }) startedAt: string;
  @ApiPropertyOptional({ format: 'date-time', nullable: true }) finishedAt: string | null;
}

export function toCloseOutDto(p: CloseOutProgress): CloseOutProgressDto {
  return {
    campaignId: p.campaignId, fundingModel: p.fundingModel, decision: p.decision, reason: p.reason, status: p.status, currency: p.currency,
    goal: p.goalAmount.toString(), raised: p.raisedAmount.toString(), total: p.total, refunded: p.refunded, failed: p.failed, skipped: p.skipped,
    remaining: p.total - p.refunded - p.failed - p.skipped, totalAmount: p.totalAmount.toString(), refundedAmount: p.refundedAmount.toString(),
    batches: p.batches, startedAt: p.startedAt.toISOString(), finishedAt: p.finishedAt ? p.finishedAt.toISOString() : null,
  };
}
