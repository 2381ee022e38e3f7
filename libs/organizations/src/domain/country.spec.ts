import { COUNTRY_CODES, countryName, isCountryCode } from './country.js';

describe('organization country (ISO 3166-1 alpha-2)', () => {
  it('knows the countries, not the regions and private codes ICU also names', () => {
    expect(COUNTRY_CODES.length).toBeGreaterThan(240);
    for (const code of ['JO', 'KW', 'SA', 'EG', 'PS', 'US', 'XK']) expect(isCountryCode(code)).toBe(true);
    for (const code of ['EU', 'UN', 'ZZ', 'QO', 'jo', 'JOR', 'J0', '', null, 12]) expect(isCountryCode(code)).toBe(false);
  });

  it('names a country in the page language', () => {
    expect(countryName('JO', 'en')).toBe('Jordan');
    expect(countryName('JO', 'ar')).toBe('الأردن');
  });
});
