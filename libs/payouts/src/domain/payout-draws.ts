import { DesignationReplay, type PayoutDraw, type PayoutPart } from '@ataa/transparency';

/**
 * The FIFO draw of a payout (issue 21, item 2; docs/designations.md), decided when the transfer is
 * recorded, under the campaign's funds lock: the campaign's public log so far (its gifts, payouts and
 * reversals, and the refunds and disputes that name their gifts, in index order) is replayed and the
 * payout takes its amount from its designation's oldest gifts with something drawable left (each part
 * of a split payout within its own designation). The verifier replays the same log and must find the same lists.
 */
export interface LoggedMoney {
  index: number;
  kind: string;
  amount: string;
  v: number;
  designation?: string | null;
  draws?: unknown;
  /** Format 5: a split payout's or reversal's parts. */
  parts?: unknown;
  /** A refund's or dispute's purpose, naming its gift. */
  purpose?: string | null;
}

function replayOf(log: readonly LoggedMoney[]): DesignationReplay {
  const replay = new DesignationReplay();
  for (const entry of log) replay.apply(entry as Parameters<DesignationReplay['apply']>[0]);
  return replay;
}

export function planDraws(log: readonly LoggedMoney[], designation: string, amount: bigint): PayoutDraw[] {
  return replayOf(log).plan(designation, amount);
}

/** A split payout's parts, each with its FIFO draw within its designation (designation order). */
export function planPartDraws(log: readonly LoggedMoney[], parts: readonly { designation: string; amount: bigint }[]): PayoutPart[] {
  return replayOf(log).planParts(parts);
}

/**
 * What a designation can pay out now: its ledger funds less its gifts still pending on Stripe and its
 * refunds in flight, never more than the campaign as a whole can (`campaignAvailable`).
 */
export function designationAvailable(input: { funds: bigint; pending: bigint; refundsInFlight: bigint; campaignAvailable: bigint }): bigint {
  const own = input.funds - input.pending - input.refundsInFlight;
  const available = own < input.campaignAvailable ? own : input.campaignAvailable;
  return available > 0n ? available : 0n;
}
