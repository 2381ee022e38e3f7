import {
  DESIGNATED_LEAF_VERSION, isDrawList, isOfflineKind, isPartList, parseGiftReference, SPLIT_LEAF_VERSION, type PayoutDraw, type PayoutPart, type PublicLeaf,
} from './public-entry.js';

/*
 * Designated funds in the public log (issue 21, item 2; docs/designations.md), plain TypeScript used
 * alike by the payouts planner (which records a payout's draws), the verifier CLI and the report.
 *
 * An entry's designation is its format-4 `designation`; a format-5 entry (a payout split across
 * designations, or its reversal) moves each of its `parts` in its own designation; any other entry
 * is `general` (entries of a campaign that declared no designation, and everything before format 4).
 *
 * The FIFO draw: a payout (each part of a split one) in designation D takes its amount from D's card
 * gifts (`donation` entries; offline gifts are never paid out by transfer) oldest first, each gift at
 * most its drawable amount. A gift's drawable amount is its amount less what was refunded of it and
 * what disputes took from it (plus what won disputes gave back), as its refund/dispute entries say
 * (`parseGiftReference`); fees stay at the designation's level. A refund after the gift was drawn
 * leaves the draw as it was (history is not rewritten): only what was not drawn yet shrinks, never
 * below zero. A payout reversal in D gives back its amount to the latest draws of D first (last in,
 * first out), which become drawable again (within the gift's drawable amount). Everything it needs is
 * in the public log, so anyone can replay it and must find every payout's recorded draws.
 *
 * Per designation the log also yields the designation's card money: gifts, minus fees, refunds and
 * disputes, minus payouts, plus reversals. A payout must never take it below zero.
 */
export const GENERAL_DESIGNATION = 'general';

type Entry = Pick<PublicLeaf, 'v' | 'kind' | 'amount'> & { designation?: string | null; draws?: unknown; parts?: unknown };

/** The designation of a single-designation entry (format 4's, else general); a format-5 entry has parts instead (`moneyByDesignation`). */
export function designationOf(leaf: Pick<PublicLeaf, 'v'> & { designation?: string | null }): string {
  return leaf.v === DESIGNATED_LEAF_VERSION && typeof leaf.designation === 'string' ? leaf.designation : GENERAL_DESIGNATION;
}

/** One designation's share of a payout or payout reversal: positive minor units, and the gifts drawn (payouts of format 4 or 5 only). */
export interface PayoutShare {
  designation: string;
  amount: bigint;
  draws: PayoutDraw[] | null;
}

/**
 * How much of a `payout` or `payout_reversal` entry went to (or came back to) which designation: a
 * format-5 entry's parts, a format-4 entry's designation, or general before format 4. Amounts are
 * positive; the shares add up to the entry's amount. The accessor the report and statements read
 * ("money out by designation"); a malformed format-5 entry answers [] (the verifier reports it).
 */
export function payoutShares(entry: Entry): PayoutShare[] {
  if (entry.kind !== 'payout' && entry.kind !== 'payout_reversal') return [];
  const total = BigInt(entry.amount);
  const magnitude = total < 0n ? -total : total;
  if (entry.v === SPLIT_LEAF_VERSION) {
    if (!isPartList(entry.parts, entry.kind === 'payout')) return [];
    return entry.parts.map((p) => ({ designation: p.designation, amount: BigInt(p.amount), draws: p.draws ?? null }));
  }
  const draws = entry.v === DESIGNATED_LEAF_VERSION && entry.kind === 'payout' && isDrawList(entry.draws) ? entry.draws : null;
  return [{ designation: designationOf(entry), amount: magnitude, draws }];
}

/** The signed money an entry moves per designation (a split payout: one line per part); none for entries that move no money. */
export function moneyByDesignation(entry: Entry): { designation: string; amount: bigint }[] {
  if (entry.kind === 'terms_changed' || entry.kind === 'evidence') return [];
  if (entry.v === SPLIT_LEAF_VERSION) {
    const sign = entry.kind === 'payout' ? -1n : 1n;
    return payoutShares(entry).map((s) => ({ designation: s.designation, amount: sign * s.amount }));
  }
  return [{ designation: designationOf(entry), amount: BigInt(entry.amount) }];
}

interface Gift { index: number; amount: bigint; drawn: bigint; /** Refunded and disputed (net of won disputes) so far. */ reduced: bigint }
interface DrawRecord { gift: Gift; amount: bigint }

interface Pool {
  gifts: Gift[];
  byIndex: Map<number, Gift>;
  /** First gift that may still have something left (everything before it is fully drawn). */
  cursor: number;
  /** Draws in the order they were made (reversals undo from the end). */
  draws: DrawRecord[];
  /** The designation's card money now (gifts - fees - refunds - disputes - payouts + reversals). */
  funds: bigint;
  gifted: bigint;
  paidOut: bigint;
}

