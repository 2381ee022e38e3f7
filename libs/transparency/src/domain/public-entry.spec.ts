import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';
import {
  createDonorCommitment, describeTermChange, donorCommitment, isTermChangeList, PublicLeaf, publicLeafHash, toLeaf, verifyDonorCommitment,
} from './public-entry.js';
import { reportFromEntries } from './report.js';

describe('RFC 8785 canonical JSON', () => {
  it('sorts keys by UTF-16 code units and writes numbers and strings as ECMAScript does', () => {
    // RFC 8785 section 3.2.3 sorting example (keys compared as UTF-16 code units).
    const sorted = canonicalJson({ '\u20ac': 'Euro Sign', '\r': 'Carriage Return', '\ufb33': 'Hebrew Letter Dalet With Dagesh', '1': 'One', '\ud83d\ude00': 'Emoji: Grinning Face', '\u0080': 'Control', '\u00f6': 'Latin Small Letter O With Diaeresis' });
    const order = ['\\r', '1', '\u0080', '\u00f6', '\u20ac', '\ud83d\ude00', '\ufb33'].map((k) => sorted.indexOf(`"${k}":`));
    expect(order.every((at, i) => at > 0 && (i === 0 || at > order[i - 1]))).toBe(true);
    expect(sorted.startsWith('{"\\r":"Carriage Return","1":"One","\u0080":"Control"')).toBe(true);
    // RFC 8785 appendix B number samples.
    expect(canonicalJson([1e21, 1e-7, -0, 333333333.3333333, 4.5, 0.002, 1e23])).toBe('[1e+21,1e-7,0,333333333.3333333,4.5,0.002,1e+23]');
    expect(canonicalJson({ b: [true, null, 'a\u2028"\\'], a: { d: 1, c: 'x' } })).toBe('{"a":{"c":"x","d":1},"b":[true,null,"a\u2028\\"\\\\"]}');
  });

  it('refuses values JSON cannot carry exactly', () => {
    expect(() => canonicalJson(Number.NaN)).toThrow(TypeError);
    expect(() => canonicalJson(10n)).toThrow(TypeError);
    expect(() => canonicalJson('\ud800')).toThrow(TypeError);
  });
});

const leaf = (over: Partial<PublicLeaf>): PublicLeaf => ({
  v: 1, campaign: 'c1', index: 0, time: '2026-01-05T10:00:00.000Z', kind: 'donation', amount: '10000', currency: 'usd',
  donor: 'Amal', donorCommitment: null, message: null, purpose: null, balance: '10000', ...over,
});

describe('public entries', () => {
  it('hashes only the leaf fields, in canonical form', () => {
    const a = leaf({});
    expect(publicLeafHash({ ...a, leafHash: 'ignored' } as PublicLeaf).equals(publicLeafHash(a))).toBe(true);
    expect(publicLeafHash(leaf({ amount: '10001' })).equals(publicLeafHash(a))).toBe(false);
    expect(Object.keys(toLeaf({ ...a, extra: 1 }))).not.toContain('extra');
  });

  it('commits to an anonymous donor name with a salt the donor alone receives', () => {
    const { salt, commitment } = createDonorCommitment('Huda');
    expect(commitment).toMatch(/^[0-9a-f]{64}$/);
    expect(verifyDonorCommitment(salt, 'Huda', commitment)).toBe(true);
    expect(verifyDonorCommitment(salt, 'Hudа', commitment)).toBe(false);
    expect(donorCommitment('00'.repeat(32), 'Huda')).not.toBe(donorCommitment('01'.repeat(32), 'Huda'));
  });

  it('recomputes the report: raised, gifts, donors, fees, refunds, disputes, payouts, balance, months', () => {
    // Gifts 100.00 (Amal), 50.00 (Amal again), 20.00 anonymous; fees 3.20 + 2.00; refund 20.00;
    // dispute 50.00 then won back; payout 100.00. Balance 100+50+20-3.20-2-20-50+50-100 = 44.80.
    const entries = [
      leaf({ index: 0, amount: '10000' }),
      leaf({ index: 1, kind: 'fee', amount: '-320', donor: null }),
      leaf({ index: 2, kind: 'platform_fee', amount: '-200', donor: null }),
      leaf({ index: 3, amount: '5000' }),
      leaf({ index: 4, time: '2026-02-01T00:00:00.000Z', amount: '2000', donor: 'Anonymous', donorCommitment: 'ab'.repeat(32) }),
      leaf({ index: 5, time: '2026-02-02T00:00:00.000Z', kind: 'refund', amount: '-2000', donor: null }),
      leaf({ index: 6, time: '2026-02-03T00:00:00.000Z', kind: 'dispute', amount: '-5000', donor: null }),
      leaf({ index: 7, time: '2026-02-04T00:00:00.000Z', kind: 'dispute_reversal', amount: '5000', donor: null }),
      leaf({ index: 8, time: '2026-03-01T00:00:00.000Z', kind: 'payout', amount: '-10000', donor: null, purpose: 'Blankets' }),
    ];
    const report = reportFromEntries('usd', entries);
    expect(report).toMatchObject({
      raised: '17000', gifts: 3, donors: 2, balance: '4480', entries: 9,
      fees: { processing: '320', platform: '200', total: '520' },
      refunds: { count: 1, amount: '-2000' },
      disputes: { net: '0' },
      payouts: { paid: { count: 1, amount: '-10000' }, net: '-10000' },
    });
    expect(report.monthly).toEqual([
      { month: '2026-01', raised: '15000', gifts: 2, out: '-520', offline: '0', net: '14480' },
      { month: '2026-02', raised: '2000', gifts: 1, out: '-2000', offline: '0', net: '0' },
      { month: '2026-03', raised: '0', gifts: 0, out: '-10000', offline: '0', net: '-10000' },
    ]);
  });
});

