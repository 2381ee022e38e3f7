import { toPublicReconciliation, type CampaignDifferenceFacts } from './public-reconciliation.js';

const at = (iso: string) => new Date(iso);
const difference = (over: Partial<CampaignDifferenceFacts> = {}): CampaignDifferenceFacts => ({
  id: '7d1f6c7e-1111-4222-8333-944455556666', kind: 'missing_in_ledger', ledgerKind: 'refund', stripeAmount: -500n, ledgerAmount: null, currency: 'usd',
  occurredAt: at('2026-03-01T09:00:00Z'), firstSeenAt: at('2026-03-01T10:00:00Z'), resolvedAt: null, entryIndexes: [], objectIndexes: [], ...over,
});

describe('the public reconciliation statement', () => {
  const run = { windowEnd: at('2026-03-04T10:00:00Z'), graceMs: 3_600_000, finishedAt: at('2026-03-04T10:00:05Z') };

  it('is reconciled up to the last run\'s end less its grace window; an open difference\'s age runs to that run', () => {
    const statement = toPublicReconciliation(run, 1, [difference()], []);
    expect(statement.reconciledUpTo).toBe('2026-03-04T09:00:00.000Z');
    expect(statement.lastRunAt).toBe('2026-03-04T10:00:05.000Z');
    // first seen 03-01 10:00:00, last run finished 03-04 10:00:05: 3 days and 5 s
    expect(statement.open).toEqual([{
      id: '7d1f6c7e-1111-4222-8333-944455556666', kind: 'missing_in_ledger', movement: 'refund', processorAmount: '-500', ledgerAmount: null, currency: 'usd',
      occurredAt: '2026-03-01T09:00:00.000Z', openedAt: '2026-03-01T10:00:00.000Z', ageSeconds: 3 * 86_400 + 5, entries: [], resolution: null,
    }]);
  });

  it('a resolved difference\'s age runs to its resolution, which names the public entries posted for its movement', () => {
    const statement = toPublicReconciliation(run, 0, [], [difference({ resolvedAt: at('2026-03-02T10:00:00Z'), objectIndexes: [9, 7, 9], entryIndexes: [3] })]);
    expect(statement.resolved[0]).toMatchObject({ ageSeconds: 86_400, entries: [3], resolution: { at: '2026-03-02T10:00:00.000Z', entries: [7, 9] } });
  });

  it('never reconciled: no time, nothing open; openCount stays the true count when the list is cut', () => {
    expect(toPublicReconciliation(null, 0, [], [])).toEqual({ reconciledUpTo: null, lastRunAt: null, openCount: 0, open: [], resolved: [] });
    const many = Array.from({ length: 120 }, () => difference());
    const statement = toPublicReconciliation(run, 120, many, []);
    expect([statement.openCount, statement.open.length]).toEqual([120, 100]);
  });

  it('carries nothing but the public fields (no Stripe ids, no operator details)', () => {
    const statement = toPublicReconciliation(run, 1, [{ ...difference(), ...{ stripeObjectId: 're_123', details: { chargeId: 'ch_1' } } } as CampaignDifferenceFacts], []);
    expect(JSON.stringify(statement)).not.toMatch(/re_123|ch_1/);
  });
});
