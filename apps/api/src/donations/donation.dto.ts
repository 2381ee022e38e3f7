import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsDateString, IsIn, IsInt, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min } from 'class-validator';
import { DONATION_STATUSES, type Donation, type DonationRefund, type DonationStatus } from '@ataa/donations';

const toList = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.split(',').map((s) => s.trim()).filter(Boolean) : value);
const toInt = ({ value }: { value: unknown }) => (typeof value === 'string' && /^\d{1,4}$/.test(value) ? Number(value) : value);

export class ListDonationsQueryDto {
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() campaignId?: string;
  @ApiPropertyOptional({ description: 'Comma-separated statuses', example: 'succeeded,partially_refunded' })
  @IsOptional() @Transform(toList) @IsIn(DONATION_STATUSES as unknown as string[], { each: true }) status?: DonationStatus[];
  @ApiPropertyOptional({ description: 'Created at or after (ISO 8601)' }) @IsOptional() @IsDateString() from?: string;
  @ApiPropertyOptional({ description: 'Created before (ISO 8601)' }) @IsOptional() @IsDateString() to?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) cursor?: string;
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 25 }) @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(100) limit?: number;
}

export class CreateRefundDto {
  @ApiPropertyOptional({ description: 'Minor units as a string of digits; the whole remaining amount when omitted', example: '1500' })
  @IsOptional() @IsString() @Matches(/^[1-9]\d{0,14}$/, { message: 'amount must be a positive whole number of minor units' }) amount?: string;
  @ApiPropertyOptional({ enum: ['requested_by_customer', 'duplicate', 'fraudulent'] })
  @IsOptional() @IsIn(['requested_by_customer', 'duplicate', 'fraudulent']) reason?: 'requested_by_customer' | 'duplicate' | 'fraudulent';
}

export class RefundDto {
  @ApiProperty() id: string;
  @ApiProperty() donationId: string;
  @ApiProperty({ description: 'Minor units' }) amount: string;
  @ApiProperty() status: string;
  @ApiProperty({ nullable: true }) reason: string | null;
  @ApiProperty() createdAt: string;
}

export class DonationDto {
  @ApiProperty() id: string;
  @ApiProperty() campaignId: string;
  @ApiProperty({ enum: DONATION_STATUSES }) status: string;
  @ApiProperty() currency: string;
  @ApiProperty({ description: 'Charged, minor units' }) amount: string;
  @ApiProperty({ description: 'Chosen by the donor for the campaign, minor units' }) chosenAmount: string;
  @ApiProperty() coveredFees: string;
  @ApiProperty({ nullable: true, description: "Stripe's processing fee, minor units; null until known" }) processingFee: string | null;
  @ApiProperty({ description: "Settled, and Stripe's processing fee not known yet: it is posted when the charge's balance transaction arrives" }) feePending: boolean;
  @ApiProperty({ nullable: true }) platformFee: string | null;
  @ApiProperty() refundedAmount: string;
  @ApiProperty() disputedAmount: string;
  @ApiProperty({ nullable: true }) donorName: string | null;
  @ApiProperty({ nullable: true, description: 'null once the donor asked to be erased (erasedAt)' }) donorEmail: string | null;
  @ApiProperty({ nullable: true, description: "When the donor's personal data was erased" }) erasedAt: string | null;
  @ApiProperty() anonymous: boolean;
  @ApiProperty({ nullable: true }) publicMessage: string | null;
  @ApiProperty() createdAt: string;
  @ApiProperty({ nullable: true }) settledAt: string | null;
  @ApiPropertyOptional({ type: [RefundDto] }) refunds?: RefundDto[];
}

export class DonationPageDto {
  @ApiProperty({ type: [DonationDto] }) items: DonationDto[];
  @ApiProperty({ nullable: true }) nextCursor: string | null;
}

export function toRefundDto(r: DonationRefund): RefundDto {
  return { id: r.id, donationId: r.donationId, amount: r.amount.toString(), status: r.status, reason: r.reason, createdAt: r.createdAt.toISOString() };
}

export function toDonationDto(d: Donation, refunds?: DonationRefund[]): DonationDto {
  return {
    id: d.id, campaignId: d.campaignId, status: d.status, currency: d.currency, amount: d.amount.toString(), chosenAmount: d.chosenAmount.toString(),
    coveredFees: d.coveredFees.toString(), processingFee: d.processingFee?.toString() ?? null,
    feePending: d.settledAt !== null && d.processingFee === null, platformFee: d.platformFee?.toString() ?? null,
    refundedAmount: d.refundedAmount.toString(), disputedAmount: d.disputedAmount.toString(), donorName: d.donorName, donorEmail: d.donorEmail, erasedAt: d.erasedAt?.toISOString() ?? null,
    anonymous: d.anonymous, publicMessage: d.publicMessage, createdAt: d.createdAt.toISOString(), settledAt: d.settledAt?.toISOString() ?? null,
    ...(refunds ? { refunds: refunds.map(toRefundDto) } : {}),
  };
}
