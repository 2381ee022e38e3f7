import type { EntryInput } from '@ataa/ledger';

/** Balances summed from the entries themselves (what the database does); asserts every entry balances. */
export function balances(entries: EntryInput[]): Map<string, bigint> {
  const sums = new Map<string, bigint>();
  for (const e of entries) {
    let entrySum = 0n;
    for (const p of e.postings) {
      sums.set(p.account, (sums.get(p.account) ?? 0n) + p.amount);
      entrySum += p.amount;
    }
    expect(entrySum).toBe(0n); // invariant 1: every entry balances
  }
  return sums;
}

/** Campaign accounts are liabilities: their normal balance is minus the sum of postings. */
export const liability = (b: Map<string, bigint>, account: string) => -(b.get(account) ?? 0n);
