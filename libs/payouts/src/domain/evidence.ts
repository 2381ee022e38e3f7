import { createHash } from 'node:crypto';
import { DomainError, requireUserText } from '@ataa/common';

/**
 * Spending evidence and impact figures (issue 21, items 3 and 4), pure: what a file is (from its
 * first bytes, never its name or the browser's content type), and the rules of a stated outcome.
 */
export const EVIDENCE_FILE_TYPES = {
  pdf: { mediaType: 'application/pdf', extension: 'pdf' },
  jpeg: { mediaType: 'image/jpeg', extension: 'jpg' },
  png: { mediaType: 'image/png', extension: 'png' },
  webp: { mediaType: 'image/webp', extension: 'webp' },
} as const;
export type EvidenceFileType = keyof typeof EVIDENCE_FILE_TYPES;
export type EvidenceMediaType = (typeof EVIDENCE_FILE_TYPES)[EvidenceFileType]['mediaType'];

export const EVIDENCE_VISIBILITIES = ['public', 'operator'] as const;
export type EvidenceVisibility = (typeof EVIDENCE_VISIBILITIES)[number];

export const EVIDENCE_TITLE_MAX = 200;
export const OUTCOME_LABEL_MAX = 200;
/** A stored file's name: its SHA-256 and the extension of the type its bytes were found to be. */
export const EVIDENCE_KEY = /^[0-9a-f]{64}\.(pdf|jpg|png|webp)$/;

export interface AcceptedEvidenceFile {
  mediaType: EvidenceMediaType;
  sha256: string;
  key: string;
  bytes: Buffer;
}

/** The file type by magic bytes, or null: "%PDF-", PNG's signature, JPEG's SOI + a marker, RIFF....WEBP. */
export function sniffEvidenceType(bytes: Uint8Array): EvidenceFileType | null {
  const starts = (signature: number[], at = 0) => bytes.length >= at + signature.length && signature.every((b, i) => bytes[at + i] === b);
  if (starts([0x25, 0x50, 0x44, 0x46, 0x2d])) return 'pdf';
  if (starts([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (starts([0xff, 0xd8, 0xff])) return 'jpeg';
  if (starts([0x52, 0x49, 0x46, 0x46]) && starts([0x57, 0x45, 0x42, 0x50], 8)) return 'webp';
  return null;
}

/**
 * The file as evidence, or the problem that refuses it: 400 `evidence_file_missing` (no file or an
 * empty one), 413 `evidence_file_too_large` (over the limit, or cut at it by the upload), 415
 * `evidence_file_type` (not a PDF, JPEG, PNG or WebP by its bytes).
 */
export function inspectEvidenceFile(file: { bytes: Buffer; truncated: boolean } | null, maxBytes: number): AcceptedEvidenceFile {
  if (!file || file.bytes.length === 0) throw new DomainError('evidence_file_missing', 'attach a file (PDF, JPEG, PNG or WebP) in the "file" field', 400);
  if (file.truncated || file.bytes.length > maxBytes) {
    throw new DomainError('evidence_file_too_large', `the file is larger than ${maxBytes} bytes`, 413, { maxBytes });
  }
  const type = sniffEvidenceType(file.bytes);
  if (!type) throw new DomainError('evidence_file_type', 'only PDF, JPEG, PNG and WebP files are accepted (checked by their content, not their name)', 415, { accepted: Object.values(EVIDENCE_FILE_TYPES).map((t) => t.mediaType) });
  const sha256 = createHash('sha256').update(file.bytes).digest('hex');
  const { mediaType, extension } = EVIDENCE_FILE_TYPES[type];
  return { mediaType, sha256, key: `${sha256}.${extension}`, bytes: file.bytes };
}

export function evidenceMediaTypeOf(key: string): EvidenceMediaType | null {
  const match = EVIDENCE_KEY.exec(key);
  if (!match) return null;
  return Object.values(EVIDENCE_FILE_TYPES).find((t) => t.extension === match[1])!.mediaType;
}

export interface EvidenceInput {
  title: string;
  visibility: EvidenceVisibility;
}

/** The evidence's words and visibility, under the platform's text policy; 400 otherwise. */
export function checkEvidenceInput(input: { title?: unknown; visibility?: unknown }): EvidenceInput {
  if (typeof input.title !== 'string') throw new DomainError('validation_failed', 'title is required', 400, { field: 'title' });
  if (!(EVIDENCE_VISIBILITIES as readonly unknown[]).includes(input.visibility)) {
    throw new DomainError('validation_failed', 'visibility must be "public" or "operator"', 400, { field: 'visibility' });
  }
  return { title: requireUserText('title', input.title, { max: EVIDENCE_TITLE_MAX, min: 1 }), visibility: input.visibility as EvidenceVisibility };
}

export interface OutcomeInput {
  labelEn: string;
  labelAr: string;
  evidence: { payoutId: string } | { updateId: string };
}

/** A stated outcome: its words in both languages and exactly one payout or update that evidences it. */
export function checkOutcomeInput(input: { labelEn: string; labelAr: string; payoutId?: string | null; updateId?: string | null }): OutcomeInput {
  const labelEn = requireUserText('labelEn', input.labelEn, { max: OUTCOME_LABEL_MAX, min: 1 });
  const labelAr = requireUserText('labelAr', input.labelAr, { max: OUTCOME_LABEL_MAX, min: 1 });
  const payoutId = input.payoutId ?? null;
  const updateId = input.updateId ?? null;
  if ((payoutId === null) === (updateId === null)) {
    throw new DomainError('outcome_evidence_required', 'name exactly one payoutId or updateId that evidences the outcome', 400);
  }
  return { labelEn, labelAr, evidence: payoutId !== null ? { payoutId } : { updateId: updateId! } };
}
