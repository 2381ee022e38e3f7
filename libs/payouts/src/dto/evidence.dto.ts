import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsUUID } from 'class-validator';
import { UserText } from '@ataa/common';
import { EVIDENCE_TITLE_MAX, EVIDENCE_VISIBILITIES, OUTCOME_LABEL_MAX } from '../domain/evidence.js';
import type { CampaignOutcome, PayoutEvidence } from '../persistence/evidence.repository.js';

/** The multipart form of an evidence upload (documented for the OpenAPI document; read by the controller). */
export class AttachEvidenceFormDto {
  @ApiProperty({ type: 'string', format: 'binary', description: 'PDF, JPEG, PNG or WebP (checked by its content), at most EVIDENCE_FILE_MAX_BYTES (10 MB by default). Personal data in the file is the organization\'s responsibility.' })
  file: unknown;

  @ApiProperty({ example: 'Invoice 2026-031, blankets', maxLength: EVIDENCE_TITLE_MAX, description: 'Shown with a public file' })
  title: string;

  @ApiProperty({ enum: EVIDENCE_VISIBILITIES, description: 'public: served to anyone and its SHA-256 appended to the public log (the payout must be paid); operator: kept for the organization and the platform\'s operators' })
  visibility: string;
}

export class EvidenceDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) payoutId: string;
  @ApiProperty({ format: 'uuid' }) campaignId: string;
  @ApiProperty() title: string;
  @ApiProperty({ enum: EVIDENCE_VISIBILITIES }) visibility: string;
  @ApiProperty({ enum: ['application/pdf', 'image/jpeg', 'image/png', 'image/webp'] }) mediaType: string;
  @ApiProperty() bytes: number;
  @ApiProperty({ description: 'hex SHA-256 of the file' }) sha256: string;
  @ApiProperty({ nullable: true, type: Number, description: 'public: the index of its `evidence` entry in the campaign\'s public log' }) publicIndex: number | null;
  @ApiProperty({ nullable: true, type: String, description: 'public: where anyone can fetch it' }) publicUrl: string | null;
  @ApiProperty() createdBy: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

export class EvidenceListDto {
  @ApiProperty({ type: [EvidenceDto] }) items: EvidenceDto[];
}

export class StateOutcomeDto {
  @ApiProperty({ example: '1,200 meals served', maxLength: OUTCOME_LABEL_MAX })
  @UserText({ min: 1, max: OUTCOME_LABEL_MAX })
  labelEn: string;

  @ApiProperty({ example: '١٬٢٠٠ وجبة', maxLength: OUTCOME_LABEL_MAX })
  @UserText({ min: 1, max: OUTCOME_LABEL_MAX })
  labelAr: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'A paid payout of the campaign that evidences it (exactly one of payoutId, updateId)' })
  @IsOptional() @IsUUID()
  payoutId?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'A published update of the campaign that evidences it' })
  @IsOptional() @IsUUID()
  updateId?: string;
}

export class OutcomeDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) campaignId: string;
  @ApiProperty() labelEn: string;
  @ApiProperty() labelAr: string;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) payoutId: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) updateId: string | null;
  @ApiProperty() createdBy: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

export class OutcomeListDto {
  @ApiProperty({ type: [OutcomeDto] }) items: OutcomeDto[];
}

export function toEvidenceDto(e: PayoutEvidence, publicUrl: string | null): EvidenceDto {
  return {
    id: e.id, payoutId: e.payoutId, campaignId: e.campaignId, title: e.title, visibility: e.visibility, mediaType: e.mediaType, bytes: e.bytes, sha256: e.sha256,
    publicIndex: e.publicIndex, publicUrl, createdBy: e.createdBy, createdAt: e.createdAt.toISOString(),
  };
}

export function toOutcomeDto(o: CampaignOutcome): OutcomeDto {
  return { id: o.id, campaignId: o.campaignId, labelEn: o.labelEn, labelAr: o.labelAr, payoutId: o.payoutId, updateId: o.updateId, createdBy: o.createdBy, createdAt: o.createdAt.toISOString() };
}
