import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';
import { TEXT_LIMITS, UserText } from '@ataa/common';
import type { CampaignFunds } from '../domain/funds.js';
import type { Payout } from '../persistence/payout.row.js';

export class PayoutPartInputDto {
  @ApiProperty({ example: 'zakat', maxLength: 40 }) code: string;
  @ApiProperty({ example: '1500', pattern: '^\\d{1,18}$', description: 'Minor units as a string of digits, more than zero' }) amount: string;
}

export class CreatePayoutDto {
  @ApiProperty({ example: '25000', description: 'Minor units as a string of digits, or "all" for everything available now' })
  @IsString() @Matches(/^(\d{1,18}|all)$/, { message: 'amount must be a string of digits (minor units) or "all"' })
  amount: string;

  @ApiProperty({ example: 'usd', description: 'Must be the campaign\'s currency' })
  @IsString() @Matches(/^[A-Za-z]{3}$/, { message: 'currency must be a three-letter ISO 4217 code' })
  currency: string;

  @ApiProperty({ example: 'Water pump for the village well', description: 'What this money pays for: shown on the public ledger' })
  @UserText({ min: 1, max: TEXT_LIMITS.payoutPurpose })
  purpose: string;

  @ApiPropertyOptional({ description: 'Private note for the organization and the operator (never public)' })
  @IsOptional() @UserText({ max: TEXT_LIMITS.privateNote, multiline: true })
  privateNote?: string;

  @ApiPropertyOptional({ description: 'Client request id: the same id sends the same request at most once (like the Idempotency-Key header)' })
  @IsOptional() @IsString() @Matches(/^[A-Za-z0-9._:-]{1,255}$/)
  clientRequestId?: string;

  @ApiPropertyOptional({ example: 'zakat', default: 'general', description: 'The designation (restricted fund) it spends: general, or one the campaign declared (else 422 unknown_designation); never more than that designation holds (409 insufficient_funds). Not with `designations` (422 payout_designations_conflict)' })
  @IsOptional() @IsString() @MaxLength(40)
  designation?: string;

  /** Checked whole by the domain (payoutParts): each problem a 4xx with its own code and field. */
  @ApiPropertyOptional({
    type: [PayoutPartInputDto], maxItems: 21,
    description: 'Spend several designations in one payout: each code once (general or one the campaign declared: else 422 unknown_designation), '
      + 'amounts in minor units adding up to `amount` (else 422 payout_parts_mismatch; "all" is not allowed with parts). Each part is checked against '
      + 'its designation (409 insufficient_funds naming it). Repeated code or malformed part: 422 payout_parts_invalid; bad amount: 400 payout_amount_invalid. '
      + 'Not with `designation` (422 payout_designations_conflict)',
  })
  @IsOptional()
  designations?: unknown[];
}

export class PayoutDrawDto {
  @ApiProperty({ description: 'Public log index of a gift it drew from' }) index: number;
  @ApiProperty({ example: '2500', description: 'Minor units taken from that gift' }) amount: string;
}

export class PayoutPartDto {
  @ApiProperty({ example: 'zakat' }) designation: string;
  @ApiProperty({ example: '1500', description: 'Minor units of the payout spent from this designation' }) amount: string;
  @ApiProperty({ type: [PayoutDrawDto], nullable: true, description: 'The gifts this part drew from, first in first out within its designation (recorded when paid)' })
  draws: PayoutDrawDto[] | null;
}

export class RejectPayoutDto {
  @ApiProperty({ example: 'Purpose does not match the campaign' })
  @UserText({ min: 1, max: TEXT_LIMITS.reason, multiline: true })
  reason: string;
}

export class SetPayoutThresholdDto {
  @ApiProperty({ example: '100000', nullable: true, description: 'Minor units of the campaign\'s currency up to which payouts are approved automatically; null: an operator approves every payout' })
  @IsOptional() @IsString() @Matches(/^\d{1,18}$/)
  amount: string | null;
}

