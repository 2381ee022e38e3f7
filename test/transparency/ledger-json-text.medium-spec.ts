import { INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createHash, randomUUID } from 'node:crypto';
import pg from 'pg';
import { ConfigModule } from '@ataa/config';
import { DatabaseModule, TransactionRunner } from '@ataa/database';
import { createTestEnvironment, TestEnvironment } from '@ataa/testing';
import { CampaignLog, LedgerCursor, LedgerPageRequest, PublicEntryKind, PublicLedgerAppender, PublicLedgerRedactor, PublicLedgerService, TransparencyModule } from '@ataa/transparency';
import { PublicLedgerRepository } from '../../libs/transparency/src/persistence/public-ledger.repository.js';
import { emptyRoot, encodeFrontier } from '../../libs/transparency/src/domain/index.js';
import { PublicLedgerPresenter } from '../../apps/api/src/transparency/public-ledger.presenter.js';
import { appendEntries, insertCampaign, insertLegacyEntries } from './support.js';

/**
 * The JSON ledger page built from the entries' JSON text made by PostgreSQL (ENTRY_JSON,
 * PublicLedgerService.jsonPage, PublicLedgerPresenter.ledgerJsonText) against the page it replaced:
 * the entries read as objects and `JSON.stringify`d with the rest (the reference kept here), byte
 * for byte, with the same cursors and cacheability, for every leaf format (1 to 5), redaction state,
 * filter, order, limit and cursor. Text that JSON escaping treats apart (quotes, backslashes,
 * control characters, `</script>`, U+2028, non-BMP characters, Arabic) is in names, messages,
 * purposes and redaction notes.
 */
