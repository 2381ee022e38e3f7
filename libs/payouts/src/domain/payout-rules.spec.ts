import { DomainError } from '@ataa/common';
import { approvalFor, canMove, cleanPurpose, parseRequestedAmount, requestFingerprint, resolvePayoutAmount } from './payout-rules.js';

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (error) {
    return (error as DomainError).code;
  }
  return undefined;
};

describe('payout rules', () => {
  it('approves automatically at or under the threshold, not above', () => {
    expect(approvalFor(10_000n, 10_000n)).toBe('automatic');
    expect(approvalFor(10_001n, 10_000n)).toBe('operator');
    // no threshold set (-1): every payout goes to the operator
    expect(approvalFor(1n, -1n)).toBe('operator');
  });

  it('resolves "all" to what is available and refuses zero, negative, too much and another currency', () => {
    expect(resolvePayoutAmount('all', 'usd', 'usd', 9_480n)).toBe(9_480n);
    expect(resolvePayoutAmount(9_480n, 'usd', 'usd', 9_480n)).toBe(9_480n);
    expect(codeOf(() => resolvePayoutAmount(0n, 'usd', 'usd', 9_480n))).toBe('payout_amount_invalid');
    expect(codeOf(() => resolvePayoutAmount(-5n, 'usd', 'usd', 9_480n))).toBe('payout_amount_invalid');
    expect(codeOf(() => resolvePayoutAmount(9_481n, 'usd', 'usd', 9_480n))).toBe('insufficient_funds');
    expect(codeOf(() => resolvePayoutAmount(100n, 'eur', 'usd', 9_480n))).toBe('currency_mismatch');
    expect(codeOf(() => resolvePayoutAmount('all', 'usd', 'usd', 0n))).toBe('insufficient_funds');
  });

  it('parses amounts strictly', () => {
    expect(parseRequestedAmount('all')).toBe('all');
    expect(parseRequestedAmount('250')).toBe(250n);
    expect(parseRequestedAmount('-5')).toBe(-5n);
    expect(codeOf(() => parseRequestedAmount('12.5'))).toBe('payout_amount_invalid');
  });

  it('moves only forward', () => {
    expect(canMove('pending_approval', 'approved')).toBe(true);
    expect(canMove('approved', 'cancelled')).toBe(true);
    expect(canMove('processing', 'cancelled')).toBe(false);
    expect(canMove('paid', 'processing')).toBe(false);
    expect(canMove('paid', 'reversed')).toBe(true);
    expect(canMove('failed', 'approved')).toBe(false);
  });

  it('needs a purpose and fingerprints requests', () => {
    expect(cleanPurpose('  Water pump ')).toBe('Water pump');
    expect(codeOf(() => cleanPurpose('Water pump \u0007'))).toBe('payout_purpose_invalid');
    expect(codeOf(() => cleanPurpose('😀'.repeat(501)))).toBe('payout_purpose_invalid');
    expect(cleanPurpose('😀'.repeat(500))).toHaveLength(1000);
    expect(codeOf(() => cleanPurpose('   '))).toBe('payout_purpose_required');
    const base = { campaignId: 'c', amount: '100', currency: 'usd', purpose: 'p', privateNote: null };
    expect(requestFingerprint(base)).toBe(requestFingerprint({ ...base }));
    expect(requestFingerprint(base)).not.toBe(requestFingerprint({ ...base, amount: '101' }));
  });
});
