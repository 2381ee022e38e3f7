import { jest } from '@jest/globals';
import { TransactionRunner } from '@ataa/database';
import { CampaignLog, LedgerCursor, LedgerPageRequest, PublicLedgerAppender, PublicLedgerRedactor, PublicLedgerService } from '@ataa/transparency';
import { PublicLedgerRepository } from '../../libs/transparency/src/persistence/public-ledger.repository.js';
import { appendEntries, insertCampaign, insertLegacyEntries, SeedEntry, startTransparencyContext } from './support.js';

/**
 * PublicLedgerService.jsonPage (issue 18: ledger pages at any depth) against PostgreSQL: unfiltered
 * pages put together from the entry cache's chunks of 64 entries must be exactly what `page` reads —
 * the same entries' JSON byte for byte, the same cursors and the same immutability — from every
 * cursor around chunk edges, in both orders, at several limits; after the log grows (the chunk at its
 * end read again) and after a redaction (every chunk read again). Leaf formats 1 and 3 both occur.
 */
describe('ledger pages as JSON from the entry cache (PostgreSQL)', () => {
  let context: Awaited<ReturnType<typeof startTransparencyContext>>;
  let appender: PublicLedgerAppender;
  let redactor: PublicLedgerRedactor;
  let service: PublicLedgerService;
  let runner: TransactionRunner;
  let campaignId: string;

  const gifts = (count: number, from: number): SeedEntry[] =>
    Array.from({ length: count }, (_, i) => {
      const n = from + i;
      const at = new Date(Date.UTC(2026, 0, 1) + n * 3_600_000);
      if (n % 7 === 3) return { kind: 'fee', amount: -BigInt(30 + n), occurredAt: at };
      if (n % 11 === 5) return { kind: 'donation', amount: BigInt(500 + n), occurredAt: at };
      // Names and messages in Arabic too: JSON of characters outside ASCII.
      return { kind: 'donation', amount: BigInt(1000 + n), occurredAt: at, donorDisplayName: n % 2 ? `Donor ${n}` : `متبرع ${n}`, publicMessage: n % 3 ? null : `"Quoted" \\ note ${n} ✓` };
    });

  /** Every page request worth asking of a log of `size`: around each chunk edge, both ends and past them. */
  const requests = (size: number): LedgerPageRequest[] => {
    const at = [0, 1, 2, 49, 50, 51, 62, 63, 64, 65, 100, 127, 128, 129, 130, size - 2, size - 1, size, size + 1, size + 64, 1e15].filter((i) => i >= 0);
    const cursors: (LedgerCursor | null)[] = [null, ...at.flatMap((i) => [{ after: i }, { before: i }])];
    return (['asc', 'desc'] as const).flatMap((order) => [1, 2, 50, 63, 64, 65, 129, 200].flatMap((limit) => cursors.map((cursor) => ({ order, cursor, kind: null, month: null, limit }))));
  };

  /** Every request's JSON page against the page read from the database, as the JSON ledger wrote it before (JSON.stringify of the entries). */
  const expectSameAsPage = async (log: CampaignLog): Promise<number> => {
    let compared = 0;
    for (const request of requests(log.size)) {
      const [json, runs, page] = await Promise.all([service.jsonPage(log, request), service.jsonPageRuns(log, request), service.page(log, request)]);
      const { entries, ...cursors } = page;
      const context = JSON.stringify(request);
      expect([context, json.entriesJson]).toEqual([context, JSON.stringify(entries)]);
      expect([context, { ...json, entriesJson: undefined }]).toEqual([context, { ...cursors, entriesJson: undefined }]);
      // newest first: the same entries as runs of the cache's bytes (the fast path's); oldest first: none
      if (request.order === 'desc') {
        expect(runs).not.toBeNull();
        const { entryRuns, ...runCursors } = runs!;
        expect([context, `[${entryRuns.map(String).join(',')}]`]).toEqual([context, JSON.stringify(entries)]);
        expect([context, runCursors]).toEqual([context, cursors]);
      } else {
        expect([context, runs]).toEqual([context, null]);
      }
      compared++;
    }
    return compared;
  };

  beforeAll(async () => {
    context = await startTransparencyContext();
    const { app } = context;
    appender = app.get(PublicLedgerAppender);
    redactor = app.get(PublicLedgerRedactor);
    service = app.get(PublicLedgerService);
    runner = app.get(TransactionRunner);
    campaignId = await insertCampaign(context.env.database.url, { slug: 'json-pages' });
    // 0..69: leaf format 1 (entries appended before format 3), then format 3 from 70 on.
    await insertLegacyEntries(context.env.database.url, campaignId, Array.from({ length: 70 }, (_, i) => (
      i % 5 === 1 ? { kind: 'fee' as const, amount: -BigInt(10 + i) } : { kind: 'donation' as const, amount: BigInt(100 + i), donor: i % 2 ? `Legacy ${i}` : null, message: i % 4 ? null : `Old note ${i}` }
    )));
    await appendEntries(runner, appender, campaignId, gifts(70, 70));
  });
  afterAll(async () => {
    await context?.close();
  });

  it('serves every unfiltered page exactly as read from the database, from the cache and cold alike', async () => {
    const log = await service.log('json-pages');
    expect(log.size).toBe(140);
    // First pass reads chunks as pages need them; the second serves them all from the cache.
    const chunkReads = jest.spyOn(context.app.get(PublicLedgerRepository), 'entryRanges');
    expect(await expectSameAsPage(log)).toBeGreaterThan(600);
    expect(chunkReads).toHaveBeenCalled();
    chunkReads.mockClear();
    await expectSameAsPage(log);
    expect(chunkReads).not.toHaveBeenCalled();
    chunkReads.mockRestore();
  });

  it('reads the chunk at the end of the log again when the log grows, and keeps serving older chunks', async () => {
    const before = await service.log('json-pages');
    await expectSameAsPage(before);
    await appendEntries(runner, appender, campaignId, gifts(60, 140));
    const after = await service.log('json-pages');
    expect(after.size).toBe(200);
    await expectSameAsPage(after);
    // A request made at the older size (its head read before the appends) still gets that size's pages.
    const old = await service.jsonPage(before, { order: 'desc', cursor: null, kind: null, month: null, limit: 50 });
    expect(JSON.parse(old.entriesJson).map((e: { index: number }) => e.index)).toEqual([...Array(50).keys()].map((i) => 139 - i));
  });

  it('shows a redaction on the very next request: the campaign\'s chunks are read again at the new count', async () => {
    const before = await service.log('json-pages');
    const request: LedgerPageRequest = { order: 'asc', cursor: { after: 60 }, kind: null, month: null, limit: 50 };
    const shown = JSON.parse((await service.jsonPage(before, request)).entriesJson) as { index: number; donor: string | null }[];
    expect(shown.find((e) => e.index === 75)?.donor).toBe('Donor 75');
    expect(shown.find((e) => e.index === 65)?.donor).toBe('Legacy 65');
    await runner.run((manager) => redactor.redact(manager, [{ campaignId, target: { indexes: [65, 75] }, fields: ['donor'], reason: 'erased', note: null }]));
    const after = await service.log('json-pages');
    expect(after.redactions).toBe(before.redactions + 1);
    const now = JSON.parse((await service.jsonPage(after, request)).entriesJson) as { index: number; donor: string | null; redacted: unknown }[];
    expect(now.find((e) => e.index === 75)).toMatchObject({ donor: null, redacted: { donor: { reason: 'erased' } } });
    expect(now.find((e) => e.index === 65)).toMatchObject({ donor: null, redacted: { donor: { reason: 'erased' } } });
    await expectSameAsPage(after);
  });

  it('reads filtered pages (kind, month) as `page` does', async () => {
    const log = await service.log('json-pages');
    for (const filter of [{ kind: 'fee' as const, month: null }, { kind: null, month: '2026-01' }]) {
      for (const cursor of [null, { before: 100 }, { after: 10 }]) {
        const request: LedgerPageRequest = { order: 'desc', cursor, ...filter, limit: 20 };
        const [json, page] = await Promise.all([service.jsonPage(log, request), service.page(log, request)]);
        expect(json.entriesJson).toBe(JSON.stringify(page.entries));
        expect([json.next, json.prev, json.immutable]).toEqual([page.next, page.prev, page.immutable]);
      }
    }
  });
});
