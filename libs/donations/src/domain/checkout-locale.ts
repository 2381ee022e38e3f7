import type Stripe from 'stripe';

type StripeLocale = Stripe.Checkout.SessionCreateParams.Locale;
/** The locales named in the `stripe` package's type (without its catch-all `OtherString`). */
type NamedLocale<T> = T extends string ? (string extends T ? never : T) : never;
export type CheckoutLocale = NamedLocale<StripeLocale>;

/**
 * The languages Stripe Checkout is translated into (`Checkout.SessionCreateParams.Locale`). The two
 * type checks below fail to compile when a `stripe` upgrade adds or drops one, so this list follows it.
 */
export const CHECKOUT_LOCALES = [
  'auto', 'bg', 'cs', 'da', 'de', 'el', 'en', 'en-GB', 'es', 'es-419', 'et', 'fi', 'fil', 'fr', 'fr-CA', 'hi-IN', 'hr', 'hu', 'id', 'it',
  'ja', 'ko', 'lt', 'lv', 'ms', 'mt', 'nb', 'nl', 'pl', 'pt', 'pt-BR', 'ro', 'ru', 'sk', 'sl', 'sv', 'th', 'tr', 'vi', 'zh', 'zh-HK', 'zh-TW',
] as const satisfies readonly CheckoutLocale[];
type Unlisted = Exclude<CheckoutLocale, (typeof CHECKOUT_LOCALES)[number]>;
const everyLocaleListed: [Unlisted] extends [never] ? true : Unlisted = true;
void everyLocaleListed;

const SUPPORTED: ReadonlySet<string> = new Set(CHECKOUT_LOCALES);

/**
 * The Checkout locale for a page language. Checkout has no Arabic, so an Arabic page (and any
 * language Checkout lacks) opens Checkout with `auto`: Stripe follows the donor's browser. The page,
 * the e-mails and the receipt stay in the page's language.
 */
export function checkoutLocale(pageLanguage: string | null | undefined): CheckoutLocale {
  return pageLanguage && SUPPORTED.has(pageLanguage) ? (pageLanguage as CheckoutLocale) : 'auto';
}
