import { reconciliationLines } from './reconciliation-lines.js';

describe('the verifier\'s reconciliation lines', () => {
  const head = "reconciliation with the payment processor (the platform's statement, not provable from the log):";

  it('prints the statement, each open difference (kind, movement, amounts, age) and each resolution', () => {
    const lines = reconciliationLines({
      reconciledUpTo: '2026-03-04T09:00:00.000Z', lastRunAt: '2026-03-04T10:00:05.000Z', openCount: 1,
      open: [{ kind: 'missing_in_ledger', movement: 'refund', processorAmount: '-500', ledgerAmount: null, currency: 'usd', occurredAt: '2026-03-01T09:00:00.000Z', ageSeconds: 3 * 86_400, entries: [], resolution: null }],
      resolved: [{ kind: 'amount_mismatch', movement: 'donation', processorAmount: '2500', ledgerAmount: '2600', currency: 'usd', occurredAt: '2026-02-01T09:00:00.000Z', ageSeconds: 600, entries: [3], resolution: { at: '2026-02-02T00:00:00.000Z', entries: [12] } }],
    }, 10);
    expect(lines).toEqual([
      `${head} reconciled up to 2026-03-04T09:00:00.000Z: 1 difference open`,
      '  open missing_in_ledger (refund): payment processor -500 usd, ledger none, happened 2026-03-01T09:00:00.000Z, open 3 days',
      '  resolved amount_mismatch (donation): payment processor 2500 usd, ledger 2600 usd, happened 2026-02-01T09:00:00.000Z, resolved 2026-02-02T00:00:00.000Z after less than a day, entries #3, now posted as #12 (beyond the verified log)',
    ]);
  });

  it('says so when the site gives no statement or never reconciled, and neuters control characters', () => {
    expect(reconciliationLines(undefined, 0)).toEqual([`${head} none given`]);
    expect(reconciliationLines({ reconciledUpTo: null, openCount: 0, open: [], resolved: [] }, 0)).toEqual([`${head} not reconciled yet`]);
    const [, line] = reconciliationLines({ reconciledUpTo: 'x', openCount: 2, open: [{ kind: 'dup\u001b[31m', movement: 'refund', currency: 'usd', processorAmount: null, ledgerAmount: '1', occurredAt: 't', ageSeconds: 0, entries: [] }], resolved: [] }, 1);
    expect(line).toContain('open ? (refund)');
    expect(reconciliationLines({ reconciledUpTo: 'x', openCount: 2, open: [], resolved: [] }, 1)).toContain('  (2 more open, not listed)');
  });
});
