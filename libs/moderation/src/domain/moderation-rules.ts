import { DomainError, normalizeUserText, optionalUserText, requireUserText, TEXT_LIMITS } from '@ataa/common';

/**
 * Moderation's rules. Pure: no decorators, no I/O.
 *
 * Reasons are codes from fixed lists (the pages and the API translate them); free text beside them
 * follows the platform's text policy with the `reason` limit. A reporter's address is used only by
 * the rate limit and never stored.
 */
export const REPORT_REASONS = ['spam', 'abuse', 'personal_data', 'fraud', 'other'] as const;
export type ReportReason = (typeof REPORT_REASONS)[number];

/** Why a message was hidden: shown in its place on the donor wall and in the public log. */
export const HIDE_REASONS = ['abuse', 'personal_data', 'spam', 'off_topic', 'other'] as const;
export type HideReason = (typeof HIDE_REASONS)[number];

/**
 * A hide reason in words, in the campaign's language: shown in place of the message on the donor
 * wall and published as the redaction's note in the public log (never personal data).
 */
export const HIDE_REASON_LABELS: Readonly<Record<'en' | 'ar', Readonly<Record<HideReason, string>>>> = {
  en: { abuse: 'abusive content', personal_data: 'personal data', spam: 'spam', off_topic: 'off topic', other: 'removed by moderation' },
  ar: { abuse: 'محتوى مسيء', personal_data: 'بيانات شخصية', spam: 'رسائل مزعجة', off_topic: 'خارج الموضوع', other: 'أزالها الإشراف' },
};

export const REPORT_TARGETS = ['message', 'campaign'] as const;
export type ReportTarget = (typeof REPORT_TARGETS)[number];

export const REPORT_STATUSES = ['open', 'dismissed', 'actioned'] as const;
export type ReportStatus = (typeof REPORT_STATUSES)[number];

export function isReportReason(value: unknown): value is ReportReason {
  return typeof value === 'string' && (REPORT_REASONS as readonly string[]).includes(value);
}

export function isHideReason(value: unknown): value is HideReason {
  return typeof value === 'string' && (HIDE_REASONS as readonly string[]).includes(value);
}

/** A visitor's report, checked: 400 `invalid_reason` for a reason not on the list; the text by the text policy. */
export interface ReportInput {
  target: ReportTarget;
  entryIndex: number | null;
  reason: ReportReason;
  details: string | null;
}

export function checkReport(input: { target: unknown; entryIndex: unknown; reason: unknown; details: unknown }): ReportInput {
  if (input.target !== 'message' && input.target !== 'campaign') {
    throw new DomainError('invalid_report_target', 'A report is about a message or the campaign', 400, { field: 'target' });
  }
  if (!isReportReason(input.reason)) {
    throw new DomainError('invalid_reason', `reason must be one of ${REPORT_REASONS.join(', ')}`, 400, { field: 'reason' });
  }
  let entryIndex: number | null = null;
  if (input.target === 'message') {
    const raw = typeof input.entryIndex === 'string' && /^\d{1,15}$/.test(input.entryIndex) ? Number(input.entryIndex) : input.entryIndex;
    if (typeof raw !== 'number' || !Number.isSafeInteger(raw) || raw < 0) {
      throw new DomainError('invalid_entry_index', 'The message is named by its public log index (an integer from 0)', 400, { field: 'entry' });
    }
    entryIndex = raw;
  }
  if (input.details !== undefined && input.details !== null && typeof input.details !== 'string') {
    throw new DomainError('validation_failed', 'details must be text', 400, { field: 'details' });
  }
  const details = optionalUserText('details', (input.details as string | null | undefined) || null, { max: TEXT_LIMITS.reason, multiline: true });
  return { target: input.target, entryIndex, reason: input.reason, details: details || null };
}

/** The reason for hiding a message: 400 `invalid_reason` when not on the list. */
export function checkHideReason(reason: unknown): HideReason {
  if (!isHideReason(reason)) throw new DomainError('invalid_reason', `reason must be one of ${HIDE_REASONS.join(', ')}`, 400, { field: 'reason' });
  return reason;
}

/** The note beside a hide (kept private, in the audit log and the moderation record). */
export function checkNote(note: unknown): string | null {
  if (note !== undefined && note !== null && typeof note !== 'string') throw new DomainError('validation_failed', 'note must be text', 400, { field: 'note' });
  return optionalUserText('note', (note as string | null | undefined) || null, { max: TEXT_LIMITS.reason, multiline: true }) || null;
}

/** The public reason of a suspension: required, shown on the campaign page. */
export function checkSuspensionReason(reason: unknown): string {
  if (typeof reason !== 'string') throw new DomainError('validation_failed', 'reason is required', 400, { field: 'reason' });
  return requireUserText('reason', reason, { max: TEXT_LIMITS.reason, min: 1, multiline: true });
}

/**
 * The automatic filter: which messages are held for review before they show. A link is a URL with
 * a scheme, a `www.` host, or a bare domain with a common top-level domain (`example.com/x`); words
 * match whole words, case-insensitively, after Unicode normalization (NFKC folds full-width and
 * styled letters, so `ｓｐａｍ` or `𝐬𝐩𝐚𝐦` match `spam`).
 */
export interface HoldRules {
  holdLinks: boolean;
  words: readonly string[];
}

export type HoldCause = 'link' | 'word';

const LINK = /(?:\b[a-z][a-z0-9+.-]*:\/\/\S|\bwww\.\S|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|net|org|info|biz|io|co|me|ly|xyz|app|dev|site|online|top|ru|cn|tk|gg|link|click|shop)\b(?:\/|\s|$|[),.!?]))/iu;

function fold(text: string): string {
  return normalizeUserText(text, true).normalize('NFKC').toLocaleLowerCase('und');
}

export function holdCause(message: string | null | undefined, rules: HoldRules): HoldCause | null {
  if (!message) return null;
  const text = fold(message);
  if (rules.holdLinks && LINK.test(text)) return 'link';
  for (const word of rules.words) {
    const w = fold(word).trim();
    if (!w) continue;
    const escaped = w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    if (new RegExp(`(?<![\\p{L}\\p{N}])${escaped}(?![\\p{L}\\p{N}])`, 'u').test(text)) return 'word';
  }
  return null;
}
