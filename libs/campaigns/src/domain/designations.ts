/**
 * Designated (restricted) funds a campaign declares (issue 21, item 2; docs/designations.md): what a
 * donor may restrict a gift to ("general", "zakat", "water well in Al-Mafraq"). Plain TypeScript.
 *
 * - A campaign that declares none has the implicit `general` and behaves as before.
 * - `zakat: true` marks a use the organization declared zakat-eligible; the donation form offers
 *   zakat (with a short explanation) only where one is.
 * - Once the campaign is live, a declared designation can be relabelled but never removed, renamed
 *   or have its zakat mark changed: gifts were made to it.
 */
export interface Designation {
  /** Lower-case letters, digits and single hyphens, at most 40: what postings, leaves and payouts name. */
  code: string;
  labelEn: string;
  labelAr: string;
  zakat: boolean;
}

export const GENERAL = 'general';
export const MAX_DESIGNATIONS = 20;
export const MAX_DESIGNATION_LABEL = 80;
const CODE = /^[a-z0-9]+(-[a-z0-9]+)*$/;

export type DesignationProblem = { index: number | null; field: string; problem: string };

function label(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const text = value.normalize('NFC').trim();
  // No control characters, no markup-looking brackets: a label is shown as text on pages and e-mails.
  if (text.length < 1 || text.length > MAX_DESIGNATION_LABEL || /[\u0000-\u001f\u007f<>]/.test(text)) return null;
  return text;
}

/** Checks a declared list; answers the canonical list, or every problem found. */
export function normalizeDesignations(input: unknown): { designations: Designation[] } | { problems: DesignationProblem[] } {
  if (!Array.isArray(input)) return { problems: [{ index: null, field: 'designations', problem: 'must be a list' }] };
  if (input.length > MAX_DESIGNATIONS) return { problems: [{ index: null, field: 'designations', problem: `at most ${MAX_DESIGNATIONS}` }] };
  const problems: DesignationProblem[] = [];
  const out: Designation[] = [];
  const seen = new Set<string>();
  input.forEach((item, index) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      problems.push({ index, field: 'designations', problem: 'must be an object' });
      return;
    }
    const o = item as Record<string, unknown>;
    const code = typeof o.code === 'string' ? o.code.trim() : '';
    if (!CODE.test(code) || code.length > 40) problems.push({ index, field: 'code', problem: 'lower-case letters, digits and single hyphens, at most 40 characters' });
    else if (seen.has(code)) problems.push({ index, field: 'code', problem: 'declared twice' });
    seen.add(code);
    const labelEn = label(o.labelEn);
    const labelAr = label(o.labelAr);
    if (labelEn === null) problems.push({ index, field: 'labelEn', problem: `1 to ${MAX_DESIGNATION_LABEL} characters of text` });
    if (labelAr === null) problems.push({ index, field: 'labelAr', problem: `1 to ${MAX_DESIGNATION_LABEL} characters of text` });
    if (o.zakat !== undefined && typeof o.zakat !== 'boolean') problems.push({ index, field: 'zakat', problem: 'true or false' });
    if (labelEn !== null && labelAr !== null && CODE.test(code)) out.push({ code, labelEn, labelAr, zakat: o.zakat === true });
  });
  return problems.length > 0 ? { problems } : { designations: out };
}

/** A live campaign may add designations and relabel them; the codes (and zakat marks) gifts were made to stay. */
export function removedDesignations(before: readonly Designation[], after: readonly Designation[]): string[] {
  return before.filter((b) => !after.some((a) => a.code === b.code && a.zakat === b.zakat)).map((b) => b.code);
}

/** The designations a donor may choose from: the declared ones, or the implicit general. */
export function choosableDesignations(declared: readonly Designation[]): Designation[] {
  return declared.length > 0 ? [...declared] : [{ code: GENERAL, labelEn: 'Where most needed', labelAr: 'حيث الحاجة أكبر', zakat: false }];
}

/**
 * The designation a gift is recorded under: null (the campaign declared none: implicit general, shown
 * nowhere), or a declared code; `chosen` absent picks the first declared. Unknown: 'unknown'.
 */
export function resolveGiftDesignation(declared: readonly Designation[], chosen: string | null | undefined): string | null | 'unknown' {
  if (declared.length === 0) return chosen === undefined || chosen === null || chosen === '' || chosen === GENERAL ? null : 'unknown';
  if (chosen === undefined || chosen === null || chosen === '') return declared[0].code;
  return declared.some((d) => d.code === chosen) ? chosen : 'unknown';
}

/** Whether the campaign offers zakat: at least one declared use is zakat-eligible. */
export function offersZakat(declared: readonly Designation[]): boolean {
  return declared.some((d) => d.zakat);
}
