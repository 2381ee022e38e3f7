/**
 * Available funds of a campaign (design sections 5 and 6), plain TypeScript.
 *
 * The campaign's funds account already holds, net, every settled gift minus processing fees,
 * platform fees, refunds, dispute withdrawals, payout holds and payouts made. Of that, the part
 * still pending on Stripe (gifts whose balance transaction is not available yet) cannot be paid
 * out: Stripe only transfers available balance. So
 *
 *   available = max(0, fundsBalance - net of the gifts still pending - refunds in flight)
 *
 * Refunds and disputes of a pending gift are taken from the available part at once (Stripe takes
 * them from the available balance too), which errs on the safe side.
 */
export interface GiftFunds {
  /** What the gift adds to the campaign's funds: gross - processing fee - platform fee. */
  net: bigint;
  /** When Stripe makes its balance transaction available; null while unknown. */
  availableOn: Date | null;
  /** Stripe says it is available already (its clock may be ahead of ours). */
  available: boolean;
}

export interface FundsInput {
  currency: string;
  /** The campaign funds account balance on its normal side (holds and payouts already deducted). */
  fundsBalance: bigint;
  /** Holds of payout requests not yet executed (the payouts_pending account). */
  reserved: bigint;
  /** Payouts made, net of reversals. */
  paidOut: bigint;
  gifts: readonly GiftFunds[];
  /**
   * Refunds reserved or pending on Stripe, not in the ledger yet: they will take this much from the
   * funds, so it cannot be paid out meanwhile (a refund after a payout would otherwise go negative).
   */
  refundsInFlight?: bigint;
  now: Date;
}

export interface PendingTranche {
  /** null: Stripe has not told us yet. */
  availableOn: Date | null;
  amount: bigint;
}

export interface CampaignFunds {
  currency: string;
  available: bigint;
  pending: bigint;
  /** Pending funds by the date they become available, earliest first (unknown dates last). */
  pendingByDate: PendingTranche[];
  reserved: bigint;
  paidOut: bigint;
  balance: bigint;
}

export function isGiftAvailable(gift: GiftFunds, now: Date): boolean {
  return gift.available || (gift.availableOn !== null && gift.availableOn.getTime() <= now.getTime());
}

export function computeFunds(input: FundsInput): CampaignFunds {
  const tranches = new Map<string, PendingTranche>();
  let pending = 0n;
  for (const gift of input.gifts) {
    if (isGiftAvailable(gift, input.now) || gift.net <= 0n) continue;
    pending += gift.net;
    const key = gift.availableOn ? gift.availableOn.toISOString() : 'unknown';
    const tranche = tranches.get(key) ?? { availableOn: gift.availableOn, amount: 0n };
    tranche.amount += gift.net;
    tranches.set(key, tranche);
  }
  const pendingByDate = [...tranches.values()].sort((a, b) => {
    if (a.availableOn === null) return 1;
    if (b.availableOn === null) return -1;
    return a.availableOn.getTime() - b.availableOn.getTime();
  });
  const available = input.fundsBalance - pending - (input.refundsInFlight ?? 0n);
  return {
    currency: input.currency,
    available: available > 0n ? available : 0n,
    pending,
    pendingByDate,
    reserved: input.reserved,
    paidOut: input.paidOut,
    balance: input.fundsBalance,
  };
}