describe('ledger JSON pages built in SQL (PostgreSQL)', () => {
  let env: TestEnvironment;
  let app: INestApplicationContext;
  let service: PublicLedgerService;
  let presenter: PublicLedgerPresenter;
  let repository: PublicLedgerRepository;
  const TRICKY = 'Quote " back\\slash \u0001\u001f\b\f\n\r\t </script> <b>&amp; \u2028\u2029 😀 ليلى é \u007f /';
  const reconciliation = { reconciledUpTo: '2026-03-01T00:00:00.000Z', openCount: 1, open: [{ id: 'x', note: TRICKY }], resolved: [] };
  const hash = (text: string) => createHash('sha256').update(text).digest();

  /** The page as the API built it before: rows as objects, then JSON.stringify of the whole answer. */
  const reference = async (log: CampaignLog, request: LedgerPageRequest) => {
    const page = await service.page(log, request);
    return { page, body: JSON.stringify({ ...presenter.ledgerJson(log, page, '/api/v1/public/campaigns/x'), reconciliation }) };
  };
  const built = async (log: CampaignLog, request: LedgerPageRequest) => {
    const page = await service.jsonPage(log, request);
    return { page, body: presenter.ledgerJsonText(log, page, '/api/v1/public/campaigns/x', reconciliation) };
  };

  /** Every page of a log: both orders, no filter and each kind and month present, limits 1, 3 and 50, from no cursor and either side of every index. */
  async function compareEveryPage(slug: string): Promise<number> {
    const log = await service.log(slug);
    const all = await service.page(log, { order: 'asc', cursor: null, kind: null, month: null, limit: 200 });
    const kinds = [...new Set(all.entries.map((e) => e.kind))] as PublicEntryKind[];
    const months = [...new Set(all.entries.map((e) => e.time.slice(0, 7)))];
    const filters = [{ kind: null, month: null }, ...kinds.map((kind) => ({ kind, month: null })), ...months.map((month) => ({ kind: null, month }))];
    const cursors: (LedgerCursor | null)[] = [null, ...[...Array(log.size + 2).keys()].flatMap((i) => [{ after: i }, { before: i }])];
    let compared = 0;
    for (const order of ['asc', 'desc'] as const) {
      for (const filter of filters) {
        for (const limit of [1, 3, 50]) {
          for (const cursor of cursors) {
            const request = { order, cursor, limit, ...filter };
            const [old, now] = await Promise.all([reference(log, request), built(log, request)]);
            const context = JSON.stringify(request);
            expect([context, now.body]).toEqual([context, old.body]);
            expect([context, now.page.next, now.page.prev, now.page.immutable, now.page.size]).toEqual([context, old.page.next, old.page.prev, old.page.immutable, old.page.size]);
            compared++;
          }
        }
      }
    }
    return compared;
  }

  beforeAll(async () => {
    env = await createTestEnvironment();
    @Module({ imports: [ConfigModule.forRoot(env.config), DatabaseModule, TransparencyModule] })
    class TestModule {}
    app = await NestFactory.createApplicationContext(TestModule, { logger: false });
    service = app.get(PublicLedgerService);
    repository = app.get(PublicLedgerRepository);
    presenter = new PublicLedgerPresenter(service);
  });
  afterAll(async () => {
    await app?.close();
    await env?.cleanup();
  });

  it('matches the old serializer on a log of format-1 entries continued in format 3 (terms, offline gifts, anonymous gifts), before and after redactions', async () => {
    const runner = app.get(TransactionRunner);
    const appender = app.get(PublicLedgerAppender);
    const redactor = app.get(PublicLedgerRedactor);
    const campaignId = await insertCampaign(env.database.url, { slug: 'json-text-mixed', title: `Title ${TRICKY}` });
    const layla = randomUUID();
    await insertLegacyEntries(env.database.url, campaignId, [
      { kind: 'donation', amount: 3000n, donor: `Layla ${TRICKY}`, message: `Old note ${TRICKY}`, sourceRef: layla },
      { kind: 'fee', amount: -90n },
      { kind: 'donation', amount: 1000n, donor: null },
    ]);
    const at = (day: number) => new Date(Date.UTC(2026, 0, 1) + day * 86_400_000 + 123);
    await appendEntries(runner, appender, campaignId, [
      { kind: 'donation', amount: 5000n, occurredAt: at(0), donorDisplayName: `Amal ${TRICKY}`, publicMessage: `For the winter ${TRICKY}` },
      { kind: 'fee', amount: -150n, occurredAt: at(0) },
      { kind: 'donation', amount: 2500n, occurredAt: at(3) },
      { kind: 'donation', amount: 700n, occurredAt: at(31), donorDisplayName: null, publicMessage: 'From a neighbour' },
      { kind: 'terms_changed', amount: 0n, occurredAt: at(32), terms: [{ field: 'goal', from: '1000000', to: '2000000' }, { field: 'endsAt', from: null, to: '2026-06-01T00:00:00.000Z' }] },
      { kind: 'offline_gift', amount: 1200n, occurredAt: at(33), donorDisplayName: 'Cash donor', payoutPurpose: 'cash' },
      { kind: 'payout', amount: -4000n, occurredAt: at(40), payoutPurpose: `Blankets ${TRICKY}` },
    ]);
    expect(await compareEveryPage('json-text-mixed')).toBeGreaterThan(1000);

    await runner.run((manager) => redactor.redact(manager, [
      { campaignId, target: { sourceRefs: [layla] }, fields: ['donor', 'message'], reason: 'erased', note: null },
      { campaignId, target: { indexes: [3] }, fields: ['message'], reason: 'hidden', note: `Advertising ${TRICKY}` },
      { campaignId, target: { indexes: [3] }, fields: ['donor'], reason: 'erased', note: null },
    ]));
    const log = await service.log('json-text-mixed');
    const redacted = await service.page(log, { order: 'asc', cursor: null, kind: null, month: null, limit: 10 });
    expect(redacted.entries.filter((e) => e.redacted !== null).map((e) => e.index)).toEqual([0, 3]);
    await compareEveryPage('json-text-mixed');
  }, 300_000);

  it('matches the old serializer for every shape the table allows: format 2, format 4 (with and without draws), format 5, offline voids, evidence', async () => {
    const campaignId = await insertCampaign(env.database.url, { slug: 'json-text-shapes' });
    const client = new pg.Client({ connectionString: env.database.url });
    await client.connect();
    try {
      const salt = (n: number) => hash(`salt ${n}`);
      const rows: Record<string, unknown>[] = [
        { kind: 'donation', amount: 1000, donor_name: TRICKY, public_message: TRICKY },
        // Format 2: a term change appended before format 3 (leaf_format NULL, terms present).
        { kind: 'terms_changed', amount: 0, terms: '[{"field":"goal","from":"100","to":"200"}]' },
        { kind: 'terms_changed', amount: 0, terms: '[{"field":"startsAt","from":null,"to":"2026-01-01T00:00:00.000Z"}]', leaf_format: 3 },
        // Format 3 with both commitments, then redacted records with spaces and commas inside strings.
        { kind: 'donation', amount: 2000, leaf_format: 3, donor_name: 'Amal', donor_hash: hash('d'), donor_salt: salt(1), public_message: 'Hi, "you": there', message_hash: hash('m'), message_salt: salt(2) },
        { kind: 'donation', amount: 2100, leaf_format: 3, donor_hash: hash('d2'), message_hash: hash('m2'), redactions: { donor: { reason: 'erased', note: null, at: '2026-04-01T00:00:00.000Z' }, message: { reason: 'hidden', note: `a, b: "c" {d} [e] ${TRICKY}`, at: '2026-04-02T00:00:00.000Z' } } },
        { kind: 'donation', amount: 300, leaf_format: 3, donor_commitment: 'ab'.repeat(32) },
        // Format 4: a designated gift, a payout with its draws, a payout whose draws are not stored.
        { kind: 'donation', amount: 5000, leaf_format: 4, designation: 'zakat', donor_name: 'Sami', donor_hash: hash('s'), donor_salt: salt(3) },
        { kind: 'payout', amount: -1500, leaf_format: 4, designation: 'zakat', draws: [{ index: 6, amount: '1000' }, { index: 7, amount: '500' }], payout_purpose: 'Food' },
        { kind: 'payout', amount: -100, leaf_format: 4, designation: 'zakat' },
        { kind: 'fee', amount: -30, leaf_format: 4, designation: 'general-fund' },
        // Format 5: a split payout and its reversal.
        { kind: 'payout', amount: -700, leaf_format: 5, parts: [{ designation: 'general', amount: '200', draws: [{ index: 0, amount: '200' }] }, { designation: 'zakat', amount: '500', draws: [{ index: 6, amount: '500' }] }] },
        { kind: 'payout_reversal', amount: 700, leaf_format: 5, parts: [{ designation: 'general', amount: '200' }, { designation: 'zakat', amount: '500' }] },
        // Offline gifts and their voids (the notice and who vouches), in format 3 and format 1.
        { kind: 'offline_gift', amount: 900, leaf_format: 3, payout_purpose: 'cheque', donor_name: 'Walk-in', donor_hash: hash('w'), donor_salt: salt(4) },
        { kind: 'offline_gift_void', amount: -900, leaf_format: 3, payout_purpose: `void of entry 12: ${TRICKY}` },
        { kind: 'offline_gift', amount: 400, payout_purpose: 'cash' },
        { kind: 'evidence', amount: 0, leaf_format: 3, payout_purpose: 'evidence of entry 7: application/pdf 1234 bytes sha256 ' + 'c'.repeat(64) },
        // Format 1 redacted (its name and message gone), and a plain refund.
        { kind: 'donation', amount: 800, redactions: { donor: { reason: 'erased', note: null, at: '2026-05-01T00:00:00.000Z' } } },
        { kind: 'refund', amount: -800 },
      ];
      let balance = 0;
      for (const [index, row] of rows.entries()) {
        balance += row.amount as number;
        const time = new Date(Date.UTC(2026, index % 3, 1 + index, 10, 5, 7, index * 37));
        await client.query(
          `INSERT INTO public_ledger_entries (campaign_id, idx, occurred_at, month, kind, amount, currency, donor_name, donor_commitment, public_message, payout_purpose,
             balance, leaf_hash, source_ref, terms, leaf_format, donor_hash, donor_salt, message_hash, message_salt, redactions, designation, draws, parts)
           VALUES ($1, $2, $3, $4, $5, $6, 'usd', $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23)`,
          [
            campaignId, index, time.toISOString(), time.toISOString().slice(0, 7), row.kind, row.amount, row.donor_name ?? null, row.donor_commitment ?? null, row.public_message ?? null,
            row.payout_purpose ?? null, balance, hash(`leaf ${index}`), randomUUID(), row.terms ?? null, row.leaf_format ?? null, row.donor_hash ?? null, row.donor_salt ?? null,
            row.message_hash ?? null, row.message_salt ?? null, row.redactions ? JSON.stringify(row.redactions) : null, row.designation ?? null,
            row.draws ? JSON.stringify(row.draws) : null, row.parts ? JSON.stringify(row.parts) : null,
          ],
        );
      }
      await client.query(
        `INSERT INTO transparency_logs (campaign_id, currency, size, root_hash, frontier, balance, donors) VALUES ($1, 'usd', $2, $3, $4, $5, 0)`,
        [campaignId, rows.length, emptyRoot(), encodeFrontier([]), balance],
      );
    } finally {
      await client.end();
    }
    const log = await service.log('json-text-shapes');
    const all = await service.page(log, { order: 'asc', cursor: null, kind: null, month: null, limit: 50 });
    expect(new Set(all.entries.map((e) => e.v))).toEqual(new Set([1, 2, 3, 4, 5]));
    expect(await compareEveryPage('json-text-shapes')).toBeGreaterThan(1000);
  }, 300_000);

  it('reads a campaign\'s partition directly, and the partitioned table when the partition kept is gone or holds no longer the campaign', async () => {
    const log = await service.log('json-text-shapes');
    const bounds = [{ order: 'desc' as const, from: null }, { order: 'asc' as const, from: 3 }, { order: 'desc' as const, from: 9 }];
    const expected = await repository.pages(log.campaign.id, log.size, 4, bounds);
    const partitions = (repository as unknown as { partitions: Map<string, string> }).partitions;
    const own = partitions.get(log.campaign.id);
    expect(own).toMatch(/^public_ledger_entries_p[0-7]$/);
    const other = `public_ledger_entries_p${(Number(own!.slice(-1)) + 1) % 8}`;
    for (const wrong of [other, 'public_ledger_entries_gone']) {
      partitions.set(log.campaign.id, wrong);
      expect(await repository.pages(log.campaign.id, log.size, 4, bounds)).toEqual(expected);
      // Found again on the next read.
      expect(partitions.has(log.campaign.id)).toBe(false);
      expect(await repository.pages(log.campaign.id, log.size, 4, bounds)).toEqual(expected);
      expect(partitions.get(log.campaign.id)).toBe(own);
    }
  });
});