export class ListPayoutsQueryDto {
  @ApiPropertyOptional({ enum: ['pending_approval'] })
  @IsOptional() @IsIn(['pending_approval'])
  status?: 'pending_approval';
}

export class PendingTrancheDto {
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) availableOn: string | null;
  @ApiProperty({ example: '9480' }) amount: string;
}

export class CampaignFundsDto {
  @ApiProperty() campaignId: string;
  @ApiProperty({ example: 'usd' }) currency: string;
  @ApiProperty({ example: '9480', description: 'Can be paid out now (minor units)' }) available: string;
  @ApiProperty({ example: '0', description: 'Settled but not yet available on Stripe' }) pending: string;
  @ApiProperty({ type: [PendingTrancheDto] }) pendingByDate: PendingTrancheDto[];
  @ApiProperty({ example: '0', description: 'Held by payout requests not executed yet' }) reserved: string;
  @ApiProperty({ example: '0', description: 'Paid out, net of reversals' }) paidOut: string;
}

export class PayoutDto {
  @ApiProperty() id: string;
  @ApiProperty() campaignId: string;
  @ApiProperty({ example: '25000' }) amount: string;
  @ApiProperty({ example: 'usd' }) currency: string;
  @ApiProperty({ enum: ['pending_approval', 'approved', 'processing', 'paid', 'failed', 'rejected', 'cancelled', 'reversed'] }) status: string;
  @ApiProperty() purpose: string;
  @ApiProperty({ nullable: true, type: String }) privateNote: string | null;
  @ApiProperty({ nullable: true, enum: ['automatic', 'operator'] }) approval: string | null;
  @ApiProperty({ nullable: true, type: String }) rejectionReason: string | null;
  @ApiProperty({ nullable: true, type: String }) stripeTransferId: string | null;
  @ApiProperty({ example: '0' }) amountReversed: string;
  @ApiProperty({ nullable: true, type: String }) failureCode: string | null;
  @ApiProperty() requestedBy: string;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) executedAt: string | null;
  @ApiProperty({ example: 'general', nullable: true, type: String, description: 'The designation (restricted fund) it spends; null when it spends several (see parts)' }) designation: string | null;
  @ApiProperty({ type: [PayoutDrawDto], nullable: true, description: 'The gifts it drew from, first in first out within its designation (recorded when paid; also in its public entry); a split payout\'s parts\' draws one after the other' })
  draws: PayoutDrawDto[] | null;
  @ApiProperty({ type: [PayoutPartDto], description: 'What it spends per designation (one part for a payout of one designation), each with its draws once paid' })
  parts: PayoutPartDto[];
}

export class PayoutListDto {
  @ApiProperty({ type: [PayoutDto] }) items: PayoutDto[];
}

export function toFundsDto(campaignId: string, f: CampaignFunds): CampaignFundsDto {
  return {
    campaignId, currency: f.currency, available: f.available.toString(), pending: f.pending.toString(),
    pendingByDate: f.pendingByDate.map((t) => ({ availableOn: t.availableOn?.toISOString() ?? null, amount: t.amount.toString() })),
    reserved: f.reserved.toString(), paidOut: f.paidOut.toString(),
  };
}

export function toPayoutDto(p: Payout): PayoutDto {
  return {
    id: p.id, campaignId: p.campaignId, amount: p.amount.toString(), currency: p.currency, status: p.status, purpose: p.purpose,
    privateNote: p.privateNote, approval: p.approval, rejectionReason: p.rejectionReason, stripeTransferId: p.stripeTransferId,
    amountReversed: p.amountReversed.toString(), failureCode: p.failureCode, requestedBy: p.requestedBy,
    createdAt: new Date(p.createdAt).toISOString(), executedAt: p.executedAt ? new Date(p.executedAt).toISOString() : null,
    designation: p.designation, draws: p.draws,
    parts: p.parts.map((x) => ({ designation: x.designation, amount: x.amount.toString(), draws: x.draws })),
  };
}
