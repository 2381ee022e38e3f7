import { negotiateLanguage, preferredFromAcceptLanguage, publicChrome, withLang } from './public-language.js';

describe('preferredFromAcceptLanguage', () => {
  it.each([
    ['ar', 'ar'],
    ['ar-EG,ar;q=0.9,en;q=0.8', 'ar'],
    ['en-US,en;q=0.9', 'en'],
    ['EN-gb', 'en'],
    ['fr-FR,fr;q=0.9,ar;q=0.8,en;q=0.7', 'ar'],
    ['en;q=0.5, ar;q=0.8', 'ar'],
    ['en;q=0.8, ar;q=0.8', 'en'],
    ['ar;q=0.8, en;q=0.8', 'ar'],
    ['en;q=0.1, ar-SA;q=0.2, ar;q=0.05', 'ar'],
    ['ar;q=0, en;q=0.3', 'en'],
    ['*', 'ar'],
    ['*;q=0.5, en;q=0.4', 'ar'],
    ['en;q=0, *', 'ar'],
    ['de, *;q=0.1', 'ar'],
  ])('%s → %s (fallback ar)', (header, expected) => {
    expect(preferredFromAcceptLanguage(header, 'ar')).toBe(expected);
  });

  it.each([
    [undefined], [''], ['fr-FR,de;q=0.9'], ['ar;q=0'], ['ar;q=0, en;q=0'], ['ar;q=2'], ['ar;q=abc'], ['en;q=-1'], ['ع'], ['\u0000ar'], [';;;,,,'],
  ])('%j: none of ours → null', (header) => {
    expect(preferredFromAcceptLanguage(header, 'en')).toBeNull();
  });

  it('reads a bounded prefix of a huge header', () => {
    expect(preferredFromAcceptLanguage(`${'xx;q=0.5,'.repeat(10000)}ar`, 'en')).toBeNull();
    expect(preferredFromAcceptLanguage(`ar,${'xx;q=0.5,'.repeat(10000)}`, 'en')).toBe('ar');
  });
});

describe('negotiateLanguage', () => {
  it('an explicit ?lang= first: a shared or hreflang link shows the language it names', () => {
    expect(negotiateLanguage({ query: 'ar', cookie: 'en', acceptLanguage: 'en', fallback: 'en' })).toEqual({ language: 'ar', source: 'query' });
  });

  it('then the remembered choice (cookie), over the browser', () => {
    expect(negotiateLanguage({ cookie: 'en', acceptLanguage: 'ar', fallback: 'ar' })).toEqual({ language: 'en', source: 'cookie' });
  });

  it('then Accept-Language, with q-values, over the campaign language', () => {
    expect(negotiateLanguage({ acceptLanguage: 'fr;q=1, en;q=0.4, ar;q=0.6', fallback: 'en' })).toEqual({ language: 'ar', source: 'accept-language' });
  });

  it('then the default (the campaign language)', () => {
    expect(negotiateLanguage({ acceptLanguage: 'fr, de', fallback: 'ar' })).toEqual({ language: 'ar', source: 'default' });
    expect(negotiateLanguage({ fallback: 'en' })).toEqual({ language: 'en', source: 'default' });
  });

  it('ignores values that are not one of our languages (a forged query or cookie)', () => {
    expect(negotiateLanguage({ query: 'fr', cookie: '<script>', acceptLanguage: 'ar', fallback: 'en' })).toEqual({ language: 'ar', source: 'accept-language' });
    expect(negotiateLanguage({ query: ['ar'], cookie: 'AR', fallback: 'en' })).toEqual({ language: 'en', source: 'default' });
  });
});

describe('publicChrome', () => {
  it('canonical is the page in the language shown; alternates for en, ar and x-default; the switch names the other', () => {
    const chrome = publicChrome('https://ataa.example/', 'ar', '/c/water');
    expect(chrome.canonical).toBe('https://ataa.example/c/water?lang=ar');
    expect(chrome.alternates).toEqual([
      { hreflang: 'en', href: 'https://ataa.example/c/water?lang=en' },
      { hreflang: 'ar', href: 'https://ataa.example/c/water?lang=ar' },
      { hreflang: 'x-default', href: 'https://ataa.example/c/water' },
    ]);
    expect(chrome.languageSwitch).toEqual({ label: 'اللغة', href: '/c/water?lang=en', code: 'en', name: 'English' });
  });

  it('keeps the parameters that name the page, never a lang given among them', () => {
    const chrome = publicChrome('http://x', 'en', '/c/water/ledger', { cursor: 'abc', lang: 'ar', kind: undefined });
    expect(chrome.canonical).toBe('http://x/c/water/ledger?cursor=abc&lang=en');
    expect(chrome.languageSwitch.href).toBe('/c/water/ledger?cursor=abc&lang=ar');
  });

  it('withLang replaces a lang already there', () => {
    expect(withLang('/c/a?lang=en&x=1', 'ar')).toBe('/c/a?lang=ar&x=1');
  });
});
