import { createHash } from 'node:crypto';

/** What happens when a test card (or test bank account) is used, following Stripe's test numbers. */
export type PaymentScenario =
  | { kind: 'card'; outcome: 'success'; brand: string; availableImmediately?: boolean; disputeLater?: boolean }
  | { kind: 'card'; outcome: 'decline'; brand: string; code: string; declineCode: string; message: string }
  | { kind: 'bank_debit'; outcome: 'success' | 'failure' };

const CARDS: Readonly<Record<string, PaymentScenario>> = {
  '4242424242424242': { kind: 'card', outcome: 'success', brand: 'visa' },
  '5555555555554444': { kind: 'card', outcome: 'success', brand: 'mastercard' },
  '4000000000000077': { kind: 'card', outcome: 'success', brand: 'visa', availableImmediately: true },
  '4000000000000259': { kind: 'card', outcome: 'success', brand: 'visa', disputeLater: true },
  '4000000000000002': { kind: 'card', outcome: 'decline', brand: 'visa', code: 'card_declined', declineCode: 'generic_decline', message: 'Your card was declined.' },
  '4000000000009995': { kind: 'card', outcome: 'decline', brand: 'visa', code: 'card_declined', declineCode: 'insufficient_funds', message: 'Your card has insufficient funds.' },
  '4000000000000069': { kind: 'card', outcome: 'decline', brand: 'visa', code: 'expired_card', declineCode: 'expired_card', message: 'Your card has expired.' },
  '4000000000000127': { kind: 'card', outcome: 'decline', brand: 'visa', code: 'incorrect_cvc', declineCode: 'incorrect_cvc', message: "Your card's security code is incorrect." },
};

/** Stripe's test bank accounts for US bank debits: this one settles; 000111111113 fails later. */
export const BANK_SUCCESS_ACCOUNT = '000123456789';
export const BANK_FAILURE_ACCOUNT = '000111111113';

export const INCORRECT_NUMBER: PaymentScenario = {
  kind: 'card', outcome: 'decline', brand: 'unknown', code: 'incorrect_number', declineCode: 'incorrect_number', message: 'Your card number is incorrect.',
};

export function digitsOnly(value: string): string {
  return value.replace(/[\s-]/g, '');
}

/** Stripe only takes its test numbers in test mode; anything else is "incorrect". */
export function cardScenario(number: string): PaymentScenario {
  return CARDS[digitsOnly(number)] ?? INCORRECT_NUMBER;
}

export function bankScenario(accountNumber: string): PaymentScenario | null {
  const digits = digitsOnly(accountNumber);
  if (digits === BANK_SUCCESS_ACCOUNT) return { kind: 'bank_debit', outcome: 'success' };
  if (digits === BANK_FAILURE_ACCOUNT) return { kind: 'bank_debit', outcome: 'failure' };
  return null;
}

/** A stable, non-reversible fingerprint, as Stripe gives for the same card number. */
export function fingerprint(value: string): string {
  return createHash('sha256').update(`ataa-sandbox:${digitsOnly(value)}`).digest('base64url').slice(0, 16);
}
