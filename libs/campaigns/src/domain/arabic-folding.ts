/**
 * Arabic-aware folding for search (issue 22): the one definition of the mapping. The SQL function
 * `ataa_fold(text)` (migration 1795002700000-campaign-discovery) applies the same `translate` with the
 * same two strings after `lower`; test/campaigns/discovery.medium-spec.ts checks both agree on every
 * character listed here.
 *
 * - removed: tashkeel (U+064B–U+065F: fathatan … wavy hamza below), superscript alef (U+0670), tatweel (U+0640)
 * - alef forms أ إ آ ٱ → ا; taa marbuta ة → ه; alef maqsura ى → ي
 */
export const FOLD_REMOVED = Array.from({ length: 0x065f - 0x064b + 1 }, (_, i) => String.fromCharCode(0x064b + i)).join('') + '\u0670\u0640';
export const FOLD_FROM = 'أإآٱةى';
export const FOLD_TO = 'ااااهي';

const MAP = new Map<string, string>();
for (let i = 0; i < FOLD_FROM.length; i++) MAP.set(FOLD_FROM[i], FOLD_TO[i]);
for (const c of FOLD_REMOVED) MAP.set(c, '');

/** What `ataa_fold` does in SQL: lower case, then the Arabic mapping (PostgreSQL `translate` semantics). */
export function foldText(text: string): string {
  let out = '';
  for (const c of text.toLowerCase()) out += MAP.get(c) ?? c;
  return out;
}

/** The SQL `translate` arguments: characters in `from` past the end of `to` are deleted. */
export const FOLD_SQL_FROM = FOLD_FROM + FOLD_REMOVED;
export const FOLD_SQL_TO = FOLD_TO;
