import { DomainError } from '@ataa/common';
import { payoutParts, requestFingerprint, reversalShares } from './payout-rules.js';
import { planHold, planReversals, planTransfer, type PayoutState } from './payout-plans.js';

const refusal = (fn: () => unknown): { code: string; status: number; details: Record<string, unknown> } | undefined => {
  try {
    fn();
  } catch (error) {
    const e = error as DomainError;
    return { code: e.code, status: e.status, details: (e.details ?? {}) as Record<string, unknown> };
  }
  return undefined;
};

describe('payoutParts: the designations a request spends', () => {
  const declared = ['zakat', 'well'];

  it('reads a list of parts adding up to the amount, sorted by code; none given: null', () => {
    expect(payoutParts(declared, { amount: 5000n, designations: [{ code: 'zakat', amount: '3000' }, { code: 'general', amount: '2000' }] }))
      .toEqual([{ designation: 'general', amount: 2000n }, { designation: 'zakat', amount: 3000n }]);
    expect(payoutParts(declared, { amount: 5000n, designation: 'zakat' })).toBeNull();
    expect(payoutParts(declared, { amount: 5000n, designations: [{ code: 'well', amount: '5000' }] })).toEqual([{ designation: 'well', amount: 5000n }]);
  });

  it('refuses bad input, each with its own code and field', () => {
    const parts = (designations: unknown, amount: bigint | 'all' = 5000n, designation?: string) => refusal(() => payoutParts(declared, { amount, designations, designation }));
    expect(parts([{ code: 'zakat', amount: '5000' }], 5000n, 'zakat')).toMatchObject({ code: 'payout_designations_conflict', status: 422 });
    expect(parts([])).toMatchObject({ code: 'payout_parts_invalid', status: 422 });
    expect(parts('zakat')).toMatchObject({ code: 'payout_parts_invalid', status: 422 });
    expect(parts([{ code: 'zakat', amount: '2500' }, { code: 'zakat', amount: '2500' }])).toMatchObject({ code: 'payout_parts_invalid', details: { field: 'designations[1].code' } });
    expect(parts([{ code: 'zakat', amount: '2500', extra: 1 }, { code: 'general', amount: '2500' }])).toMatchObject({ code: 'payout_parts_invalid', details: { field: 'designations[0]' } });
    expect(parts([{ code: 'mosque', amount: '2500' }, { code: 'general', amount: '2500' }])).toMatchObject({ code: 'unknown_designation', status: 422, details: { field: 'designations[0].code' } });
    expect(parts([{ code: 'zakat', amount: '-2500' }, { code: 'general', amount: '7500' }])).toMatchObject({ code: 'payout_amount_invalid', status: 400, details: { field: 'designations[0].amount' } });
    expect(parts([{ code: 'zakat', amount: '25.00' }, { code: 'general', amount: '2500' }])).toMatchObject({ code: 'payout_amount_invalid', status: 400 });
    expect(parts([{ code: 'zakat', amount: 2500 }, { code: 'general', amount: '2500' }])).toMatchObject({ code: 'payout_amount_invalid', status: 400 });
    expect(parts([{ code: 'zakat', amount: '0' }, { code: 'general', amount: '5000' }])).toMatchObject({ code: 'payout_amount_invalid', status: 400 });
    expect(parts([{ code: 'zakat', amount: '2500' }, { code: 'general', amount: '2499' }])).toMatchObject({ code: 'payout_parts_mismatch', status: 422, details: { amount: '5000', total: '4999' } });
    expect(parts([{ code: 'zakat', amount: '2500' }, { code: 'general', amount: '2500' }], 'all')).toMatchObject({ code: 'payout_parts_mismatch', status: 422 });
  });

  it('a split request has its own fingerprint; a one-part list is the same request as naming the designation', () => {
    const base = { campaignId: 'c', amount: '5000', currency: 'usd', purpose: 'Food', privateNote: null };
    const split = requestFingerprint({ ...base, designation: 'general', parts: [{ designation: 'general', amount: 2000n }, { designation: 'zakat', amount: 3000n }] });
    expect(split).not.toBe(requestFingerprint({ ...base, designation: 'general' }));
    expect(split).not.toBe(requestFingerprint({ ...base, designation: 'general', parts: [{ designation: 'general', amount: 3000n }, { designation: 'zakat', amount: 2000n }] }));
    expect(requestFingerprint({ ...base, designation: 'zakat', parts: null })).toBe(requestFingerprint({ ...base, designation: 'zakat' }));
  });
});