describe('terms_changed entries (leaf format 2)', () => {
  const terms = [{ field: 'goal' as const, from: '100000', to: '150000' }, { field: 'endsAt' as const, from: '2026-02-01T00:00:00.000Z', to: '2026-02-15T00:00:00.000Z' }];
  const change = leaf({ v: 2, index: 1, kind: 'terms_changed', amount: '0', donor: null, balance: '10000', terms });

  it('leaves every format-1 leaf hashing exactly as before (the 12 fields, no terms key, even if one is served)', () => {
    const a = leaf({});
    const expected = createHash('sha256').update(Buffer.concat([Buffer.from([0]), Buffer.from(canonicalJson({
      v: 1, campaign: 'c1', index: 0, time: '2026-01-05T10:00:00.000Z', kind: 'donation', amount: '10000', currency: 'usd',
      donor: 'Amal', donorCommitment: null, message: null, purpose: null, balance: '10000',
    }), 'utf8')])).digest();
    expect(publicLeafHash(a).equals(expected)).toBe(true);
    expect(publicLeafHash({ ...a, terms } as PublicLeaf).equals(expected)).toBe(true);
    expect(Object.keys(toLeaf(a))).not.toContain('terms');
  });

  it('commits to the changes: the terms are hashed, so altering them changes the leaf', () => {
    expect(Object.keys(toLeaf(change))).toContain('terms');
    const altered = leaf({ ...change, terms: [{ field: 'goal', from: '100000', to: '50000' }] });
    expect(publicLeafHash(altered).equals(publicLeafHash(change))).toBe(false);
    // the same entry without its terms (as a format-1 reader would take it) does not hash the same
    expect(publicLeafHash({ ...change, v: 1 }).equals(publicLeafHash(change))).toBe(false);
    expect(describeTermChange(terms[0])).toBe('goal changed from 100000 to 150000');
  });

  it('checks the shape of the changes', () => {
    expect(isTermChangeList(terms)).toBe(true);
    expect(isTermChangeList([])).toBe(false);
    expect(isTermChangeList([{ field: 'goal', from: '1', to: '1' }])).toBe(false); // no change
    expect(isTermChangeList([{ field: 'endsAt', from: null, to: 'x' }, { field: 'goal', from: '1', to: '2' }])).toBe(false); // order
    expect(isTermChangeList([{ field: 'title', from: 'a', to: 'b' }])).toBe(false);
    expect(isTermChangeList([{ field: 'goal', from: '1', to: '2', extra: 1 }])).toBe(false);
  });

  it('moves no money: balance and every total are unaffected, only the entry count grows', () => {
    const money = [leaf({ index: 0, amount: '10000' })];
    const before = reportFromEntries('usd', money);
    const after = reportFromEntries('usd', [...money, change]);
    expect(after).toEqual({ ...before, entries: 2 });
    expect(Object.keys(after.byKind)).not.toContain('terms_changed');
  });
});
