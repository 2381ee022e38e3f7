import { DESIGNATED_LEAF_VERSION, isDrawList, isOfflineKind, type PayoutDraw, type PublicLeaf } from './public-entry.js';

/*
 * Designated funds in the public log (issue 21, item 2; docs/designations.md), plain TypeScript used
 * alike by the payouts planner (which records a payout's draws), the verifier CLI and the report.
 *
 * An entry's designation is its format-4 `designation`; any other entry is `general` (entries of a
 * campaign that declared no designation, and everything appended before format 4).
 *
 * The FIFO draw: a payout in designation D takes its amount from D's card gifts (`donation` entries;
 * offline gifts are never paid out by transfer) oldest first, each gift at most its amount over all
 * payouts. A payout reversal in D gives back its amount to the latest draws of D first (last in,
 * first out), which become drawable again. Everything it needs is in the public log, so anyone can
 * replay it and must find every payout's recorded `draws`.
 *
 * Per designation the log also yields the designation's card money: gifts, minus fees, refunds and
 * disputes, minus payouts, plus reversals. A payout must never take it below zero.
 */
export const GENERAL_DESIGNATION = 'general';

export function designationOf(leaf: Pick<PublicLeaf, 'v'> & { designation?: string | null }): string {
  return leaf.v === DESIGNATED_LEAF_VERSION && typeof leaf.designation === 'string' ? leaf.designation : GENERAL_DESIGNATION;
}

interface Gift { index: number; amount: bigint; drawn: bigint }
interface DrawRecord { gift: Gift; amount: bigint }

interface Pool {
  gifts: Gift[];
  /** First gift that may still have something left (everything before it is fully drawn). */
  cursor: number;
  /** Draws in the order they were made (reversals undo from the end). */
  draws: DrawRecord[];
  /** The designation's card money now (gifts - fees - refunds - disputes - payouts + reversals). */
  funds: bigint;
  gifted: bigint;
  paidOut: bigint;
}

/** The state of every designation of one log, built by feeding it the entries in index order. */
export class DesignationReplay {
  private readonly pools = new Map<string, Pool>();

  private pool(designation: string): Pool {
    let pool = this.pools.get(designation);
    if (!pool) {
      pool = { gifts: [], cursor: 0, draws: [], funds: 0n, gifted: 0n, paidOut: 0n };
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
      const free = gift.amount - gift.drawn;
      if (free <= 0n) continue;
      const take = free < left ? free : left;
      out.push({ index: gift.index, amount: take.toString() });
      left -= take;
    }
    // Cannot happen while payouts stay within the designation's funds (fees only make gifts more than enough).
    if (left > 0n) throw new DesignationOverdrawnError(designation, left);
    return out;
  }

  /**
   * Feeds one entry (in index order). Answers the problems found (empty: consistent): a payout whose
   * recorded draws are not FIFO's, or that takes its designation's card money below zero.
   */
  apply(leaf: Pick<PublicLeaf, 'v' | 'kind' | 'amount' | 'index'> & { designation?: string | null; draws?: unknown }): string[] {
    if (isOfflineKind(leaf.kind) || leaf.kind === 'terms_changed' || leaf.kind === 'evidence') return [];
    const designation = designationOf(leaf);
    const pool = this.pool(designation);
    const amount = BigInt(leaf.amount);
    const problems: string[] = [];
    pool.funds += amount;
    if (leaf.kind === 'donation') {
      pool.gifts.push({ index: leaf.index, amount, drawn: 0n });
      pool.gifted += amount;
    } else if (leaf.kind === 'payout') {
      pool.paidOut -= amount;
      if (pool.funds < 0n) problems.push(`entry ${leaf.index} pays out ${-amount} from ${designation}, beyond its funds by ${-pool.funds}`);
      if (leaf.v === DESIGNATED_LEAF_VERSION) problems.push(...this.take(pool, designation, leaf.index, -amount, leaf.draws));
    } else if (leaf.kind === 'payout_reversal') {
      pool.paidOut -= amount;
      this.giveBack(pool, amount);
    }
    return problems;
  }

  private take(pool: Pool, designation: string, index: number, amount: bigint, recorded: unknown): string[] {
    if (!isDrawList(recorded)) return [`entry ${index} (payout) has a malformed draws list`];
    const sum = recorded.reduce((s, d) => s + BigInt(d.amount), 0n);
    if (sum !== amount) return [`entry ${index} (payout) draws ${sum} from its gifts but pays out ${amount}`];
    let expected: PayoutDraw[];
    try {
      expected = this.plan(designation, amount);
    } catch {
      return [`entry ${index} (payout) draws more than the gifts of ${designation}`];
    }
    if (JSON.stringify(expected) !== JSON.stringify(recorded)) {
      return [`entry ${index} (payout) draws ${describeDraws(recorded)}, but first in, first out within ${designation} gives ${describeDraws(expected)}`];
    }
    const byIndex = new Map(pool.gifts.map((g) => [g.index, g]));
    for (const d of recorded) {
      const gift = byIndex.get(d.index)!;
      gift.drawn += BigInt(d.amount);
      pool.draws.push({ gift, amount: BigInt(d.amount) });
    }
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
    while (pool.cursor < pool.gifts.length && pool.gifts[pool.cursor].drawn >= pool.gifts[pool.cursor].amount) pool.cursor++;
  }

  /** Per designation: card gifts, paid out (net of reversals), and the card money left now. */
  summary(): { designation: string; gifts: bigint; paidOut: bigint; funds: bigint }[] {
    return [...this.pools.entries()].sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([designation, p]) => ({ designation, gifts: p.gifted, paidOut: p.paidOut, funds: p.funds }));
  }

  /** Which payouts drew from a gift entry, and how much each (a donor's "my gift went into payout P"). */
  static drawsOfGift(entries: readonly { kind: string; index: number; draws?: unknown }[], giftIndex: number): { payout: number; amount: string }[] {
    const out: { payout: number; amount: string }[] = [];
    for (const e of entries) {
      if (e.kind !== 'payout' || !isDrawList(e.draws)) continue;
      const d = e.draws.find((x) => x.index === giftIndex);
      if (d) out.push({ payout: e.index, amount: d.amount });
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
export function designationShares(leaf: Pick<PublicLeaf, 'v' | 'kind' | 'amount'> & { designation?: string | null; draws?: unknown }): { designation: string; amount: bigint }[] {
  return [{ designation: designationOf(leaf), amount: BigInt(leaf.amount) }];
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
export function designationRowsOf(leaf: Pick<PublicLeaf, 'v' | 'kind' | 'amount'> & { designation?: string | null; draws?: unknown }): DesignationKindRow[] {
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