/** What is still drawable of a gift: its amount less refunds/disputes and earlier draws, never below zero. */
const free = (g: Gift): bigint => {
  const left = g.amount - g.reduced - g.drawn;
  return left > 0n ? left : 0n;
};

/** The state of every designation of one log, built by feeding it the entries in index order. */
export class DesignationReplay {
  private readonly pools = new Map<string, Pool>();

  private pool(designation: string): Pool {
    let pool = this.pools.get(designation);
    if (!pool) {
      pool = { gifts: [], byIndex: new Map(), cursor: 0, draws: [], funds: 0n, gifted: 0n, paidOut: 0n };
      this.pools.set(designation, pool);
    }
    return pool;
  }

  /** The draws FIFO would record for a payout of `amount` from `designation` now (no state change). */
  plan(designation: string, amount: bigint): PayoutDraw[] {
    if (amount <= 0n) throw new RangeError('a payout draws a positive amount');
    const pool = this.pool(designation);
    const out: PayoutDraw[] = [];
    let left = amount;
    for (let i = pool.cursor; i < pool.gifts.length && left > 0n; i++) {
      const gift = pool.gifts[i];
      const available = free(gift);
      if (available <= 0n) continue;
      const take = available < left ? available : left;
      out.push({ index: gift.index, amount: take.toString() });
      left -= take;
    }
    // Cannot happen while payouts stay within the designation's funds (fees only make gifts more than enough).
    if (left > 0n) throw new DesignationOverdrawnError(designation, left);
    return out;
  }

  /** The parts of a payout split across designations, each with its FIFO draw (parts in designation order; no state change). */
  planParts(parts: readonly { designation: string; amount: bigint }[]): PayoutPart[] {
    return [...parts].sort((a, b) => (a.designation < b.designation ? -1 : 1))
      .map((p) => ({ designation: p.designation, amount: p.amount.toString(), draws: this.plan(p.designation, p.amount) }));
  }

  /**
   * Feeds one entry (in index order). Answers the problems found (empty: consistent): a payout whose
   * recorded draws are not FIFO's, or that takes its designation's card money below zero; a refund or
   * dispute naming something that is not an earlier gift of its designation, or taking more than the gift.
   */
  apply(leaf: Pick<PublicLeaf, 'v' | 'kind' | 'amount' | 'index'> & { designation?: string | null; draws?: unknown; parts?: unknown; purpose?: string | null }): string[] {
    if (isOfflineKind(leaf.kind) || leaf.kind === 'terms_changed' || leaf.kind === 'evidence') return [];
    if (leaf.v === SPLIT_LEAF_VERSION) return this.applySplit(leaf);
    const designation = designationOf(leaf);
    const pool = this.pool(designation);
    const amount = BigInt(leaf.amount);
    const problems: string[] = [];
    pool.funds += amount;
    if (leaf.kind === 'donation') {
      const gift = { index: leaf.index, amount, drawn: 0n, reduced: 0n };
      pool.gifts.push(gift);
      pool.byIndex.set(leaf.index, gift);
      pool.gifted += amount;
    } else if (leaf.kind === 'payout') {
      pool.paidOut -= amount;
      if (pool.funds < 0n) problems.push(`entry ${leaf.index} pays out ${-amount} from ${designation}, beyond its funds by ${-pool.funds}`);
      if (leaf.v === DESIGNATED_LEAF_VERSION) problems.push(...this.take(pool, designation, leaf.index, -amount, leaf.draws, '(payout)'));
    } else if (leaf.kind === 'payout_reversal') {
      pool.paidOut -= amount;
      this.giveBack(pool, amount);
    } else if (leaf.kind === 'refund' || leaf.kind === 'dispute' || leaf.kind === 'dispute_reversal') {
      problems.push(...this.reduceGift(pool, designation, leaf.index, leaf.kind, amount, leaf.purpose ?? null));
    }
    return problems;
  }

