import type { WitnessRepository } from './persistence/witness.repository.js';
import { AppConfig } from '@ataa/config';
import type { ReadReplicas } from '@ataa/database';
import { createSigner, privateKeyFromSeed } from './domain/index.js';
import type { EntryPageQuery, PageBound, PublicLedgerRepository, StoredEntry } from './persistence/public-ledger.repository.js';
import { CampaignLog, decodeCursor, encodeCursor, PublicLedgerService } from './public-ledger.service.js';

/** An in-memory stand-in for the repository's keyset reads, recording every query it answers. */
function fakeRepository(size: number, kindOf: (index: number) => StoredEntry['kind'] = () => 'donation') {
  const queries: EntryPageQuery[] = [];
  const batches: PageBound[][] = [];
  const all: StoredEntry[] = Array.from({ length: size }, (_, index) => ({
    v: 1, campaign: 'c1', index, time: '2026-01-01T00:00:00.000Z', kind: kindOf(index), amount: '100', currency: 'usd',
    donor: null, donorCommitment: null, message: null, purpose: null, balance: String(100 * (index + 1)), redacted: null, leafHash: '00'.repeat(32),
  }));
  const repository = {
    async page(_campaignId: string, query: EntryPageQuery): Promise<StoredEntry[]> {
      queries.push(query);
      const matching = all.filter((e) => e.index < query.size && (query.kind === null || e.kind === query.kind));
      const beyond = matching.filter((e) => query.from === null || (query.order === 'asc' ? e.index > query.from : e.index < query.from));
      const ordered = query.order === 'asc' ? beyond : [...beyond].reverse();
      return ordered.slice(0, query.limit);
    },
    /** The page and, without recording another query, whether a match lies behind the cursor (at it or beyond, the other way). */
    async pageFrom(campaignId: string, query: EntryPageQuery & { from: number }): Promise<{ entries: StoredEntry[]; behind: boolean }> {
      const entries = await repository.page(campaignId, query);
      const behind = all.some((e) => e.index < query.size && (query.kind === null || e.kind === query.kind) && (query.order === 'asc' ? e.index <= query.from : e.index >= query.from));
      return { entries, behind: entries.length > 0 && behind };
    },
    /** Unfiltered pages read together: each as `page` or `pageFrom` answers it (every call's bounds recorded). */
    async pages(campaignId: string, size: number, limit: number, bounds: PageBound[]): Promise<{ entries: StoredEntry[]; behind: boolean }[]> {
      batches.push(bounds);
      return Promise.all(bounds.map(async ({ order, from }) => {
        const query = { order, size, limit, kind: null, month: null };
        return from === null ? { entries: await repository.page(campaignId, { ...query, from }), behind: false } : repository.pageFrom(campaignId, { ...query, from });
      }));
    },
  };
  return { repository: repository as unknown as PublicLedgerRepository, queries, batches };
}

const signer = createSigner('ataa.test', privateKeyFromSeed(Buffer.alloc(32, 3)));
const logOf = (size: number): CampaignLog => ({
  campaign: { id: 'c1', slug: 'c', title: 'C', currency: 'usd', language: 'en', status: 'published' },
  size, rootHash: Buffer.alloc(32), balance: 0n, donors: 0, redactions: 0, origin: 'ataa.test/campaigns/c1',
});
const serviceOver = (repository: PublicLedgerRepository) =>
  new PublicLedgerService(repository, new AppConfig(), signer, {} as WitnessRepository, { primary: { name: 'primary', replica: false } } as unknown as ReadReplicas);

