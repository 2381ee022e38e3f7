import { DomainError } from '../errors/domain-error.js';

/**
 * One policy for every free-text field a donor or staff member types (names, messages, titles,
 * stories, purposes, reasons), applied at the edge (forms and JSON DTOs) and again where text becomes
 * public, so input that passes validation can always be stored (PostgreSQL refuses NUL, jsonb refuses
 * lone surrogates), posted and published.
 *
 * - Normalized to NFC; multi-line text has its line breaks (CR LF, CR, U+2028, U+2029) made LF.
 * - Refused: C0 and C1 control characters and DEL (NUL included), except LF and TAB in multi-line
 *   text; lone surrogates; noncharacters U+FFFE and U+FFFF.
 * - Length is counted in Unicode code points after normalization and trimming, the unit JSON Schema's
 *   maxLength (and so the OpenAPI document) uses. An emoji such as U+1F600 is one; a flag is two.
 */

/** The limits, in code points, shared by the DTOs, the forms and the public ledger. */
export const TEXT_LIMITS = Object.freeze({
  donorName: 120,
  publicMessage: 500,
  personName: 200,
  organizationName: 200,
  apiKeyName: 100,
  campaignTitle: 200,
  campaignSummary: 500,
  campaignStory: 50_000,
  payoutPurpose: 500,
  privateNote: 2_000,
  reason: 1_000,
  searchQuery: 100,
});

export interface TextRule {
  /** Maximum length in code points (after normalization and trimming). */
  max: number;
  /** Minimum length in code points; 1 refuses blank text. Default 0. */
  min?: number;
  /** Newlines and tabs allowed. */
  multiline?: boolean;
}

export type TextProblem = 'not_text' | 'control_characters' | 'lone_surrogate' | 'too_short' | 'too_long';

// C0 and C1 controls, DEL and the two noncharacters; LF and TAB are tested separately.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\ufffe\uffff]/;
const LINE_CONTROL = /[\n\t\u2028\u2029]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** NFC, line breaks made LF in multi-line text (single-line text keeps them, to be refused), trimmed. */
export function normalizeUserText(value: string, multiline = false): string {
  // A lone surrogate would make normalize() produce U+FFFD silently; keep it so it is refused.
  const normalized = LONE_SURROGATE.test(value) ? value : value.normalize('NFC');
  const lines = multiline ? normalized.replace(/\r\n?|[\u2028\u2029]/g, '\n') : normalized;
  return lines.trim();
}

/** Number of Unicode code points (a surrogate pair counts once). */
export function codePointLength(value: string): number {
  let n = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < value.length) {
      const d = value.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

/** The first `max` code points, never splitting a surrogate pair. */
export function truncateCodePoints(value: string, max: number): string {
  if (value.length <= max) return value;
  let count = 0;
  let i = 0;
  while (i < value.length && count < max) {
    const c = value.charCodeAt(i);
    i += c >= 0xd800 && c <= 0xdbff && i + 1 < value.length && (value.charCodeAt(i + 1) & 0xfc00) === 0xdc00 ? 2 : 1;
    count++;
  }
  return value.slice(0, i);
}

/** The first problem of an already normalized value under the rule, or null when it is acceptable. */
export function textProblem(value: unknown, rule: TextRule): TextProblem | null {
  if (typeof value !== 'string') return 'not_text';
  if (LONE_SURROGATE.test(value)) return 'lone_surrogate';
  if (CONTROL.test(value) || (!rule.multiline && LINE_CONTROL.test(value))) return 'control_characters';
  const length = codePointLength(value);
  if (length < (rule.min ?? 0) || (rule.min && !/\S/u.test(value))) return 'too_short';
  if (length > rule.max) return 'too_long';
  return null;
}

/** A field error message for a problem (the field's name first, as class-validator's are). */
export function textProblemMessage(field: string, problem: TextProblem, rule: TextRule): string {
  switch (problem) {
    case 'not_text': return `${field} must be a string`;
    case 'lone_surrogate': return `${field} is not valid Unicode text (a lone surrogate)`;
    case 'control_characters': return `${field} must not contain control characters${rule.multiline ? ' other than newlines and tabs' : ''}`;
    case 'too_short': return rule.min && rule.min > 1 ? `${field} must be at least ${rule.min} characters` : `${field} must not be blank`;
    case 'too_long': return `${field} must be at most ${rule.max} characters`;
  }
}

/**
 * For text already stored (validated or not, by older code): the same normalization, with what the
 * policy refuses removed and the length cut to the limit instead of an error. Used where refusing is
 * not an option, such as posting a gift that has been paid. Empty text becomes null.
 */
export function sanitizeStoredText(value: string | null | undefined, max: number, multiline = false): string | null {
  if (value === null || value === undefined) return null;
  const lone = new RegExp(LONE_SURROGATE.source, 'g');
  const control = new RegExp(CONTROL.source, 'g');
  let text = normalizeUserText(value.replace(lone, '\ufffd'), multiline).replace(control, '');
  if (!multiline) text = text.replace(/[\n\t\r\u2028\u2029]+/g, ' ');
  text = truncateCodePoints(text.trim(), max).trim();
  return text.length === 0 ? null : text;
}

/**
 * The domain's own check of a free-text value (the edge has checked it already; a caller that skipped
 * the edge is refused the same way): returns the normalized text, or throws 400 `invalid_text`.
 */
export function requireUserText(field: string, value: string, rule: TextRule): string {
  const normalized = normalizeUserText(value, rule.multiline);
  const problem = textProblem(normalized, rule);
  if (problem) throw new DomainError('invalid_text', textProblemMessage(field, problem, rule), 400, { field, problem });
  return normalized;
}

/** requireUserText for an optional field: null, undefined and blank text become null. */
export function optionalUserText(field: string, value: string | null | undefined, rule: TextRule): string | null {
  if (value === null || value === undefined) return null;
  const text = requireUserText(field, value, { ...rule, min: 0 });
  return text.length === 0 ? null : text;
}
