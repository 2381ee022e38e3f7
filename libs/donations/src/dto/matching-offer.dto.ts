import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsIn, IsInt, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { TEXT_LIMITS, UserText } from '@ataa/common';
import { OFFLINE_GIFT_METHODS, OFFLINE_REFERENCE_MAX } from '../domain/offline-gifts.js';
import type { MatchingOfferView } from '../matching.service.js';

export class CreateMatchingOfferDto {
  @ApiProperty({ example: 'Cedar Foundation', description: 'The sponsor: shown on the campaign page and report, and the donor of the collection\'s offline gift' })
  @UserText({ min: 1, max: TEXT_LIMITS.donorName })
  sponsorName: string;

  @ApiProperty({ example: 1, description: 'The ratio\'s numerator: each gift is matched numerator/denominator times (1/1 doubles it); a positive whole number, at most 100' })
  @IsInt()
  ratioNumerator: number;

  @ApiPropertyOptional({ example: 1, default: 1, description: 'The ratio\'s denominator: a positive whole number, at most 100' })
  @IsOptional() @IsInt()
  ratioDenominator?: number;

  @ApiProperty({ example: '5,000', description: 'The most the sponsor matches, as typed in major units of the campaign\'s currency; positive, at most the currency\'s decimals' })
  @IsString() @MaxLength(40)
  cap: string;

  @ApiProperty({ example: 'usd', description: 'Must be the campaign\'s currency (422 matching_currency_mismatch otherwise)' })
  @IsString() @Matches(/^[A-Za-z]{3}$/, { message: 'currency must be a three-letter ISO 4217 code' })
  currency: string;

  @ApiPropertyOptional({ example: '2026-12-01T00:00:00Z', description: 'When matching starts (ISO 8601 with its zone; default and at the earliest: now)' })
  @IsOptional() @IsString() @MaxLength(40)
  startsAt?: string;

  @ApiProperty({ example: '2026-12-31T23:59:00Z', description: 'When matching ends (excluded), in the future (422 matching_window_in_past otherwise)' })
  @IsString() @MaxLength(40)
  endsAt: string;

  @ApiPropertyOptional({ description: 'Client request id: the same id creates at most once (like the Idempotency-Key header)' })
  @IsOptional() @IsString() @Matches(/^[A-Za-z0-9._:-]{1,255}$/)
  clientRequestId?: string;
}

export class CollectMatchingOfferDto {
  @ApiProperty({ example: '2026-12-31', description: 'The date the sponsor\'s money was received (YYYY-MM-DD), not in the future' })
  @IsString() @MaxLength(10)
  receivedOn: string;

  @ApiProperty({ enum: OFFLINE_GIFT_METHODS })
  @IsIn(OFFLINE_GIFT_METHODS as unknown as string[])
  method: string;

  @ApiProperty({ example: 'Wire 2026-991', description: 'The organization\'s reference; never public' })
  @UserText({ min: 1, max: OFFLINE_REFERENCE_MAX })
  reference: string;

  @ApiPropertyOptional({
    example: 'zakat', maxLength: 40,
    description: 'The designation (restricted fund) the collected offline gift goes to: one the campaign declared (default: its first declared). Unknown: 422 unknown_designation',
  })
  @IsOptional() @IsString() @MaxLength(40)
  designation?: string;

  @ApiPropertyOptional({ description: 'Client request id: the same id collects at most once (like the Idempotency-Key header)' })
  @IsOptional() @IsString() @Matches(/^[A-Za-z0-9._:-]{1,255}$/)
  clientRequestId?: string;
}

export class CollectMatchingByCardDto {
  @ApiPropertyOptional({ example: 'giving@cedar.example', maxLength: 254, description: 'Where Stripe and the receipt address the sponsor (default: the e-mail of the member asking; required for an API key)' })
  @IsOptional() @IsEmail() @MaxLength(254)
  sponsorEmail?: string;

