import { ApiPropertyOptional, ApiProperty } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { PUBLIC_ENTRY_KINDS } from '@ataa/transparency';
import type { PublicEntryKind } from '@ataa/transparency';

/** A non-negative decimal integer as query text: "-1", "1e3" or "0x10" are rejected with a 400. */
const NON_NEGATIVE = /^(0|[1-9][0-9]{0,15})$/;
const NON_NEGATIVE_MESSAGE = '$property must be a non-negative integer';
/** A ledger page's size as query text, 1 to 200 (also the JSON ledger's fast path's test). */
export const LEDGER_LIMIT = /^([1-9][0-9]?|1[0-9]{2}|200)$/;

export class LedgerQueryDto {
  @ApiPropertyOptional({ enum: ['desc', 'asc'], description: 'newest first (default) or oldest first' })
  @IsOptional() @IsIn(['asc', 'desc']) order?: 'asc' | 'desc';

  @ApiPropertyOptional({ description: 'entries per page, 1 to 200 (default 50)' })
  @IsOptional() @Matches(LEDGER_LIMIT, { message: 'limit must be an integer from 1 to 200' }) limit?: string;

  @ApiPropertyOptional({ description: 'opaque cursor from a previous page (next or prev)' })
  @IsOptional() @IsString() @MaxLength(64) cursor?: string;

  @ApiPropertyOptional({ enum: PUBLIC_ENTRY_KINDS })
  @IsOptional() @IsIn(PUBLIC_ENTRY_KINDS as unknown as string[]) kind?: PublicEntryKind;

  @ApiPropertyOptional({ example: '2026-01', description: 'only entries of this month (UTC)' })
  @IsOptional() @Matches(/^[0-9]{4}-(0[1-9]|1[0-2])$/, { message: 'month must be YYYY-MM' }) month?: string;

  @ApiPropertyOptional({ enum: ['en', 'ar'] })
  @IsOptional() @IsIn(['en', 'ar']) lang?: 'en' | 'ar';
}

export class LangQueryDto {
  @ApiPropertyOptional({ enum: ['en', 'ar'] })
  @IsOptional() @IsIn(['en', 'ar']) lang?: 'en' | 'ar';
}

export class CheckpointQueryDto {
  @ApiPropertyOptional({ description: 'tree size of an earlier checkpoint (default: the current size)' })
  @IsOptional() @Matches(NON_NEGATIVE, { message: NON_NEGATIVE_MESSAGE }) size?: string;
}

export class InclusionQueryDto {
  @ApiProperty({ description: 'leaf index' })
  @Matches(NON_NEGATIVE, { message: NON_NEGATIVE_MESSAGE }) index: string;

  @ApiPropertyOptional({ description: 'tree size (default: the current size)' })
  @IsOptional() @Matches(NON_NEGATIVE, { message: NON_NEGATIVE_MESSAGE }) size?: string;
}

export class InclusionBatchQueryDto {
  @ApiProperty({ description: 'comma-separated leaf indexes, 1 to 200 (e.g. the entries of a ledger page)', example: '7,8,9' })
  @Matches(/^(0|[1-9][0-9]{0,15})(,(0|[1-9][0-9]{0,15})){0,199}$/, { message: 'indexes must be 1 to 200 comma-separated non-negative integers' }) indexes: string;

  @ApiProperty({ description: 'tree size (the size the page was read at)' })
  @Matches(NON_NEGATIVE, { message: NON_NEGATIVE_MESSAGE }) size: string;
}

export class ConsistencyQueryDto {
  @ApiProperty({ description: 'size of the older tree' })
  @Matches(NON_NEGATIVE, { message: NON_NEGATIVE_MESSAGE }) from: string;

  @ApiPropertyOptional({ description: 'size of the newer tree (default: the current size)' })
  @IsOptional() @Matches(NON_NEGATIVE, { message: NON_NEGATIVE_MESSAGE }) to?: string;
}
