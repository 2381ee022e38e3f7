/** One phrase per plural category of a language (Arabic has six: zero, one, two, few, many, other); `{n}` is the count. */
export type PluralForms = Partial<Record<Intl.LDMLPluralRule, string>> & { other: string };

const rules = new Map<string, Intl.PluralRules>();
const numbers = new Map<string, Intl.NumberFormat>();

/**
 * The phrase for `n` by the plural rules of `rulesLocale` (the phrases' language; `locale` by default), the count
 * written with `locale`'s digits (formatters kept per locale).
 */
export function pluralText(forms: PluralForms, n: number, locale: string, rulesLocale: string = locale): string {
  let rule = rules.get(rulesLocale);
  if (!rule) rules.set(rulesLocale, (rule = new Intl.PluralRules(rulesLocale)));
  let number = numbers.get(locale);
  if (!number) numbers.set(locale, (number = new Intl.NumberFormat(locale)));
  return (forms[rule.select(n)] ?? forms.other).replaceAll('{n}', number.format(n));
}