  @ApiPropertyOptional({ description: 'Client request id: the same id answers the same session (like the Idempotency-Key header)' })
  @IsOptional() @IsString() @Matches(/^[A-Za-z0-9._:-]{1,255}$/)
  clientRequestId?: string;
}

export class MatchingCardCollectionDto {
  @ApiProperty({ nullable: true, type: String, description: 'Stripe Checkout page for the sponsor (null once the session is complete or expired)' }) url: string | null;
  @ApiProperty() sessionId: string;
  @ApiProperty({ example: '10000', description: 'What the offer owed when the session was opened (minor units)' }) amount: string;
  @ApiProperty({ example: 'usd' }) currency: string;
  @ApiProperty({ description: 'The pending donation the sponsor pays' }) donationId: string;
}

export class MatchingCollectionDto {
  @ApiProperty({ enum: ['offline', 'card'], description: 'offline: an offline gift the organization recorded; card: the sponsor paid through Stripe' }) kind: string;
  @ApiProperty({ nullable: true, type: String }) offlineGiftId: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'The sponsor\'s card payment (a donation), for kind card' }) donationId: string | null;
  @ApiProperty({ example: '50000', description: 'Minor units' }) amount: string;
  @ApiProperty({ nullable: true, type: Number, description: 'Index of the collecting gift\'s public ledger entry (offline gift or donation)' }) publicIndex: number | null;
  @ApiProperty() voided: boolean;
  @ApiProperty({ example: '0', description: 'How much of amount is owed again (minor units): all of it for a voided offline gift; for a card payment, what its refunds and lost disputes gave back of it (the excess goes back first)' }) reopened: string;
  @ApiProperty({ type: String, format: 'date-time' }) collectedAt: string;
}

export class MatchingOfferDto {
  @ApiProperty() id: string;
  @ApiProperty() campaignId: string;
  @ApiProperty() sponsorName: string;
  @ApiProperty({ example: 1 }) ratioNumerator: number;
  @ApiProperty({ example: 1 }) ratioDenominator: number;
  @ApiProperty({ example: '500000', description: 'Minor units' }) cap: string;
  @ApiProperty({ example: 'usd' }) currency: string;
  @ApiProperty({ type: String, format: 'date-time' }) startsAt: string;
  @ApiProperty({ type: String, format: 'date-time' }) endsAt: string;
  @ApiProperty({ example: '12000', description: 'The sponsor\'s pledge so far (minor units): pledged by the sponsor, unverified, not in the campaign\'s funds' }) accrued: string;
  @ApiProperty({ example: '0', description: 'How much of it was collected, as offline gifts or the sponsor\'s card payments, less what was reopened (minor units)' }) collected: string;
  @ApiProperty({ example: '488000', description: 'What is left of the cap (minor units)' }) left: string;
  @ApiProperty({ description: 'Matching now: in its window, cap not reached' }) active: boolean;
  @ApiProperty({ type: [MatchingCollectionDto] }) collections: MatchingCollectionDto[];
  @ApiProperty() createdBy: string;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt: string;
}

export class MatchingOfferListDto {
  @ApiProperty({ type: [MatchingOfferDto] }) items: MatchingOfferDto[];
}

export function toMatchingOfferDto(v: MatchingOfferView): MatchingOfferDto {
  const o = v.offer;
  return {
    id: o.id, campaignId: o.campaignId, sponsorName: o.sponsorName, ratioNumerator: o.ratioNumerator, ratioDenominator: o.ratioDenominator, cap: o.cap.toString(),
    currency: o.currency, startsAt: o.startsAt.toISOString(), endsAt: o.endsAt.toISOString(), accrued: o.accrued.toString(), collected: o.collected.toString(),
    left: v.left.toString(), active: v.active,
    collections: v.collections.map((c) => ({ kind: c.kind, offlineGiftId: c.offlineGiftId, donationId: c.donationId, amount: c.amount.toString(), publicIndex: c.publicIndex, voided: c.voided, reopened: c.reopened.toString(), collectedAt: c.createdAt.toISOString() })),
    createdBy: o.createdBy, createdAt: o.createdAt.toISOString(),
  };
}
