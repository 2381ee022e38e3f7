import type { PublicReconciliation } from '@ataa/reconciliation';
import { ReconciliationStatements } from './reconciliation-statements.js';

const statement = (openCount: number): PublicReconciliation => ({ reconciledUpTo: null, lastRunAt: null, openCount, open: [], resolved: [] });

describe('ReconciliationStatements (one read per reconciliation version and log size)', () => {
  it('reads a campaign once per version, again when the version changes, and each campaign apart', async () => {
    const reads: string[] = [];
    let open = 0;
    const statements = new ReconciliationStatements(async (campaignId) => {
      reads.push(campaignId);
      return statement(open);
    });
    // Concurrent answers of one version share the read in flight.
    const [a, b] = await Promise.all([statements.of('c1', 'rec:r1|10'), statements.of('c1', 'rec:r1|10')]);
    expect([a.openCount, b.openCount, reads]).toEqual([0, 0, ['c1']]);
    open = 1;
    expect((await statements.of('c1', 'rec:r1|10')).openCount).toBe(0);
    // A new run or a new entry: read again, and that is what is kept.
    expect((await statements.of('c1', 'rec:r2|10')).openCount).toBe(1);
    expect((await statements.of('c1', 'rec:r2|11')).openCount).toBe(1);
    expect((await statements.of('c2', 'rec:r2|11')).openCount).toBe(1);
    expect(reads).toEqual(['c1', 'c1', 'c1', 'c2']);
  });

  it('keeps no failed read: the next answer reads again', async () => {
    let fail = true;
    const statements = new ReconciliationStatements(async () => {
      if (fail) throw new Error('connection lost');
      return statement(2);
    });
    await expect(statements.of('c1', 'v')).rejects.toThrow('connection lost');
    fail = false;
    expect((await statements.of('c1', 'v')).openCount).toBe(2);
  });

  it('holds at most maxCampaigns campaigns', async () => {
    const reads: string[] = [];
    const statements = new ReconciliationStatements(async (campaignId) => {
      reads.push(campaignId);
      return statement(0);
    }, 2);
    for (const id of ['c1', 'c2', 'c3', 'c1']) await statements.of(id, 'v');
    expect(reads).toEqual(['c1', 'c2', 'c3', 'c1']);
  });
});
