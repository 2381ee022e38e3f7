import { choosableDesignations, normalizeDesignations, offersZakat, removedDesignations, resolveGiftDesignation } from './designations.js';

describe('campaign designations', () => {
  const zakat = { code: 'zakat', labelEn: 'Zakat', labelAr: 'الزكاة', zakat: true };
  const well = { code: 'water-well-mafraq', labelEn: 'Water well in Al-Mafraq', labelAr: 'بئر ماء في المفرق', zakat: false };

  it('accepts a list and makes it canonical (trimmed labels, zakat false unless true)', () => {
    expect(normalizeDesignations([{ code: 'general', labelEn: ' General ', labelAr: 'عام' }, zakat])).toEqual({
      designations: [{ code: 'general', labelEn: 'General', labelAr: 'عام', zakat: false }, zakat],
    });
  });

  it('names every problem: bad or repeated code, empty labels, markup, a non-boolean zakat', () => {
    const result = normalizeDesignations([{ code: 'Zakat!', labelEn: '', labelAr: 'x' }, zakat, { ...zakat, labelAr: '<b>', zakat: 'yes' }]);
    expect(result).toEqual({ problems: [
      { index: 0, field: 'code', problem: expect.any(String) },
      { index: 0, field: 'labelEn', problem: expect.any(String) },
      { index: 2, field: 'code', problem: 'declared twice' },
      { index: 2, field: 'labelAr', problem: expect.any(String) },
      { index: 2, field: 'zakat', problem: 'true or false' },
    ] });
    expect(normalizeDesignations('zakat')).toEqual({ problems: [{ index: null, field: 'designations', problem: 'must be a list' }] });
    expect(normalizeDesignations(Array.from({ length: 21 }, (_, i) => ({ ...well, code: `w${i}` })))).toHaveProperty('problems');
  });

  it('a live campaign keeps every code gifts were made to, with its zakat mark', () => {
    expect(removedDesignations([zakat, well], [{ ...zakat, labelEn: 'Zakat al-mal' }, well, { ...well, code: 'school' }])).toEqual([]);
    expect(removedDesignations([zakat, well], [well])).toEqual(['zakat']);
    expect(removedDesignations([zakat], [{ ...zakat, zakat: false }])).toEqual(['zakat']);
  });

  it('resolves a gift: implicit general (null) where none is declared, the first declared by default, unknown codes refused', () => {
    expect(resolveGiftDesignation([], undefined)).toBeNull();
    expect(resolveGiftDesignation([], 'general')).toBeNull();
    expect(resolveGiftDesignation([], 'zakat')).toBe('unknown');
    expect(resolveGiftDesignation([well, zakat], undefined)).toBe('water-well-mafraq');
    expect(resolveGiftDesignation([well, zakat], 'zakat')).toBe('zakat');
    expect(resolveGiftDesignation([well, zakat], 'general')).toBe('unknown');
  });

  it('offers zakat only where a declared use is zakat-eligible', () => {
    expect(offersZakat([well])).toBe(false);
    expect(offersZakat([well, zakat])).toBe(true);
    expect(choosableDesignations([]).map((d) => d.code)).toEqual(['general']);
  });
});
