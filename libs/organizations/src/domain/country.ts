/**
 * Where an organization works: an ISO 3166-1 alpha-2 code (upper case). The list is the regions the
 * runtime's ICU names, less the codes that are not countries (EU, EZ, UN, the private-use Q*, X*
 * other than Kosovo's XK, ZZ, and the exceptionally reserved AC, CP, DG, EA, IC, TA).
 */
const NOT_COUNTRIES = new Set(['EU', 'EZ', 'UN', 'ZZ', 'AC', 'CP', 'DG', 'EA', 'IC', 'TA', 'QO', 'XA', 'XB']);

export const COUNTRY_CODES: readonly string[] = (() => {
  const names = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });
  const codes: string[] = [];
  for (let a = 65; a <= 90; a++) {
    for (let b = 65; b <= 90; b++) {
      const code = String.fromCharCode(a, b);
      if (!NOT_COUNTRIES.has(code) && names.of(code)) codes.push(code);
    }
  }
  return codes;
})();

const KNOWN = new Set(COUNTRY_CODES);

export function isCountryCode(value: unknown): value is string {
  return typeof value === 'string' && KNOWN.has(value);
}

/** The country's name in `locale` (the code itself when the runtime has none). */
const displayNames = new Map<string, Intl.DisplayNames>();

export function countryName(code: string, locale: string): string {
  let names = displayNames.get(locale);
  if (!names) displayNames.set(locale, (names = new Intl.DisplayNames([locale], { type: 'region', fallback: 'code' })));
  return names.of(code) ?? code;
}
