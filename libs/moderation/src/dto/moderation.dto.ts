import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { Transform } from 'class-transformer';
import { TEXT_LIMITS, UserText } from '@ataa/common';
import { HIDE_REASONS, REPORT_REASONS, REPORT_STATUSES, REPORT_TARGETS } from '../domain/moderation-rules.js';

export class HideMessageDto {
  @ApiProperty({ enum: HIDE_REASONS, description: 'Shown in place of the message on the donor wall and in the public log' })
  @IsIn(HIDE_REASONS as unknown as string[]) reason: string;
  @ApiPropertyOptional({ maxLength: TEXT_LIMITS.reason, description: 'Private note (audit log)' })
  @IsOptional() @UserText({ max: TEXT_LIMITS.reason, multiline: true }) note?: string;
}

export class SuspendCampaignDto {
  @ApiProperty({ maxLength: TEXT_LIMITS.reason, description: 'Public: shown on the campaign page instead of the donation form' })
  @UserText({ max: TEXT_LIMITS.reason, min: 1, multiline: true }) reason: string;
}

export class ListReportsQueryDto {
  @ApiPropertyOptional({ enum: REPORT_STATUSES }) @IsOptional() @IsIn(REPORT_STATUSES as unknown as string[]) status?: string;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @Matches(/^[0-9a-f-]{36}$/i) campaignId?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) cursor?: string;
  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @IsOptional() @Transform(({ value }) => (typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value)) @IsInt() @Min(1) @Max(200) limit?: number;
}

export class ReportDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) campaignId: string;
  @ApiProperty() campaignSlug: string;
  @ApiProperty({ enum: REPORT_TARGETS }) target: string;
  @ApiProperty({ type: Number, nullable: true, description: 'The message\'s public log index (target message)' }) entryIndex: number | null;
  @ApiProperty({ enum: REPORT_REASONS }) reason: string;
  @ApiProperty({ type: String, nullable: true }) details: string | null;
  @ApiProperty({ enum: REPORT_STATUSES }) status: string;
  @ApiProperty() createdAt: string;
  @ApiProperty({ type: String, nullable: true }) resolvedAt: string | null;
}

export class ReportsPageDto {
  @ApiProperty({ type: [ReportDto] }) items: ReportDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor: string | null;
}

export class HiddenMessageDto {
  @ApiProperty({ format: 'uuid' }) campaignId: string;
  @ApiProperty() entryIndex: number;
  @ApiProperty({ enum: HIDE_REASONS }) reason: string;
  @ApiProperty({ type: String, nullable: true }) note: string | null;
  @ApiProperty() hiddenAt: string;
}

export class CampaignSuspensionDto {
  @ApiProperty({ format: 'uuid' }) campaignId: string;
  @ApiProperty() status: string;
  @ApiProperty() suspended: boolean;
  @ApiProperty({ type: String, nullable: true }) suspendedAt: string | null;
  @ApiProperty({ type: String, nullable: true }) suspensionReason: string | null;
}

export class ListHeldQueryDto {
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @Matches(/^[0-9a-f-]{36}$/i) campaignId?: string;
  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @IsOptional() @Transform(({ value }) => (typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value)) @IsInt() @Min(1) @Max(200) limit?: number;
}

export class HeldMessageDto {
  @ApiProperty({ format: 'uuid' }) campaignId: string;
  @ApiProperty() campaignSlug: string;
  @ApiProperty({ description: 'The gift\'s public log index' }) entryIndex: number;
  @ApiProperty() message: string;
  @ApiProperty() heldAt: string;
}

export class HeldMessagesDto {
  @ApiProperty({ type: [HeldMessageDto] }) items: HeldMessageDto[];
}

export class ReleasedMessageDto {
  @ApiProperty({ format: 'uuid' }) campaignId: string;
  @ApiProperty() entryIndex: number;
  @ApiProperty() released: boolean;
}
