import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsEmail, IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { TEXT_LIMITS, UserText } from '@ataa/common';
import { OFFLINE_GIFT_METHODS, OFFLINE_REFERENCE_MAX, OFFLINE_VOID_REASON_MAX } from '../domain/offline-gifts.js';
import type { OfflineGift } from '../persistence/offline-gift.repository.js';

export class CreateOfflineGiftDto {
  @ApiProperty({ example: '1,250.50', description: 'The amount as typed, in major units of the campaign\'s currency ("25", "25.50", "1,250.50", "١٬٥٠٠"); positive, at most the currency\'s decimals' })
  @IsString() @MaxLength(40)
  amount: string;

  @ApiProperty({ example: 'usd', description: 'Must be the campaign\'s currency (422 offline_gift_currency_mismatch otherwise)' })
  @IsString() @Matches(/^[A-Za-z]{3}$/, { message: 'currency must be a three-letter ISO 4217 code' })
  currency: string;

  @ApiProperty({ example: '2026-03-01', description: 'The date the organization received the money (YYYY-MM-DD), not in the future' })
  @IsString() @MaxLength(10)
  receivedOn: string;

  @ApiProperty({ enum: OFFLINE_GIFT_METHODS })
  @IsIn(OFFLINE_GIFT_METHODS as unknown as string[])
  method: string;

  @ApiProperty({ example: 'Cheque 004512', description: 'The organization\'s reference (cheque number, bank reference, cash book line); never public' })
  @UserText({ min: 1, max: OFFLINE_REFERENCE_MAX })
  reference: string;

  @ApiPropertyOptional({ default: false, description: 'Shown as "Anonymous" on the public ledger' })
  @IsOptional() @IsBoolean()
  anonymous?: boolean;

  @ApiPropertyOptional({ example: 'Amal Haddad', description: 'Required unless anonymous; public (committed like a card gift\'s name) unless anonymous' })
  @IsOptional() @UserText({ max: TEXT_LIMITS.donorName })
  donorName?: string;

  @ApiPropertyOptional({ example: 'amal@example.org', description: 'A receipt is e-mailed here (never public)' })
  @IsOptional() @IsEmail() @MaxLength(254)
  donorEmail?: string;

  @ApiPropertyOptional({ description: 'The donor\'s public message' })
  @IsOptional() @UserText({ max: TEXT_LIMITS.publicMessage, multiline: true })
  message?: string;

  @ApiPropertyOptional({ enum: ['en', 'ar'], description: 'The receipt\'s language (default: the campaign\'s)' })
  @IsOptional() @IsIn(['en', 'ar'])
  language?: 'en' | 'ar';

  @ApiPropertyOptional({
    example: 'zakat', maxLength: 40,
    description: 'One of the campaign\'s declared designations (restricted funds; default: its first declared). A campaign that declared none takes only `general` or nothing. Unknown: 422 unknown_designation',
  })
  @IsOptional() @IsString() @MaxLength(40)
  designation?: string;

  @ApiPropertyOptional({ description: 'Client request id: the same id records at most once (like the Idempotency-Key header)' })
  @IsOptional() @IsString() @Matches(/^[A-Za-z0-9._:-]{1,255}$/)
  clientRequestId?: string;
}

export class VoidOfflineGiftDto {
  @ApiProperty({ example: 'Cheque bounced', description: 'Why: published with the reversing entry' })
  @UserText({ min: 1, max: OFFLINE_VOID_REASON_MAX })
  reason: string;
}

export class OfflineGiftDto {
  @ApiProperty() id: string;
  @ApiProperty() campaignId: string;
  @ApiProperty({ example: '125050', description: 'Minor units' }) amount: string;
  @ApiProperty({ example: 'usd' }) currency: string;
  @ApiProperty({ example: '2026-03-01' }) receivedOn: string;
  @ApiProperty({ enum: OFFLINE_GIFT_METHODS }) method: string;
  @ApiProperty() reference: string;
  @ApiProperty() anonymous: boolean;
  @ApiProperty({ nullable: true, type: String }) donorName: string | null;
  @ApiProperty({ nullable: true, type: String }) donorEmail: string | null;
  @ApiProperty({ nullable: true, type: String }) message: string | null;
  @ApiProperty({ enum: ['recorded', 'voided'] }) status: 'recorded' | 'voided';
  @ApiProperty({ example: 'recorded by the organization, not verified by the payment processor' }) verification: string;
  @ApiProperty({ nullable: true, type: Number, description: 'Index of its public ledger entry' }) publicIndex: number | null;
  @ApiProperty() recordedBy: string;
  @ApiProperty({ type: String, format: 'date-time' }) recordedAt: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) voidedAt: string | null;
  @ApiProperty({ nullable: true, type: String }) voidedBy: string | null;
  @ApiProperty({ nullable: true, type: String }) voidReason: string | null;
  @ApiProperty({ nullable: true, type: Number, description: 'Index of the public reversing entry' }) voidPublicIndex: number | null;
  @ApiProperty({ nullable: true, type: String, description: 'The designation (restricted fund) it was given to; null: the campaign declared none (general)' }) designation: string | null;
}

export class OfflineGiftListDto {
  @ApiProperty({ type: [OfflineGiftDto] }) items: OfflineGiftDto[];
}

export function toOfflineGiftDto(g: OfflineGift): OfflineGiftDto {
  return {
    id: g.id, campaignId: g.campaignId, amount: g.amount.toString(), currency: g.currency, receivedOn: g.receivedOn, method: g.method, reference: g.reference,
    anonymous: g.anonymous, donorName: g.donorName, donorEmail: g.donorEmail, message: g.message, status: g.voidedAt ? 'voided' : 'recorded',
    verification: 'recorded by the organization, not verified by the payment processor', publicIndex: g.publicIndex, recordedBy: g.recordedBy,
    recordedAt: g.createdAt.toISOString(), voidedAt: g.voidedAt?.toISOString() ?? null, voidedBy: g.voidedBy, voidReason: g.voidReason, voidPublicIndex: g.voidPublicIndex,
    designation: g.designation,
  };
}