  /** A format-5 payout or reversal: each part in its own designation. */
  private applySplit(leaf: Pick<PublicLeaf, 'kind' | 'amount' | 'index'> & { parts?: unknown }): string[] {
    const payout = leaf.kind === 'payout';
    if (!payout && leaf.kind !== 'payout_reversal') return [`entry ${leaf.index} (${leaf.kind}) cannot be leaf format ${SPLIT_LEAF_VERSION}`];
    if (!isPartList(leaf.parts, payout)) return [`entry ${leaf.index} (${leaf.kind}) has a malformed parts list`];
    const total = leaf.parts.reduce((s, p) => s + BigInt(p.amount), 0n);
    const amount = BigInt(leaf.amount);
    if (total !== (payout ? -amount : amount)) return [`entry ${leaf.index} (${leaf.kind}) has parts adding up to ${total}, not ${payout ? -amount : amount}`];
    const problems: string[] = [];
    for (const part of leaf.parts) {
      const pool = this.pool(part.designation);
      const share = BigInt(part.amount);
      if (payout) {
        pool.funds -= share;
        pool.paidOut += share;
        if (pool.funds < 0n) problems.push(`entry ${leaf.index} pays out ${share} from ${part.designation}, beyond its funds by ${-pool.funds}`);
        problems.push(...this.take(pool, part.designation, leaf.index, share, part.draws, `(payout, part ${part.designation})`));
      } else {
        pool.funds += share;
        pool.paidOut -= share;
        this.giveBack(pool, share);
      }
    }
    return problems;
  }

  private take(pool: Pool, designation: string, index: number, amount: bigint, recorded: unknown, what: string): string[] {
    if (!isDrawList(recorded)) return [`entry ${index} ${what} has a malformed draws list`];
    const sum = recorded.reduce((s, d) => s + BigInt(d.amount), 0n);
    if (sum !== amount) return [`entry ${index} ${what} draws ${sum} from its gifts but pays out ${amount}`];
    let expected: PayoutDraw[];
    try {
      expected = this.plan(designation, amount);
    } catch {
      return [`entry ${index} ${what} draws more than the gifts of ${designation}`];
    }
    if (JSON.stringify(expected) !== JSON.stringify(recorded)) {
      return [`entry ${index} ${what} draws ${describeDraws(recorded)}, but first in, first out within ${designation} gives ${describeDraws(expected)}`];
    }
    for (const d of recorded) {
      const gift = pool.byIndex.get(d.index)!;
      gift.drawn += BigInt(d.amount);
      pool.draws.push({ gift, amount: BigInt(d.amount) });
    }
    this.advance(pool);
    return [];
  }

  /**
   * A refund, dispute or won dispute naming its gift changes what is drawable of that gift. Without a
   * reference (entries appended before the rule) it reduces the designation only.
   */
  private reduceGift(pool: Pool, designation: string, index: number, kind: 'refund' | 'dispute' | 'dispute_reversal', amount: bigint, purpose: string | null): string[] {
    if (purpose === null) return [];
    const ref = parseGiftReference(kind, purpose);
    if (!ref) return [`entry ${index} (${kind}) does not name its gift in the expected form`];
    const gift = pool.byIndex.get(ref.index);
    if (!gift || ref.index >= index) return [`entry ${index} (${kind}) names entry ${ref.index}, which is not an earlier gift of ${designation}`];
    const magnitude = amount < 0n ? -amount : amount;
    if (kind === 'refund') {
      // The entry is net of the platform fee returned with the refund: never more than what was refunded.
      if (ref.refunded! < magnitude) return [`entry ${index} (refund) takes ${magnitude} but says ${ref.refunded} was refunded`];
      gift.reduced += ref.refunded!;
    } else if (kind === 'dispute') {
      gift.reduced += magnitude;
    } else {
      if (gift.reduced < magnitude) return [`entry ${index} (dispute_reversal) gives back ${magnitude} to entry ${ref.index}, more than was taken from it`];
      gift.reduced -= magnitude;
      pool.cursor = 0;
    }
    if (gift.reduced > gift.amount) return [`entry ${index} (${kind}) takes entry ${ref.index} beyond its amount ${gift.amount}`];
    this.advance(pool);
    return [];
  }

  /** A reversal returns money to the latest draws first; those gift amounts can be drawn again. */
  private giveBack(pool: Pool, amount: bigint): void {
    let left = amount;
    while (left > 0n && pool.draws.length > 0) {
      const last = pool.draws[pool.draws.length - 1];
      const back = last.amount < left ? last.amount : left;
      last.gift.drawn -= back;
      last.amount -= back;
      left -= back;
      if (last.amount === 0n) pool.draws.pop();
    }
    pool.cursor = 0;
    this.advance(pool);
  }

  private advance(pool: Pool): void {
    while (pool.cursor < pool.gifts.length && free(pool.gifts[pool.cursor]) <= 0n) pool.cursor++;
  }

