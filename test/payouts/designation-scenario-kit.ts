import { campaignFundsAccount, postingDesignation, type EntryInput, type PlannedEntry } from '@ataa/ledger';
import { payoutsPendingAccount, type LoggedMoney } from '@ataa/payouts';
import { giftReferencePurpose, type GiftReferenceKind } from '@ataa/transparency';

/** Helpers of the designated-funds money scenarios: the public log and the funds, built from the planners' entries alone. */
export interface LoggedEntry extends LoggedMoney { sourceRef: string }

/** The public log as the appender builds it: indexes in order, a refund's or dispute's gift named in its purpose. */
export function appendAll(log: LoggedEntry[], entries: readonly PlannedEntry[]): void {
  for (const e of entries) {
    if (!e.public) continue;
    const p = e.public;
    let purpose = p.payoutPurpose ?? null;
    const ref = p.gift;
    if (ref) {
      const index = 'index' in ref ? ref.index : log.find((x) => x.kind === 'donation' && x.sourceRef === ref.donationSource)!.index;
      purpose = giftReferencePurpose(p.kind as GiftReferenceKind, index, ref.refunded);
    }
    log.push({
      index: log.length, kind: p.kind, amount: p.amount.toString(), sourceRef: e.input.sourceId, purpose,
      ...(p.parts ? { v: 5, parts: p.parts } : { v: p.designation ? 4 : 3, designation: p.designation ?? null, ...(p.kind === 'payout' ? { draws: p.draws } : {}) }),
    });
  }
}

/** A campaign's funds per designation summed from the postings (what the ledger's designation trigger keeps). */
export function designationFunds(entries: readonly EntryInput[], campaignId: string): Record<string, bigint> {
  const out: Record<string, bigint> = {};
  for (const e of entries) for (const p of e.postings) {
    if (p.account !== campaignFundsAccount(campaignId)) continue;
    const d = postingDesignation(e, p)!;
    out[d] = (out[d] ?? 0n) - p.amount;
  }
  return out;
}

/** What a campaign's payouts hold pending (a liability: minus the postings' sum). */
export const pendingTotal = (entries: readonly EntryInput[], campaignId: string) =>
  -entries.flatMap((e) => e.postings).filter((p) => p.account === payoutsPendingAccount(campaignId)).reduce((s, p) => s + p.amount, 0n);
