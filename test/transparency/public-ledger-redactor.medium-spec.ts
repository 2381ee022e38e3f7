import { INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ConfigModule } from '@ataa/config';
import { DatabaseModule, TransactionRunner } from '@ataa/database';
import { createTestEnvironment, TestEnvironment } from '@ataa/testing';
import { PublicLedgerAppender, PublicLedgerRedactor, PublicLedgerService, PublicRedaction, StoredEntry, TransparencyModule } from '@ataa/transparency';
import { establishLeafHash, merkleRoot, parseVerifierKey, verifyCheckpoint } from '../../libs/transparency/src/domain/index.js';
import { insertCampaign, insertLegacyEntries } from './support.js';

/**
 * PublicLedgerRedactor against PostgreSQL: a campaign whose log starts with format-1 entries (as
 * appended before leaf format 3) and continues with format-3 ones; redactions by source ref and by
 * index, run twice; the Merkle log, checkpoints and donor count unchanged.
 */
describe('PublicLedgerRedactor (PostgreSQL)', () => {
  let env: TestEnvironment;
  let app: INestApplicationContext;
  let appender: PublicLedgerAppender;
  let redactor: PublicLedgerRedactor;
  let service: PublicLedgerService;
  let runner: TransactionRunner;
  let db: DataSource;
  let campaignId: string;
  const refs = { amalFirst: randomUUID(), amalAgain: randomUUID(), anonymous: randomUUID(), sami: randomUUID(), layla: randomUUID() };

  const all = async (): Promise<StoredEntry[]> => {
    const log = await service.log('erasure-case');
    const out: StoredEntry[] = [];
    for await (const batch of service.allEntries(log)) out.push(...batch);
    return out;
  };
  const redact = (redactions: PublicRedaction[]) => runner.run((manager) => redactor.redact(manager, redactions));
  const tables = async () => ({
    entries: await db.query(`SELECT to_jsonb(e) - 'created_at' AS row FROM public_ledger_entries e WHERE campaign_id = $1 ORDER BY idx`, [campaignId]),
    nodes: await db.query(`SELECT level, idx, hash FROM transparency_nodes WHERE campaign_id = $1 ORDER BY level, idx`, [campaignId]),
    log: await db.query(`SELECT size, root_hash, frontier, balance, donors, redactions FROM transparency_logs WHERE campaign_id = $1`, [campaignId]),
    donors: (await db.query(`SELECT donor_name FROM transparency_donors WHERE campaign_id = $1 ORDER BY donor_name`, [campaignId])).map((r: { donor_name: string }) => r.donor_name),
  });

  beforeAll(async () => {
    env = await createTestEnvironment();
    @Module({ imports: [ConfigModule.forRoot(env.config), DatabaseModule, TransparencyModule] })
    class TestModule {}
    app = await NestFactory.createApplicationContext(TestModule, { logger: false });
    appender = app.get(PublicLedgerAppender);
    redactor = app.get(PublicLedgerRedactor);
    service = app.get(PublicLedgerService);
    runner = app.get(TransactionRunner);
    db = app.get(DataSource);
    campaignId = await insertCampaign(env.database.url, { slug: 'erasure-case' });
    // 0..2: format 1 (before format 3).
    await insertLegacyEntries(env.database.url, campaignId, [
      { kind: 'donation', amount: 3000n, donor: 'Layla', message: 'An old note', sourceRef: refs.layla },
      { kind: 'fee', amount: -90n },
      { kind: 'donation', amount: 1000n, donor: 'Karim' },
    ]);
    // 3..8: format 3.
    const gift = (sourceRef: string, amount: bigint, donorDisplayName: string | null, publicMessage: string | null) => ({
      campaignId, kind: 'donation' as const, amount, currency: 'usd', occurredAt: new Date('2026-01-02T00:00:00Z'), donorDisplayName, donorCommitment: null, publicMessage, payoutPurpose: null, sourceRef,
    });
    await runner.run((manager) => appender.appendMany(manager, [
      gift(refs.amalFirst, 5000n, 'Amal', 'For the winter'),
      { ...gift(refs.amalFirst, -150n, null, null), kind: 'fee' },
      gift(refs.amalAgain, 2000n, 'Amal', null),
      gift(refs.anonymous, 700n, null, 'From a neighbour'),
      gift(refs.sami, 900n, 'Sami', 'Buy at http://spam.example'),
      { ...gift(randomUUID(), -500n, null, null), kind: 'payout', payoutPurpose: 'Blankets' },
    ]));
  });
  afterAll(async () => {
    await app?.close();
    await env?.cleanup();
  });

  it('appends every new entry in format 3, continuing a format-1 log', async () => {
    const entries = await all();
    expect(entries.map((e) => e.v)).toEqual([1, 1, 1, 3, 3, 3, 3, 3, 3]);
    expect(entries[3]).toMatchObject({ donor: 'Amal', donorHash: expect.stringMatching(/^[0-9a-f]{64}$/), donorSalt: expect.stringMatching(/^[0-9a-f]{64}$/), message: 'For the winter', redacted: null });
    expect(entries[6]).toMatchObject({ donor: 'Anonymous', donorHash: null, donorSalt: null, messageHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(entries[3].donorSalt).not.toBe(entries[3].messageSalt);
    for (const e of entries) expect(establishLeafHash(e)).toMatchObject({ hash: Buffer.from(e.leafHash, 'hex'), privacy: { problems: [], leafUnverifiable: false } });
    // Donors: Layla, Karim, Amal (twice), one anonymous gift, Sami.
    expect((await tables()).log[0].donors).toBe('5');
  });

  it('redacts by source ref and by index, idempotently, leaving the log, checkpoints and donor count untouched', async () => {
    const log = await service.log('erasure-case');
    const checkpoint = await service.checkpoint(log);
    const before = await tables();
    const requests: PublicRedaction[] = [
      { campaignId, target: { sourceRefs: [refs.amalFirst] }, fields: ['donor', 'message'], reason: 'erased', note: null },
      { campaignId, target: { indexes: [7] }, fields: ['message'], reason: 'hidden', note: 'Advertising' },
      { campaignId, target: { sourceRefs: [refs.layla] }, fields: ['donor', 'message'], reason: 'erased', note: null },
      // Nothing personal there: a fee, the anonymous gift's donor, a payout.
      { campaignId, target: { indexes: [1, 4, 6, 8] }, fields: ['donor'], reason: 'erased', note: null },
    ];
    const first = await redact(requests);
    expect(first).toEqual([{ campaignId, indexes: [0, 3, 7] }]);
    const after = await tables();
    // Twice = once: same answer, no row changed (records keep their first time), no new run counted.
    expect(await redact(requests)).toEqual(first);
    expect(await tables()).toEqual(after);

    expect(after.nodes).toEqual(before.nodes);
    expect({ ...after.log[0], redactions: null }).toEqual({ ...before.log[0], redactions: null });
    expect(Number(after.log[0].redactions)).toBe(Number(before.log[0].redactions) + 1);
    expect(after.entries.map((r: { row: { leaf_hash: string } }) => r.row.leaf_hash)).toEqual(before.entries.map((r: { row: { leaf_hash: string } }) => r.row.leaf_hash));
    // Layla's name is gone everywhere; Amal still shows on her second gift, so her name stays listed.
    expect(after.donors).toEqual(['Amal', 'Karim', 'Sami']);
    expect(JSON.stringify(after.entries)).not.toMatch(/Layla|An old note|For the winter|spam\.example/);

    const entries = await all();
    expect(entries[3]).toMatchObject({ donor: null, donorSalt: null, message: null, messageSalt: null, donorHash: before.entries[3].row.donor_hash.replace('\\x', ''), redacted: { donor: { reason: 'erased', note: null }, message: { reason: 'erased' } } });
    expect(entries[7]).toMatchObject({ donor: 'Sami', message: null, messageSalt: null, redacted: { message: { reason: 'hidden', note: 'Advertising' } } });
    expect(entries[0]).toMatchObject({ v: 1, donor: null, message: null, redacted: { donor: { reason: 'erased' }, message: { reason: 'erased' } } });
    expect(entries[1].redacted).toBeNull();
    // Every entry still establishes its leaf hash: recomputed (format 3, unredacted format 1) or, for
    // the redacted format-1 entry, taken as served; the root is the signed one.
    const hashes = entries.map((e) => establishLeafHash(e));
    expect(hashes.map((h) => h.privacy.problems)).toEqual(entries.map(() => []));
    expect(hashes.map((h) => h.privacy.leafUnverifiable)).toEqual([true, false, false, false, false, false, false, false, false]);
    const key = parseVerifierKey(service.publicKey().verifierKey);
    expect(merkleRoot(hashes.map((h) => h.hash as Buffer)).equals(verifyCheckpoint(checkpoint.note, key).rootHash)).toBe(true);
    const now = await service.log('erasure-case');
    expect([now.size, now.rootHash.equals(log.rootHash), now.donors]).toEqual([log.size, true, log.donors]);
    expect((await service.checkpoint(now)).note).toBe(checkpoint.note);
  });

  it('drops a name from the donor list only when no unredacted gift shows it, never changing the count', async () => {
    await redact([{ campaignId, target: { indexes: [5] }, fields: ['donor'], reason: 'erased', note: null }]);
    const state = await tables();
    expect(state.donors).toEqual(['Karim', 'Sami']);
    expect(state.log[0].donors).toBe('5');
  });

  it('lets the database refuse anything but removing personal fields', async () => {
    await expect(db.query(`UPDATE public_ledger_entries SET amount = amount + 1 WHERE campaign_id = $1 AND idx = 4`, [campaignId])).rejects.toThrow(/may only redact personal fields/);
    await expect(db.query(`UPDATE public_ledger_entries SET donor_name = 'Amal' WHERE campaign_id = $1 AND idx = 3`, [campaignId])).rejects.toThrow(/may only redact personal fields/);
    await expect(db.query(`UPDATE public_ledger_entries SET redactions = NULL WHERE campaign_id = $1 AND idx = 3`, [campaignId])).rejects.toThrow(/may only redact personal fields/);
    await expect(db.query(`UPDATE public_ledger_entries SET donor_hash = NULL WHERE campaign_id = $1 AND idx = 7`, [campaignId])).rejects.toThrow(/may only redact personal fields/);
    await expect(db.query(`DELETE FROM public_ledger_entries WHERE campaign_id = $1 AND idx = 7`, [campaignId])).rejects.toThrow(/append-only/);
    await expect(db.query(`UPDATE transparency_donors SET donor_name = 'X' WHERE campaign_id = $1`, [campaignId])).rejects.toThrow(/append-only/);
  });

  it('refuses malformed redactions with a code, changing nothing; unknown campaigns match nothing', async () => {
    const before = await tables();
    for (const bad of [
      { campaignId, target: { indexes: [3] }, fields: ['email'], reason: 'erased', note: null },
      { campaignId, target: { indexes: [-1] }, fields: ['donor'], reason: 'erased', note: null },
      { campaignId, target: {}, fields: ['donor'], reason: 'erased', note: null },
      { campaignId, target: { indexes: [3] }, fields: ['donor'], reason: 'because', note: null },
      { campaignId: 'not-a-uuid', target: { indexes: [3] }, fields: ['donor'], reason: 'erased', note: null },
    ]) {
      await expect(redact([bad as unknown as PublicRedaction])).rejects.toMatchObject({ code: 'redaction_invalid', status: 400 });
    }
    expect(await tables()).toEqual(before);
    const stranger = randomUUID();
    expect(await redact([{ campaignId: stranger, target: { indexes: [0] }, fields: ['donor'], reason: 'erased', note: null }])).toEqual([{ campaignId: stranger, indexes: [] }]);
  });
});
