import { mirror, paragraphDirection, visualRuns } from './bidi.js';

describe('bidi runs for the PDF', () => {
  it('places runs of a right-to-left line from the right, keeping digits left to right', () => {
    expect(visualRuns('تبرع 100 دولار', 'rtl')).toEqual([
      { text: ' دولار', direction: 'rtl' },
      { text: '100', direction: 'ltr' },
      { text: 'تبرع ', direction: 'rtl' },
    ]);
  });

  it('keeps Latin text left to right in an Arabic line and Arabic words in a Latin line', () => {
    expect(visualRuns('أرسلته عن Helping Hands.', 'rtl').map((r) => r.text)).toEqual(['.', 'Helping Hands', 'أرسلته عن ']);
    expect(visualRuns('Mixed ليلى text', 'ltr')).toEqual([
      { text: 'Mixed ', direction: 'ltr' },
      { text: 'ليلى', direction: 'rtl' },
      { text: ' text', direction: 'ltr' },
    ]);
  });

  it('takes the paragraph direction from the first strong letter, and mirrors brackets', () => {
    expect(paragraphDirection('1,234.50 US$', 'rtl')).toBe('ltr');
    expect(paragraphDirection('ليلى (Layla)', 'ltr')).toBe('rtl');
    expect(paragraphDirection('2026', 'rtl')).toBe('rtl');
    expect(mirror('(a) <b>')).toBe(')a( >b<');
  });
});
