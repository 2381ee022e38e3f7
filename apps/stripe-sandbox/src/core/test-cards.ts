import { createHash } from 'node:crypto';

/** What happens when a test card (or test bank account) is used, following Stripe's test numbers. */
export type PaymentScenario =
  | { kind: 'card'; outcome: 'success'; brand: string; availableImmediately?: boolean; disputeLater?: boolean; authentication?: 'always' }
  /** `attachable`: saving the card (SetupIntent, attach) succeeds; only charging it fails. */
  | { kind: 'card'; outcome: 'decline'; brand: string; code: string; declineCode: string; message: string; attachable?: boolean }
  | { kind: 'bank_debit'; outcome: 'success' | 'failure' };

const CARDS: Readonly<Record<string, PaymentScenario>> = {
  '4242424242424242': { kind: 'card', outcome: 'success', brand: 'visa' },
  '5555555555554444': { kind: 'card', outcome: 'success', brand: 'mastercard' },
  '4000000000000077': { kind: 'card', outcome: 'success', brand: 'visa', availableImmediately: true },
  '4000000000000259': { kind: 'card', outcome: 'success', brand: 'visa', disputeLater: true },
  // 3-D Secure on every payment, however the card was set up: on a page the person authenticates
  // (the sandbox's page takes that as done); off-session the payment fails with authentication_required.
  '4000002760003184': { kind: 'card', outcome: 'success', brand: 'visa', authentication: 'always' },
  '4000000000000002': { kind: 'card', outcome: 'decline', brand: 'visa', code: 'card_declined', declineCode: 'generic_decline', message: 'Your card was declined.' },
  '4000000000000341': { kind: 'card', outcome: 'decline', brand: 'visa', code: 'card_declined', declineCode: 'generic_decline', message: 'Your card was declined.', attachable: true },
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

/**
 * Stripe's test PaymentMethods (`pm_card_visa`, ...), usable in test mode wherever a PaymentMethod
 * id is taken: attaching one to a Customer makes a new PaymentMethod of that card.
 */
export const TEST_PAYMENT_METHODS: Readonly<Record<string, string>> = {
  pm_card_visa: '4242424242424242',
  pm_card_mastercard: '5555555555554444',
  pm_card_bypassPending: '4000000000000077',
  pm_card_chargeDeclined: '4000000000000002',
  pm_card_chargeDeclinedInsufficientFunds: '4000000000009995',
  pm_card_chargeDeclinedExpiredCard: '4000000000000069',
  pm_card_authenticationRequired: '4000002760003184',
  pm_card_chargeCustomerFail: '4000000000000341',
};
