import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateIf } from 'class-validator';
import { UserText } from '@ataa/common';
import { PLAIN_IMAGE_ALT, UPDATE_BODY_MAX, UPDATE_IMAGE_ALT_MAX, UPDATE_TITLE_MAX } from '../domain/update-body.js';
import type { DeliveryStatus, UpdateRow, UpdateStatus } from '../persistence/updates.repository.js';

const IMAGE_KEY = /^[0-9a-f]{64}\.(jpg|png|webp)$/;
const IMAGE_ALT_DOC = {
  type: String, nullable: true, minLength: 1, maxLength: UPDATE_IMAGE_ALT_MAX, pattern: PLAIN_IMAGE_ALT.source, example: 'Villagers drawing water from the new well',
  description: 'What the image shows, for screen readers (its `alt` on the pages, the feed and the e-mail): plain text (no `<` or `>`), trimmed. '
    + 'Required with `imageKey` (422 `update_image_alt_required`), refused without it (422 `update_image_alt_without_image`)',
};

/** The image description's edge check: the title's text rule (trimmed, no control characters, length in code points), and no markup. */
function ImageAlt(): PropertyDecorator {
  return (target: object, property: string | symbol) => {
    IsOptional()(target, property);
    UserText({ min: 1, max: UPDATE_IMAGE_ALT_MAX })(target, property);
    Matches(PLAIN_IMAGE_ALT, { message: 'imageAlt must be plain text (no < or >)' })(target, property as string);
  };
}

export class CreateUpdateDto {
  @ApiProperty({ minLength: 1, maxLength: UPDATE_TITLE_MAX, example: 'The first well is dug' })
  @UserText({ min: 1, max: UPDATE_TITLE_MAX })
  title: string;

  @ApiProperty({ minLength: 1, maxLength: UPDATE_BODY_MAX, description: 'Markdown (raw HTML is not rendered); served as sanitized HTML' })
  @UserText({ min: 1, max: UPDATE_BODY_MAX, multiline: true })
  body: string;

  @ApiPropertyOptional({ enum: ['en', 'ar'], description: "The update's language; the campaign's when omitted" })
  @IsOptional() @IsIn(['en', 'ar'])
  language?: 'en' | 'ar';

  @ApiPropertyOptional({ type: String, nullable: true, pattern: IMAGE_KEY.source, description: 'An image uploaded first (POST …/updates/images answers its key; its file name under /media/covers); a key naming no stored file is 422 `update_image_not_found`' })
  @IsOptional() @ValidateIf((_, v) => v !== null) @IsString() @MaxLength(80) @Matches(IMAGE_KEY)
  imageKey?: string | null;

  @ApiPropertyOptional(IMAGE_ALT_DOC)
  @ImageAlt()
  imageAlt?: string | null;

  @ApiPropertyOptional({ default: false, description: 'Publish at once (and e-mail opted-in donors); a draft otherwise' })
  @IsOptional() @IsBoolean()
  publish?: boolean;
}

export class EditUpdateDto {
  @ApiProperty({ minLength: 1, maxLength: UPDATE_TITLE_MAX }) @UserText({ min: 1, max: UPDATE_TITLE_MAX }) title: string;
  @ApiProperty({ minLength: 1, maxLength: UPDATE_BODY_MAX }) @UserText({ min: 1, max: UPDATE_BODY_MAX, multiline: true }) body: string;
  @ApiPropertyOptional({ enum: ['en', 'ar'] }) @IsOptional() @IsIn(['en', 'ar']) language?: 'en' | 'ar';
  @ApiPropertyOptional({ type: String, nullable: true, pattern: IMAGE_KEY.source, description: 'As on create: an uploaded image\'s key, or null to remove the image' })
  @IsOptional() @ValidateIf((_, v) => v !== null) @IsString() @MaxLength(80) @Matches(IMAGE_KEY)
  imageKey?: string | null;
  @ApiPropertyOptional({ ...IMAGE_ALT_DOC, description: 'As on create: an edit states the image and its description together, so it is required whenever `imageKey` is given' })
  @ImageAlt()
  imageAlt?: string | null;
}

/** The multipart form of an update image upload (read from the request by the controller). */
export class UploadUpdateImageFormDto {
  @ApiProperty({ type: 'string', format: 'binary', description: 'A JPEG, PNG or WebP image (checked by its content, not its name), at most COVER_IMAGE_MAX_BYTES (2 MB by default), 16 to 8000 pixels a side' })
  file: unknown;
}

export class UpdateImageDto {
  @ApiProperty({ pattern: IMAGE_KEY.source, description: "The image's key (`<sha256>.<ext>`): give it as an update's `imageKey`" }) imageKey: string;
  @ApiProperty({ format: 'uri', description: 'Where the image is served (public, cached for a year)' }) url: string;
}

export class ListUpdatesQueryDto {
  @ApiPropertyOptional({ description: 'nextCursor of the previous page' }) @IsOptional() @IsString() @MaxLength(200) @Matches(/^[A-Za-z0-9_-]+$/) cursor?: string;
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional() @Transform(({ value }) => (typeof value === 'string' && /^\d{1,4}$/.test(value) ? Number(value) : value)) @IsInt() @Min(1) @Max(100)
  limit?: number;
}

export class UpdateDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) campaignId: string;
  @ApiProperty({ enum: ['en', 'ar'] }) language: 'en' | 'ar';
  @ApiProperty() title: string;
  @ApiProperty({ description: 'Markdown as typed' }) body: string;
  @ApiProperty({ description: 'Sanitized HTML rendered from the Markdown' }) bodyHtml: string;
  @ApiProperty({ type: String, nullable: true }) imageKey: string | null;
  @ApiProperty({ type: String, nullable: true, description: "The image's description for screen readers; null without an image (and on images older than descriptions)" }) imageAlt: string | null;
  @ApiProperty({ enum: ['draft', 'published', 'unpublished'] }) status: UpdateStatus;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Set by the first publication; kept by edits' }) publishedAt: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt: string;
  @ApiProperty({ type: String, format: 'date-time' }) updatedAt: string;
}

export class UpdateListDto {
  @ApiProperty({ type: [UpdateDto] }) items: UpdateDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor: string | null;
}

export class UpdateDeliveriesDto {
  @ApiProperty() pending: number;
  @ApiProperty() sending: number;
  @ApiProperty() sent: number;
  @ApiProperty({ description: 'Left out at send time: erased, unsubscribed or withdrawn' }) skipped: number;
  @ApiProperty() failed: number;
  @ApiProperty({ description: 'A worker stopped between sending and recording it; never re-sent' }) uncertain: number;
}

export function toUpdateDto(row: UpdateRow): UpdateDto {
  const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
  return {
    id: row.id, campaignId: row.campaignId, language: row.language, title: row.title, body: row.bodyMarkdown, bodyHtml: row.bodyHtml,
    imageKey: row.imageKey, imageAlt: row.imageAlt, status: row.status, publishedAt: iso(row.publishedAt), createdAt: iso(row.createdAt)!, updatedAt: iso(row.updatedAt)!,
  };
}

export type { DeliveryStatus };