describe('split payouts: postings per part', () => {
  const p: PayoutState = {
    id: 'p1', campaignId: 'c1', currency: 'usd', amount: 5000n, status: 'processing', purpose: 'Food', amountReversed: 0n, designation: null,
    parts: [{ designation: 'general', amount: 2000n }, { designation: 'zakat', amount: 3000n }],
  };
  const designations = (postings: { account: string; amount: bigint; designation?: string }[]) => postings.map((x) => `${x.account.split(':').pop()} ${x.amount} ${x.designation ?? '-'}`);

  it('a hold posts each part in its designation', () => {
    const plan = planHold({ payoutId: 'p1', campaignId: 'c1', currency: 'usd', amount: 5000n, occurredAt: new Date(0), parts: p.parts });
    expect(designations(plan.entries[0].input.postings)).toEqual(['funds 2000 general', 'funds 3000 zakat', 'payouts_pending -2000 general', 'payouts_pending -3000 zakat']);
  });

  it('the transfer releases and pays per part, one platform posting, and a format-5 public entry with each part\'s draws', () => {
    const parts = [
      { designation: 'general', amount: '2000', draws: [{ index: 1, amount: '2000' }] },
      { designation: 'zakat', amount: '3000', draws: [{ index: 0, amount: '3000' }] },
    ];
    const plan = planTransfer(p, { id: 'tr_1', amount: 5000, currency: 'usd', created: 1 }, parts);
    expect(designations(plan.entries[1].input.postings)).toEqual(['funds 2000 general', 'funds 3000 zakat', 'stripe_balance -5000 -']);
    expect(plan.entries[1].public).toMatchObject({ kind: 'payout', amount: -5000n, designation: null, parts });
    expect(plan.change).toMatchObject({ kind: 'paid', draws: null, parts });
  });

  it('a reversal comes back to the parts last first; a whole one to every part', () => {
    expect(reversalShares(p.parts!, 0n, 1000n)).toEqual([{ designation: 'zakat', amount: 1000n }]);
    expect(reversalShares(p.parts!, 1000n, 2500n)).toEqual([{ designation: 'general', amount: 500n }, { designation: 'zakat', amount: 2000n }]);
    expect(reversalShares(p.parts!, 0n, 5000n)).toEqual([{ designation: 'general', amount: 2000n }, { designation: 'zakat', amount: 3000n }]);
    const plan = planReversals({ ...p, status: 'paid', amountReversed: 1000n }, 'tr_1', [{ id: 'trr_1', amount: 2500, created: 2 }], new Set());
    expect(designations(plan.entries[0].input.postings)).toEqual(['stripe_balance 2500 -', 'funds -500 general', 'funds -2000 zakat']);
    expect(plan.entries[0].public).toMatchObject({ kind: 'payout_reversal', amount: 2500n, parts: [{ designation: 'general', amount: '500' }, { designation: 'zakat', amount: '2000' }] });
    const one = planReversals({ ...p, status: 'paid' }, 'tr_1', [{ id: 'trr_2', amount: 1000, created: 2 }], new Set());
    expect(one.entries[0].input.designation).toBe('zakat');
    expect(one.entries[0].public).toMatchObject({ parts: [{ designation: 'zakat', amount: '1000' }] });
  });
});
