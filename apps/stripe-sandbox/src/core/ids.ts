import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A random base62 string (rejection sampling keeps the distribution uniform). */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out += ALPHABET[byte % 62];
    }
  }
  return out;
}

/** Stripe's id prefixes for the objects the sandbox keeps. */
export const ID_PREFIX = {
  checkoutSession: 'cs_test_',
  paymentIntent: 'pi_',
  charge: 'ch_',
  customer: 'cus_',
  paymentMethod: 'pm_',
  balanceTransaction: 'txn_',
  refund: 're_',
  dispute: 'dp_',
  transfer: 'tr_',
  transferReversal: 'trr_',
  destinationPayment: 'py_',
  account: 'acct_',
  event: 'evt_',
  request: 'req_',
  webhookEndpoint: 'we_',
  lineItem: 'li_',
  product: 'prod_',
  price: 'price_',
  setupIntent: 'seti_',
  subscription: 'sub_',
  subscriptionItem: 'si_',
  invoice: 'in_',
  invoiceLineItem: 'il_',
  invoicePayment: 'inpay_',
  billingPortalSession: 'bps_',
  billingPortalConfiguration: 'bpc_',
  testClock: 'clock_',
} as const;

export function newId(prefix: string): string {
  if (prefix === ID_PREFIX.checkoutSession) return `${prefix}a1${randomBase62(56)}`;
  if (prefix === ID_PREFIX.account) return `${prefix}1${randomBase62(15)}`;
  if (prefix === ID_PREFIX.request) return `${prefix}${randomBase62(14)}`;
  return `${prefix}3${randomBase62(23)}`;
}