  /** Per designation: card gifts, paid out (net of reversals), and the card money left now. */
  summary(): { designation: string; gifts: bigint; paidOut: bigint; funds: bigint }[] {
    return [...this.pools.entries()].sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([designation, p]) => ({ designation, gifts: p.gifted, paidOut: p.paidOut, funds: p.funds }));
  }

  /** What is still drawable of a gift entry now (its amount less refunds, disputes and draws); null when it is no card gift of the log. */
  drawable(giftIndex: number): bigint | null {
    for (const pool of this.pools.values()) {
      const gift = pool.byIndex.get(giftIndex);
      if (gift) return free(gift);
    }
    return null;
  }

  /** Which payouts drew from a gift entry, and how much each (a donor's "my gift went into payout P"). */
  static drawsOfGift(entries: readonly (Entry & { index: number })[], giftIndex: number): { payout: number; amount: string }[] {
    const out: { payout: number; amount: string }[] = [];
    for (const e of entries) {
      if (e.kind !== 'payout') continue;
      for (const share of payoutShares(e)) {
        const d = share.draws?.find((x) => x.index === giftIndex);
        if (d) out.push({ payout: e.index, amount: d.amount });
      }
    }
    return out;
  }
}

export class DesignationOverdrawnError extends Error {
  constructor(readonly designation: string, readonly short: bigint) {
    super(`the gifts of ${designation} cannot cover the payout: short by ${short}`);
    this.name = 'DesignationOverdrawnError';
  }
}

function describeDraws(draws: readonly PayoutDraw[]): string {
  return draws.length === 0 ? 'nothing' : draws.map((d) => `${d.amount} from entry ${d.index}`).join(', ');
}

/**
 * How much of an entry went to which designation (signed, as the entry's amount). Every entry moves
 * one designation today; a payout spending several would list them here (the one place the report
 * and the verifier ask), so a change of the payout's leaf slots in without touching them.
 */
export function designationShares(leaf: Pick<PublicLeaf, 'v' | 'kind' | 'amount'> & { designation?: string | null; draws?: unknown; parts?: unknown }): { designation: string; amount: bigint }[] {
  return moneyByDesignation(leaf as Entry);
}

/** Kinds whose designation split is read entry by entry (`designationShares`): payouts may spend several. */
export const SHARED_KINDS = ['payout', 'payout_reversal'] as const;

/** Aggregated money per (designation, kind), as the server keeps it or as a verifier sums the entries. */
export interface DesignationKindRow {
  designation: string;
  kind: string;
  count: number;
  amount: bigint;
}

/**
 * One designation's money in the report, signed minor units as in the log (money out negative):
 * card gifts, offline gifts net of voids, fees (processing and platform), refunds, disputes net of
 * their reversals, payouts net of their reversals, and what is left (the sum of all of them).
 */
export interface DesignationTotals {
  designation: string;
  gifts: string;
  giftCount: number;
  offline: string;
  fees: string;
  refunds: string;
  disputes: string;
  paidOut: string;
  left: string;
}

/** The rows one entry adds (its shares; nothing for entries that move no money). */
export function designationRowsOf(leaf: Pick<PublicLeaf, 'v' | 'kind' | 'amount'> & { designation?: string | null; draws?: unknown; parts?: unknown }): DesignationKindRow[] {
  if (leaf.kind === 'terms_changed' || leaf.kind === 'evidence') return [];
  return designationShares(leaf).map((s) => ({ designation: s.designation, kind: leaf.kind, count: 1, amount: s.amount }));
}

/** Per designation (sorted by code), from rows: the report's "money out by designation". */
export function designationTotals(rows: readonly DesignationKindRow[]): DesignationTotals[] {
  const lines = new Map<string, { gifts: bigint; giftCount: number; offline: bigint; fees: bigint; refunds: bigint; disputes: bigint; paidOut: bigint; left: bigint }>();
  for (const row of rows) {
    const line = lines.get(row.designation) ?? { gifts: 0n, giftCount: 0, offline: 0n, fees: 0n, refunds: 0n, disputes: 0n, paidOut: 0n, left: 0n };
    switch (row.kind) {
      case 'donation': line.gifts += row.amount; line.giftCount += row.count; break;
      case 'offline_gift': case 'offline_gift_void': line.offline += row.amount; break;
      case 'fee': case 'platform_fee': line.fees += row.amount; break;
      case 'refund': line.refunds += row.amount; break;
      case 'dispute': case 'dispute_reversal': line.disputes += row.amount; break;
      case 'payout': case 'payout_reversal': line.paidOut += row.amount; break;
      default: continue;
    }
    line.left += row.amount;
    lines.set(row.designation, line);
  }
  return [...lines.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([designation, l]) => ({
    designation, gifts: l.gifts.toString(), giftCount: l.giftCount, offline: l.offline.toString(), fees: l.fees.toString(),
    refunds: l.refunds.toString(), disputes: l.disputes.toString(), paidOut: l.paidOut.toString(), left: l.left.toString(),
  }));
}
