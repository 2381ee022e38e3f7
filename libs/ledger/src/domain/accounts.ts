/**
 * Ledger accounts. Amounts are signed minor units: a debit is positive, a credit negative, and every
 * entry sums to zero per currency. Balances are reported on the account's normal side, so a
 * campaign's funds (a liability: money the platform holds for the organization) read +100.00 after
 * a 100.00 gift although the posting itself is a credit of -10000.
 */
export type AccountType = 'asset' | 'liability' | 'revenue' | 'expense' | 'equity';

export const PLATFORM_ACCOUNTS = {
  /** What Stripe holds for the platform (pending + available): an asset. */
  stripeBalance: 'platform:stripe_balance',
  /** Platform fees earned on donations. */
  feeRevenue: 'platform:fee_revenue',
  /** Stripe processing fees: charged to the platform, recovered from the campaign in the same entry. */
  processingFees: 'platform:processing_fees',
  /** Dispute fees and unrecoverable dispute amounts borne by the platform. */
  disputeLosses: 'platform:dispute_losses',
  /** Money transferred out to organizations' connected accounts. */
  paidOut: 'platform:paid_out',
  /** Transfers created but not yet confirmed (for the payouts flow). */
  transfersInTransit: 'platform:transfers_in_transit',
  /**
   * Currency conversion (a "trading" account, one per currency like every platform account): each
   * conversion Stripe makes between a charge's currency and the platform's settlement currency is a
   * pair of legs through it, one per currency, so every currency balances on its own. Its balances
   * are the platform's open currency position; their difference at market rates is the platform's
   * FX gain or loss, including the sub-minor-unit rounding of fees converted back (see fx-entries.ts).
   */
  fxConversion: 'platform:fx_conversion',
} as const;

const PLATFORM_TYPES: Readonly<Record<string, AccountType>> = {
  [PLATFORM_ACCOUNTS.stripeBalance]: 'asset',
  [PLATFORM_ACCOUNTS.feeRevenue]: 'revenue',
  [PLATFORM_ACCOUNTS.processingFees]: 'expense',
  [PLATFORM_ACCOUNTS.disputeLosses]: 'expense',
  [PLATFORM_ACCOUNTS.paidOut]: 'asset',
  [PLATFORM_ACCOUNTS.transfersInTransit]: 'asset',
  [PLATFORM_ACCOUNTS.fxConversion]: 'equity',
};

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const CAMPAIGN_ACCOUNT = new RegExp(`^campaign:(${UUID}):(funds|held|payouts_pending|offline_receipts|offline_funds)$`);

/** The campaign's funds: a liability to the organization, its normal side is credit. */
export function campaignFundsAccount(campaignId: string): string {
  return `campaign:${campaignId}:funds`;
}

/**
 * Offline gifts (cash, cheque, bank transfer) the organization received itself and recorded: money
 * the organization holds, never the platform. `offline_receipts` is that money (an asset, on the
 * organization's side), `offline_funds` what the campaign raised with it (a liability to the
 * campaign, like `funds`). Neither is the campaign's `funds` account, so offline gifts can never be
 * paid out from the platform's Stripe balance, and reconciliation with Stripe never sees them.
 */
export function campaignOfflineReceiptsAccount(campaignId: string): string {
  return `campaign:${campaignId}:offline_receipts`;
}

export function campaignOfflineFundsAccount(campaignId: string): string {
  return `campaign:${campaignId}:offline_funds`;
}

export interface AccountDescriptor {
  code: string;
  type: AccountType;
  campaignId: string | null;
}

/** Resolves an account code; unknown codes throw so that a typo never opens a new account. */
export function describeAccount(code: string): AccountDescriptor {
  const platformType = PLATFORM_TYPES[code];
  if (platformType) return { code, type: platformType, campaignId: null };
  const match = CAMPAIGN_ACCOUNT.exec(code);
  if (match) return { code, type: match[2] === 'offline_receipts' ? 'asset' : 'liability', campaignId: match[1] };
  throw new RangeError(`unknown ledger account ${code}`);
}

/** Debit-normal accounts read their balance as the sum of postings; credit-normal ones negated. */
export function normalBalance(type: AccountType, sumOfPostings: bigint): bigint {
  return type === 'asset' || type === 'expense' ? sumOfPostings : -sumOfPostings;
}
