import { pluralText } from './plural.js';

describe('pluralText', () => {
  const gifts = { zero: 'لا تبرعات', one: 'تبرع واحد', two: 'تبرعان', few: '{n} تبرعات', many: '{n} تبرعًا', other: '{n} تبرع' };

  it("picks the phrase by the locale's plural category (Arabic's six) and writes the count in its digits", () => {
    expect([0, 1, 2, 3, 11, 100].map((n) => pluralText(gifts, n, 'ar-u-nu-arab'))).toEqual(['لا تبرعات', 'تبرع واحد', 'تبرعان', '٣ تبرعات', '١١ تبرعًا', '١٠٠ تبرع']);
    expect(pluralText(gifts, 3, 'ar-u-nu-latn')).toBe('3 تبرعات');
    // Arabic phrases, Latin digits of another locale: the rules are the phrases' language's
    expect(pluralText(gifts, 3, 'en-US', 'ar')).toBe('3 تبرعات');
    expect([1, 1500].map((n) => pluralText({ one: '{n} gift', other: '{n} gifts' }, n, 'en'))).toEqual(['1 gift', '1,500 gifts']);
  });

  it('falls back to the other form when the language has no phrase for a category', () => {
    expect(pluralText({ other: '{n} items' }, 1, 'en')).toBe('1 items');
  });
});
