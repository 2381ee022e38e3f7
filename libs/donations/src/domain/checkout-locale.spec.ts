import { CHECKOUT_LOCALES, checkoutLocale } from './checkout-locale.js';

describe('checkoutLocale: page language -> a locale Stripe Checkout has', () => {
  it('opens Checkout for an Arabic page with auto (Checkout has no Arabic): Stripe follows the donor\'s browser', () => {
    expect(checkoutLocale('ar')).toBe('auto');
  });

  it('keeps English, and any language Checkout has, as it is', () => {
    expect(checkoutLocale('en')).toBe('en');
    expect(checkoutLocale('fr')).toBe('fr');
    expect(checkoutLocale('pt-BR')).toBe('pt-BR');
  });

  it('answers auto for anything Checkout lacks, a wrong case, or nothing', () => {
    for (const language of ['he', 'fa', 'ur', 'AR', 'EN', 'en-us', '', 'xx-YY']) expect(checkoutLocale(language)).toBe('auto');
    expect(checkoutLocale(undefined)).toBe('auto');
    expect(checkoutLocale(null)).toBe('auto');
  });

  it('never answers a locale outside Stripe\'s list', () => {
    expect(CHECKOUT_LOCALES).not.toContain('ar');
    for (const language of ['ar', 'en', 'de', 'zh-TW', 'x']) expect(CHECKOUT_LOCALES).toContain(checkoutLocale(language));
  });
});
