import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Module } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ConfigModule } from '@ataa/config';
import { DatabaseModule, TransactionRunner } from '@ataa/database';
import { createTestEnvironment, TestEnvironment } from '@ataa/testing';
import { appendEntries, insertCampaign, sampleHistory } from '../../../test/transparency/support.js';
import {
  leafHash, merkleRoot, parseVerifierKey, publicLeafHash, reportFromEntries, toLeaf, verifyCheckpoint, verifyConsistency, verifyInclusion,
  verifyReceiptProof,
} from './domain/index.js';
import { PublicLedgerAppender, PublicLedgerService, TransparencyModule, StoredEntry, CampaignLog } from './index.js';
import { PublicLedgerRepository } from './persistence/public-ledger.repository.js';

const b64 = (s: string) => Buffer.from(s, 'base64');

describe('public ledger appender and read side (PostgreSQL)', () => {
  let env: TestEnvironment;
  let app: INestApplicationContext;
  let appender: PublicLedgerAppender;
  let service: PublicLedgerService;
  let runner: TransactionRunner;
  let dataSource: DataSource;
  let campaignId: string;
  let log: CampaignLog;
  let entries: StoredEntry[];

  beforeAll(async () => {
    env = await createTestEnvironment();
    @Module({ imports: [ConfigModule.forRoot(env.config), DatabaseModule, TransparencyModule] })
    class TestModule {}
    app = await NestFactory.createApplicationContext(TestModule, { logger: false });
    appender = app.get(PublicLedgerAppender);
    service = app.get(PublicLedgerService);
    runner = app.get(TransactionRunner);
    dataSource = app.get(DataSource);
    campaignId = await insertCampaign(env.database.url, { slug: 'winter-relief' });
    await appendEntries(runner, appender, campaignId, sampleHistory());
    log = await service.log('winter-relief');
    entries = [];
    for await (const batch of service.allEntries(log, 4)) entries.push(...batch);
  });
  afterAll(async () => {
    await app?.close();
    await env?.cleanup();
  });

  it('numbers entries contiguously and stores the root of exactly those leaves', () => {
    expect(entries.map((e) => e.index)).toEqual([...Array(11).keys()]);
    for (const entry of entries) expect(publicLeafHash(toLeaf(entry)).toString('hex')).toBe(entry.leafHash);
    expect(log.size).toBe(11);
    expect(log.rootHash.equals(merkleRoot(entries.map((e) => Buffer.from(e.leafHash, 'hex'))))).toBe(true);
    expect(entries.map((e) => e.balance).at(-1)).toBe('7877');
    expect(entries[3]).toMatchObject({ donor: 'Anonymous', donorCommitment: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  it('pages from any cursor with both neighbours right, from one read, in both orders and with filters', async () => {
    const sides = (i: number) => [{ after: i }, { before: i }];
    const filters = [{ kind: null, month: null }, { kind: 'fee' as const, month: null }, { kind: 'donation' as const, month: null }, { kind: null, month: '2026-02' }];
    for (const order of ['asc', 'desc'] as const) {
      for (const filter of filters) {
        const matching = entries.filter((e) => e.index < log.size && (filter.kind === null || e.kind === filter.kind) && (filter.month === null || e.time.startsWith(filter.month)));
        for (const cursor of [...Array(log.size + 2).keys()].flatMap(sides)) {
          const page = await service.page(log, { order, cursor, ...filter, limit: 2 });
          // Brute force: read away from the cursor, two entries, shown in the requested order.
          const away = cursor.after !== undefined ? matching.filter((e) => e.index > cursor.after) : matching.filter((e) => e.index < (cursor.before as number)).reverse();
          const shown = away.slice(0, 2);
          if ((cursor.after !== undefined) !== (order === 'asc')) shown.reverse();
          const context = JSON.stringify({ order, filter, cursor });
          expect([context, page.entries.map((e) => e.index)]).toEqual([context, shown.map((e) => e.index)]);
          const first = shown[0]?.index;
          const last = shown.at(-1)?.index;
          const after = (i: number | undefined) => i !== undefined && matching.some((e) => (order === 'asc' ? e.index > i : e.index < i));
          const before = (i: number | undefined) => i !== undefined && matching.some((e) => (order === 'asc' ? e.index < i : e.index > i));
          expect([context, page.next !== null, page.prev !== null]).toEqual([context, after(last), before(first)]);
        }
      }
    }
  });

  it('serves unfiltered pages requested together (read in one statement) exactly as each read alone', async () => {
    const sides = (i: number) => [{ after: i }, { before: i }];
    const requests = (['asc', 'desc'] as const).flatMap((order) => [null, ...[...Array(log.size + 2).keys()].flatMap(sides)].map((cursor) => ({ order, cursor, kind: null, month: null, limit: 3 })));
    const alone = [];
    for (const request of requests) alone.push(await service.page(log, request));
    // All at once: four reads begin, the rest are read together as those end.
    const together = await Promise.all(requests.map((request) => service.page(log, request)));
    expect(together).toEqual(alone);
    // And the same against a smaller size, at once with the current one: no entry at or beyond the size.
    const older = { ...log, size: 6 };
    const mixed = await Promise.all(requests.flatMap((request) => [service.page(older, request), service.page(log, request)]));
    expect(mixed.filter((_, i) => i % 2 === 1)).toEqual(alone);
    expect(mixed.filter((_, i) => i % 2 === 0).every((page) => page.size === 6 && page.entries.every((e) => e.index < 6))).toBe(true);
  });

  it('reads unfiltered pages from the campaign\'s partition, and from the partitioned table when the partition kept is gone or no longer holds the campaign', async () => {
    const repository = app.get(PublicLedgerRepository);
    const bounds = [{ order: 'desc' as const, from: null }, { order: 'asc' as const, from: 3 }, { order: 'desc' as const, from: 9 }];
    const expected = await repository.pages(campaignId, log.size, 4, bounds);
    expect(expected.map((page) => [page.entries.map((e) => e.index), page.behind])).toEqual([[[10, 9, 8, 7], false], [[4, 5, 6, 7], true], [[8, 7, 6, 5], true]]);
    const partitions = (repository as unknown as { partitions: Map<string, string> }).partitions;
    const own = partitions.get(campaignId);
    expect(own).toMatch(/^public_ledger_entries_p[0-7]$/);
    const other = `public_ledger_entries_p${(Number(own!.slice(-1)) + 1) % 8}`;
    for (const wrong of [other, 'public_ledger_entries_gone']) {
      partitions.set(campaignId, wrong);
      expect(await repository.pages(campaignId, log.size, 4, bounds)).toEqual(expected);
      // Found again on the next read.
      expect(partitions.has(campaignId)).toBe(false);
      expect(await repository.pages(campaignId, log.size, 4, bounds)).toEqual(expected);
      expect(partitions.get(campaignId)).toBe(own);
    }
  });

  it('appends each (journal entry, kind) once and rejects impossible entries, changing nothing', async () => {
    const sourceRef = randomUUID();
    const input = { campaignId, kind: 'donation' as const, amount: 700n, currency: 'usd', occurredAt: new Date('2026-03-10T00:00:00Z'), donorDisplayName: 'Omar', donorCommitment: null, publicMessage: null, payoutPurpose: null, sourceRef };
    const first = await runner.run((m) => appender.append(m, input));
    const again = await runner.run((m) => appender.append(m, input));
    expect(again).toEqual({ ...first, created: false });
    await expect(runner.run((m) => appender.append(m, { ...input, sourceRef: randomUUID(), amount: -5n }))).rejects.toMatchObject({ code: 'public_entry_invalid' });
    await expect(runner.run((m) => appender.append(m, { ...input, sourceRef: randomUUID(), currency: 'eur' }))).rejects.toMatchObject({ code: 'public_entry_currency_mismatch' });
    // The caller's transaction fails after appending: the entry goes with it.
    await expect(runner.run(async (m) => {
      await appender.append(m, { ...input, sourceRef: randomUUID() });
      throw new Error('ledger posting failed');
    })).rejects.toThrow('ledger posting failed');
    const after = await service.log('winter-relief');
    expect(after.size).toBe(12);
  });

  it('serializes concurrent appends into one consistent log', async () => {
    const other = await insertCampaign(env.database.url, { slug: 'concurrent' });
    await Promise.all(Array.from({ length: 12 }, (_, i) => runner.run((m) => appender.append(m, {
      campaignId: other, kind: 'donation', amount: BigInt(100 + i), currency: 'usd', occurredAt: new Date(), donorDisplayName: `D${i}`,
      donorCommitment: null, publicMessage: null, payoutPurpose: null, sourceRef: randomUUID(),
    }))));
    const otherLog = await service.log('concurrent');
    const rows: StoredEntry[] = [];
    for await (const batch of service.allEntries(otherLog)) rows.push(...batch);
    expect(rows.map((r) => r.index)).toEqual([...Array(12).keys()]);
    expect(otherLog.rootHash.equals(merkleRoot(rows.map((r) => Buffer.from(r.leafHash, 'hex'))))).toBe(true);
    expect(otherLog.balance).toBe(BigInt(12 * 100 + 66));
    expect(rows.at(-1)?.balance).toBe(String(12 * 100 + 66));
  });

  it('the database refuses to rewrite entries, nodes or checkpoints', async () => {
    await service.checkpoint(log);
    await expect(dataSource.query(`UPDATE public_ledger_entries SET amount = 1 WHERE campaign_id = $1 AND idx = 0`, [campaignId])).rejects.toThrow(/append-only/);
    await expect(dataSource.query(`DELETE FROM transparency_nodes WHERE campaign_id = $1`, [campaignId])).rejects.toThrow(/append-only/);
    await expect(dataSource.query(`UPDATE transparency_checkpoints SET note = 'x' WHERE campaign_id = $1`, [campaignId])).rejects.toThrow(/append-only/);
  });

  it('serves inclusion and consistency proofs, from stored nodes, that verify for every size', async () => {
    const leaves = entries.map((e) => Buffer.from(e.leafHash, 'hex'));
    for (let size = 1; size <= 11; size++) {
      const root = merkleRoot(leaves.slice(0, size));
      expect((await service.rootAt(log, size)).equals(root)).toBe(true);
      for (let index = 0; index < size; index++) {
        const proof = await service.inclusionProof(log, index, size);
        expect(verifyInclusion(index, size, leaves[index], proof.proof.map(b64), root)).toBe(true);
      }
      for (let from = 0; from <= size; from++) {
        const proof = await service.consistencyProof(log, from, size);
        expect(verifyConsistency(from, size, proof.proof.map(b64), b64(proof.fromRoot), b64(proof.toRoot))).toBe(true);
      }
    }
    await expect(service.inclusionProof(log, 11, 11)).rejects.toMatchObject({ code: 'index_out_of_range' });
    await expect(service.consistencyProof(log, 3, 12)).rejects.toMatchObject({ code: 'size_out_of_range' });
  });

  it('signs checkpoints with the published key and keeps the same checkpoint per size', async () => {
    const checkpoint = await service.checkpoint(log);
    const key = parseVerifierKey(service.publicKey().verifierKey);
    const verified = verifyCheckpoint(checkpoint.note, key);
    expect(verified).toMatchObject({ size: 11, origin: `${env.config.TRANSPARENCY_ORIGIN}/campaigns/${campaignId}` });
    expect(verified.rootHash.equals(log.rootHash)).toBe(true);
    expect((await service.checkpoint(log)).note).toBe(checkpoint.note);
    const receipt = await service.receiptVerification(campaignId, 3);
    // signed at the current size (an earlier test appended a twelfth entry), stored like any other
    const now = await service.log('winter-relief');
    expect(receipt).toMatchObject({ leafIndex: 3, leafHash: entries[3].leafHash, checkpointSize: now.size, checkpoint: (await service.checkpoint(now)).note });
    // the offline proof a receipt attaches: the stored leaf, its inclusion proof in the current signed tree, the key
    const proof = JSON.parse(JSON.stringify(receipt?.proof));
    expect(proof).toMatchObject({ format: 'ataa-receipt-proof', version: 1, leafIndex: 3, treeSize: now.size, leafHash: entries[3].leafHash, campaign: { id: campaignId, slug: 'winter-relief' } });
    expect(verifyReceiptProof(proof, { pinnedKey: service.publicKey().verifierKey }).checks.filter((c) => !c.ok)).toEqual([]);
    expect(leafHash(Buffer.alloc(0))).toHaveLength(32);
  });

  it('keeps report totals that equal a recomputation from the entries', async () => {
    const current = await service.log('winter-relief');
    const all: StoredEntry[] = [];
    for await (const batch of service.allEntries(current)) all.push(...batch);
    expect(all).toHaveLength(12);
    // Served entries: a format-3 leaf holds no name, the served value counts.
    expect(await service.report(current)).toEqual(reportFromEntries('usd', all));
  });

  it('keeps money in and out per designation that equals a recomputation from the entries (and no more than the log)', async () => {
    const designatedId = await insertCampaign(env.database.url, { slug: 'zakat-and-wells' });
    const at = (day: number) => new Date(Date.UTC(2026, 2, 1) + day * 86_400_000);
    await appendEntries(runner, appender, designatedId, [
      { kind: 'donation', amount: 6000n, occurredAt: at(0), donorDisplayName: 'Amal', designation: 'zakat' },
      { kind: 'fee', amount: -204n, occurredAt: at(0), designation: 'zakat' },
      { kind: 'donation', amount: 3000n, occurredAt: at(1), donorDisplayName: 'Omar', designation: 'general' },
      { kind: 'offline_gift', amount: 1500n, occurredAt: at(1), payoutPurpose: 'cash', donorDisplayName: 'Sara' },
      { kind: 'donation', amount: 2000n, occurredAt: at(2), donorDisplayName: 'Huda', designation: 'water-well' },
      { kind: 'refund', amount: -1000n, occurredAt: at(3), designation: 'water-well' },
      { kind: 'platform_fee', amount: -100n, occurredAt: at(3), designation: 'general' },
      { kind: 'payout', amount: -5000n, occurredAt: at(4), payoutPurpose: 'Zakat to families', designation: 'zakat', draws: [{ index: 0, amount: '5000' }] },
      { kind: 'payout_reversal', amount: 1000n, occurredAt: at(5), designation: 'zakat' },
      { kind: 'dispute', amount: -3000n, occurredAt: at(6), designation: 'general' },
    ]);
    const current = await service.log('zakat-and-wells');
    const all: StoredEntry[] = [];
    for await (const batch of service.allEntries(current)) all.push(...batch);
    const report = await service.report(current);
    expect(report).toEqual(reportFromEntries('usd', all));
    expect(report.designations).toEqual([
      { designation: 'general', gifts: '3000', giftCount: 1, offline: '1500', fees: '-100', refunds: '0', disputes: '-3000', paidOut: '0', left: '1400' },
      { designation: 'water-well', gifts: '2000', giftCount: 1, offline: '0', fees: '0', refunds: '-1000', disputes: '0', paidOut: '0', left: '1000' },
      { designation: 'zakat', gifts: '6000', giftCount: 1, offline: '0', fees: '-204', refunds: '0', disputes: '0', paidOut: '-4000', left: '1796' },
    ]);
    expect(report.designations.reduce((sum, d) => sum + BigInt(d.left), 0n).toString()).toBe(report.balance);
    // The kept totals are the database's own: never deleted nor truncated.
    await expect(dataSource.query(`DELETE FROM transparency_designation_totals WHERE campaign_id = $1`, [designatedId])).rejects.toThrow();
    await expect(dataSource.query(`TRUNCATE transparency_designation_totals`)).rejects.toThrow();
    // A campaign that declared nothing has one general line, equal to the whole report.
    const plain = await service.report(await service.log('winter-relief'));
    expect(plain.designations).toHaveLength(1);
    expect(plain.designations[0]).toMatchObject({ designation: 'general', gifts: plain.raised, left: plain.balance });
  });
});