describe('public ledger read side', () => {
  it('keeps as many megabytes of entries\' JSON as PUBLIC_ENTRY_CACHE_MB says', () => {
    const service = (mb: number) => new PublicLedgerService(fakeRepository(0).repository, Object.assign(new AppConfig(), { PUBLIC_ENTRY_CACHE_MB: mb }), signer, {} as WitnessRepository, { primary: { name: 'primary', replica: false } } as unknown as ReadReplicas);
    expect(service(64)['entryCache'].maxBytes).toBe(64 * 1024 * 1024);
    expect(service(3)['entryCache'].maxBytes).toBe(3 * 1024 * 1024);
  });

  it('exports by keyset batches pulled one at a time, each starting after the last index', async () => {
    const { repository, queries } = fakeRepository(2500);
    const batches = serviceOver(repository).allEntries(logOf(2500), 1000);
    const first = await batches.next();
    // Lazy: nothing is read beyond what the consumer asked for.
    expect([first.value?.length, queries.length]).toEqual([1000, 1]);
    const sizes = [first.value?.length];
    for await (const batch of batches) sizes.push(batch.length);
    expect(sizes).toEqual([1000, 1000, 500]);
    expect(queries.map((q) => [q.order, q.from, q.limit, q.size])).toEqual([['asc', null, 1000, 2500], ['asc', 999, 1000, 2500], ['asc', 1999, 1000, 2500]]);
  });

  it('reads a page with one row ahead, and with a cursor learns the other side in the same read', async () => {
    const { repository, queries } = fakeRepository(10);
    const service = serviceOver(repository);
    const newest = await service.page(logOf(10), { order: 'desc', cursor: null, kind: null, month: null, limit: 3 });
    expect(newest.entries.map((e) => e.index)).toEqual([9, 8, 7]);
    expect([newest.prev, newest.next && decodeCursor(newest.next)]).toEqual([null, { before: 7 }]);
    expect(queries.map((q) => q.limit)).toEqual([4]);

    queries.length = 0;
    const older = await service.page(logOf(10), { order: 'desc', cursor: decodeCursor(newest.next as string), kind: null, month: null, limit: 3 });
    expect(older.entries.map((e) => e.index)).toEqual([6, 5, 4]);
    expect([older.prev && decodeCursor(older.prev), older.next && decodeCursor(older.next), older.immutable]).toEqual([{ after: 6 }, { before: 4 }, true]);
    // The other side (is there a newer page?) comes with the same read.
    expect(queries.map((q) => q.limit)).toEqual([4]);

    // Back towards the newest: read away from the cursor, then put in the requested order.
    const back = await service.page(logOf(10), { order: 'desc', cursor: { after: 6 }, kind: null, month: null, limit: 3 });
    expect([back.entries.map((e) => e.index), back.prev, back.next]).toEqual([[9, 8, 7], null, encodeCursor({ before: 7 })]);

    const last = await service.page(logOf(10), { order: 'asc', cursor: { after: 6 }, kind: null, month: null, limit: 3 });
    expect([last.entries.map((e) => e.index), last.next, last.prev]).toEqual([[7, 8, 9], null, encodeCursor({ before: 7 })]);
    const empty = await service.page(logOf(10), { order: 'asc', cursor: { after: 9 }, kind: null, month: null, limit: 3 });
    expect([empty.entries, empty.next, empty.prev]).toEqual([[], null, null]);
  });

  it('never reads entries appended after the size the page is read against', async () => {
    const { repository, queries } = fakeRepository(10, (i) => (i % 2 === 0 ? 'donation' : 'fee'));
    const page = await serviceOver(repository).page(logOf(6), { order: 'desc', cursor: null, kind: 'fee', month: null, limit: 50 });
    expect(page.entries.map((e) => e.index)).toEqual([5, 3, 1]);
    expect(queries.every((q) => q.size === 6 && q.kind === 'fee')).toBe(true);
  });

  it('reads the unfiltered pages requested together in one read, each page as if read alone', async () => {
    const { repository, batches } = fakeRepository(40);
    const service = serviceOver(repository);
    const requests = [
      { order: 'desc', cursor: null }, { order: 'desc', cursor: { before: 20 } }, { order: 'asc', cursor: { after: 5 } }, { order: 'desc', cursor: { after: 30 } },
      { order: 'asc', cursor: null }, { order: 'desc', cursor: { before: 3 } }, { order: 'asc', cursor: { before: 12 } },
    ] as const;
    const together = await Promise.all(requests.map((r) => service.page(logOf(40), { ...r, kind: null, month: null, limit: 5 })));
    // Requested together (in one turn of the event loop): one read begun after all of them serves them all.
    expect(batches.map((b) => b.length)).toEqual([7]);
    const alone = [];
    for (const r of requests) alone.push(await serviceOver(fakeRepository(40).repository).page(logOf(40), { ...r, kind: null, month: null, limit: 5 }));
    expect(together).toEqual(alone);
    expect(together[1].entries.map((e) => e.index)).toEqual([19, 18, 17, 16, 15]);
  });
});
