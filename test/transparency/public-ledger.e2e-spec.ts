import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import request from 'supertest';
import { TransactionRunner } from '@ataa/database';
import { baseUrlOf, createTestEnvironment, startTestApi, TestEnvironment } from '@ataa/testing';
import { PublicLedgerAppender, PublicLedgerRedactor, signerFromConfig } from '@ataa/transparency';
import { runVerifier } from '../../apps/verifier/src/main.js';
import { FetchLike, verifyCampaign } from '../../apps/verifier/src/verifier.js';
import {
  campaignOrigin, createSigner, formatVerifierKey, merkleRoot, parseCheckpoint, personalCommitment, publicLeafHash, signCheckpoint, toLeaf, verifyCheckpoint, parseVerifierKey,
  verifyInclusion, verifyConsistency,
} from '../../libs/transparency/src/domain/index.js';
import { appendEntries, insertCampaign, insertLegacyEntries, rewriteLedgerEntries, sampleHistory, startTamperingMirror } from './support.js';

type Json = Record<string, any>;

/** A fetch that lets a test rewrite what the server answers: the "tampered copy" of a ledger. */
function tamperingFetch(rewrite: (url: string, body: string) => string): FetchLike {
  return async (url, init) => {
    const res = await fetch(url, init);
    const body = await res.text();
    return { ok: res.ok, status: res.status, text: async () => rewrite(url, body) };
  };
}
const rewriteEntries = (change: (entries: Json[]) => Json[]) => (url: string, body: string) => {
  if (!url.includes('/ledger?')) return body;
  const page = JSON.parse(body);
  page.entries = change(page.entries);
  return JSON.stringify(page);
};

describe('public ledger over HTTP and the independent verifier', () => {
  let env: TestEnvironment;
  let app: NestFastifyApplication;
  let base: string;
  let campaignId: string;
  let otherId: string;
  const http = () => request(app.getHttpServer());
  const api = '/api/v1/public/campaigns/winter-relief';

  beforeAll(async () => {
    env = await createTestEnvironment();
    app = await startTestApi(env.config, { listen: true });
    base = await baseUrlOf(app);
    const runner = app.get(TransactionRunner);
    const appender = app.get(PublicLedgerAppender);
    campaignId = await insertCampaign(env.database.url, { slug: 'winter-relief', language: 'en', title: 'Winter relief' });
    otherId = await insertCampaign(env.database.url, { slug: 'other-campaign' });
    const draftId = await insertCampaign(env.database.url, { slug: 'secret-draft', status: 'draft' });
    await appendEntries(runner, appender, campaignId, sampleHistory());
    await appendEntries(runner, appender, otherId, sampleHistory().slice(0, 3));
    await appendEntries(runner, appender, draftId, sampleHistory().slice(0, 1));
  });
  afterAll(async () => {
    await app?.close();
    await env?.cleanup();
  });

  it('pages the JSON ledger by keyset in both directions and both orders', async () => {
    const seen: number[] = [];
    let cursor: string | null = null;
    let last: Json | null = null;
    do {
      const res: request.Response = await http().get(`${api}/ledger`).query({ order: 'asc', limit: 4, ...(cursor ? { cursor } : {}) }).expect(200);
      seen.push(...res.body.entries.map((e: Json) => e.index));
      last = res.body;
      cursor = res.body.page.next;
    } while (cursor);
    expect(seen).toEqual([...Array(11).keys()]);
    // Backwards from the last page: the previous page is entries 4..7, in the same (ascending) order.
    const back = await http().get(`${api}/ledger`).query({ order: 'asc', limit: 4, cursor: last?.page.prev }).expect(200);
    expect(back.body.entries.map((e: Json) => e.index)).toEqual([4, 5, 6, 7]);
    const newest = await http().get(`${api}/ledger`).query({ limit: 3 }).expect(200);
    expect(newest.body.entries.map((e: Json) => e.index)).toEqual([10, 9, 8]);
    expect(newest.body.page.prev).toBeNull();
    const older = await http().get(`${api}/ledger`).query({ limit: 3, cursor: newest.body.page.next }).expect(200);
    expect(older.body.entries.map((e: Json) => e.index)).toEqual([7, 6, 5]);
    const newerAgain = await http().get(`${api}/ledger`).query({ limit: 3, cursor: older.body.page.prev }).expect(200);
    expect(newerAgain.body.entries.map((e: Json) => e.index)).toEqual([10, 9, 8]);
  });

  it('filters by kind and month', async () => {
    const gifts = await http().get(`${api}/ledger`).query({ kind: 'donation', order: 'asc' }).expect(200);
    expect(gifts.body.entries.map((e: Json) => e.index)).toEqual([0, 3, 5, 10]);
    // Filtered pages keep their neighbours right in both directions (the page reads one row ahead).
    const page = async (query: Record<string, string | number>) => (await http().get(`${api}/ledger`).query({ kind: 'donation', limit: 2, ...query }).expect(200)).body;
    const first = await page({ order: 'asc' });
    expect([first.entries.map((e: Json) => e.index), first.page.prev]).toEqual([[0, 3], null]);
    const second = await page({ order: 'asc', cursor: first.page.next });
    expect([second.entries.map((e: Json) => e.index), second.page.next]).toEqual([[5, 10], null]);
    const back = await page({ order: 'asc', cursor: second.page.prev });
    expect([back.entries.map((e: Json) => e.index), back.page.prev, back.page.next]).toEqual([[0, 3], null, first.page.next]);
    const newest = await page({});
    expect([newest.entries.map((e: Json) => e.index), newest.page.prev, typeof newest.page.next]).toEqual([[10, 5], null, 'string']);
    const oldest = await page({ cursor: newest.page.next });
    expect([oldest.entries.map((e: Json) => e.index), oldest.page.next, typeof oldest.page.prev]).toEqual([[3, 0], null, 'string']);
    const february = await http().get(`${api}/ledger`).query({ month: '2026-02', order: 'asc' }).expect(200);
    expect(february.body.entries.map((e: Json) => [e.index, e.kind])).toEqual([[5, 'donation'], [6, 'refund'], [7, 'dispute'], [8, 'dispute_reversal']]);
  });

  it('publishes nothing private: no source references, e-mails or payment details', async () => {
    const res = await http().get(`${api}/ledger`).query({ limit: 200 }).expect(200);
    const text = JSON.stringify(res.body);
    expect(text).not.toMatch(/sourceRef|source_ref|@|cus_|pm_|ch_|pi_/);
    // Leaf format 3: the leaf's fields (personal ones as commitments), then each value and its salt, the redactions, the leaf hash.
    expect(Object.keys(res.body.entries[0])).toEqual([
      'v', 'campaign', 'index', 'time', 'kind', 'amount', 'currency', 'donorHash', 'donorCommitment', 'messageHash', 'purpose', 'balance',
      'donor', 'donorSalt', 'message', 'messageSalt', 'redacted', 'leafHash',
    ]);
    expect(res.body.entries.every((e: Json) => e.v === 3)).toBe(true);
    const anonymous = res.body.entries.find((e: Json) => e.index === 3);
    expect(anonymous).toMatchObject({ donor: 'Anonymous', donorHash: null, donorSalt: null, donorCommitment: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  it('answers bad query parameters with 400 and drafts or unknown campaigns with 404', async () => {
    for (const [url, code] of [
      [`/c/winter-relief/proof/inclusion?index=-1&size=3`, 'validation_failed'],
      [`/c/winter-relief/proof/inclusion?index=2&size=99`, 'size_out_of_range'],
      [`/c/winter-relief/proof/inclusion?index=5&size=5`, 'index_out_of_range'],
      [`/c/winter-relief/proof/inclusion?index=1.5`, 'validation_failed'],
      [`/c/winter-relief/proof/consistency?from=8&to=4`, 'size_out_of_range'],
      [`/c/winter-relief/proof/consistency?from=1&to=12`, 'size_out_of_range'],
      [`/c/winter-relief/checkpoint?size=-3`, 'validation_failed'],
      [`${api}/ledger?cursor=garbage!`, 'invalid_cursor'],
      [`${api}/ledger?cursor=Zm9vYmFy`, 'invalid_cursor'],
      [`${api}/ledger?limit=0`, 'validation_failed'],
      [`${api}/ledger?month=2026-13`, 'validation_failed'],
      [`${api}/ledger?kind=salary`, 'validation_failed'],
      [`${api}/ledger?admin=true`, 'validation_failed'],
    ] as const) {
      const res = await http().get(url).set('accept', 'application/json');
      expect({ url, status: res.status, code: res.body.code }).toEqual({ url, status: 400, code });
    }
    for (const url of ['/c/secret-draft/ledger', '/c/secret-draft/ledger.csv', '/c/secret-draft/report', '/c/secret-draft/checkpoint', '/api/v1/public/campaigns/secret-draft/ledger', '/c/no-such-campaign/ledger', '/c/Bad_Slug/report']) {
      const res = await http().get(url);
      expect({ url, status: res.status }).toEqual({ url, status: 404 });
    }
  });

  it('serves signed checkpoints, the published key and proofs that verify', async () => {
    const text = await http().get('/c/winter-relief/checkpoint').expect(200);
    expect(text.headers['content-type']).toContain('text/plain');
    const keyText = await http().get('/.well-known/ataa-transparency.pub').expect(200);
    const keyJson = await http().get('/.well-known/ataa-transparency.json').expect(200);
    const key = parseVerifierKey(keyText.text);
    expect(keyJson.body).toMatchObject({ algorithm: 'ed25519', keyName: key.keyName, publicKey: key.publicKey.toString('base64') });
    const checkpoint = verifyCheckpoint(text.text, key);
    expect(checkpoint).toMatchObject({ origin: `${env.config.TRANSPARENCY_ORIGIN}/campaigns/${campaignId}`, size: 11 });
    expect(text.text.split('\n').slice(1, 3)).toEqual(['11', checkpoint.rootHash.toString('base64')]);

    const all = (await http().get(`${api}/ledger`).query({ order: 'asc', limit: 200 })).body.entries as Json[];
    const leaves = all.map((e) => publicLeafHash(toLeaf(e)));
    expect(merkleRoot(leaves).equals(checkpoint.rootHash)).toBe(true);
    const inclusion = await http().get('/c/winter-relief/proof/inclusion').query({ index: 3, size: 11 }).expect(200);
    expect(inclusion.headers['cache-control']).toContain('immutable');
    expect(verifyInclusion(3, 11, leaves[3], inclusion.body.proof.map((p: string) => Buffer.from(p, 'base64')), checkpoint.rootHash)).toBe(true);
    // A page's proofs in one answer, each verifying against the signed root; the same as one by one.
    const batch = await http().get(`${api}/proof/inclusions`).query({ indexes: '10,3,0', size: 11 }).expect(200);
    expect(batch.headers['cache-control']).toContain('immutable');
    expect(batch.body).toMatchObject({ size: 11, rootHash: checkpoint.rootHash.toString('base64') });
    expect(batch.body.proofs.map((p: Json) => p.index)).toEqual([10, 3, 0]);
    for (const p of batch.body.proofs) {
      expect(p.leafHash).toBe(leaves[p.index].toString('hex'));
      expect(verifyInclusion(p.index, 11, leaves[p.index], p.proof.map((x: string) => Buffer.from(x, 'base64')), checkpoint.rootHash)).toBe(true);
    }
    expect(batch.body.proofs[1].proof).toEqual(inclusion.body.proof);
    for (const [query, code] of [
      [{ indexes: '1,11', size: 11 }, 'index_out_of_range'],
      [{ indexes: '1', size: 99 }, 'size_out_of_range'],
      [{ indexes: '1,-2', size: 11 }, 'validation_failed'],
      [{ indexes: Array.from({ length: 201 }, (_, i) => i % 11).join(','), size: 11 }, 'validation_failed'],
      [{ indexes: '1' }, 'validation_failed'],
    ] as const) {
      const res = await http().get(`${api}/proof/inclusions`).query(query);
      expect({ query, status: res.status, code: res.body.code }).toEqual({ query, status: 400, code });
    }
    const consistency = await http().get('/c/winter-relief/proof/consistency').query({ from: 6 }).expect(200);
    expect(verifyConsistency(6, 11, consistency.body.proof.map((p: string) => Buffer.from(p, 'base64')), merkleRoot(leaves.slice(0, 6)), checkpoint.rootHash)).toBe(true);
  });

  it('caches with ETags: 304 when unchanged, longer for pages of old entries (not immutable: a redaction may change them)', async () => {
    const first = await http().get(`${api}/ledger`).query({ limit: 3 }).expect(200);
    expect(first.headers.etag).toBeDefined();
    expect(first.headers['cache-control']).toContain('max-age=5');
    await http().get(`${api}/ledger`).query({ limit: 3 }).set('if-none-match', first.headers.etag).expect(304);
    const old = await http().get(`${api}/ledger`).query({ limit: 3, cursor: first.body.page.next }).expect(200);
    expect(old.headers['cache-control']).toBe('public, max-age=600');
  });

  it('streams the CSV export and renders the pages in English and Arabic', async () => {
    const csv = await http().get('/c/winter-relief/ledger.csv').expect(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    // Streamed: no length known up front, sent in chunks as batches are read.
    expect([csv.headers['transfer-encoding'], csv.headers['content-length']]).toEqual(['chunked', undefined]);
    const lines = csv.text.trim().split('\n');
    expect(lines).toHaveLength(12);
    expect(lines[0]).toBe('index,time,kind,amount_minor,amount,currency,donor,donor_commitment,message,purpose,balance_minor,leaf_hash,terms,v,donor_hash,donor_salt,message_hash,message_salt,redacted,recorded_by');
    expect(lines[10]).toContain(',payout,-8000,-80.00,usd,,,,Blankets and heaters,');

    const page = await http().get('/c/winter-relief/ledger').expect(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.text).toContain('<html lang="en" dir="ltr">');
    expect(page.text).toContain('src="/assets/verify-ledger.js"');
    expect(page.text).not.toMatch(/<script(?![^>]*src=)/);
    expect(page.text).toContain('Blankets and heaters');
    const arabic = await http().get('/c/winter-relief/ledger?lang=ar').expect(200);
    expect(arabic.text).toContain('<html lang="ar" dir="rtl">');
    expect(arabic.text).toContain('السجل العام');
    const report = await http().get('/c/winter-relief/report').expect(200);
    expect(report.text).toContain('id="report-chart"');
    expect(report.text).toMatch(/id="total-raised">\$190\.00/);
    const json = await http().get('/c/winter-relief/report').set('accept', 'application/json').expect(200);
    expect(json.body.report).toMatchObject({ raised: '19000', gifts: 4, donors: 3, balance: '7877' });
  });

  it('the CSV export neutralises a donor message that a spreadsheet would run as a formula', async () => {
    const id = await insertCampaign(env.database.url, { slug: 'csv-formula' });
    await appendEntries(app.get(TransactionRunner), app.get(PublicLedgerAppender), id, [
      { kind: 'donation', amount: 1000n, occurredAt: new Date(Date.UTC(2026, 1, 1)), donorDisplayName: '@Huda', publicMessage: '=HYPERLINK("http://x")' },
    ]);
    const csv = await http().get('/c/csv-formula/ledger.csv').expect(200);
    const [, line] = csv.text.trim().split('\n');
    expect(line).toContain(`,donation,1000,10.00,usd,'@Huda,,"'=HYPERLINK(""http://x"")",,1000,`);
    // The JSON ledger keeps the donor's words exactly; only the spreadsheet export is guarded.
    const json = await http().get('/api/v1/public/campaigns/csv-formula/ledger').expect(200);
    expect(json.body.entries[0]).toMatchObject({ message: '=HYPERLINK("http://x")' });
  });

  it('the verifier CLI accepts the ledger, then checks consistency with the checkpoint it saved', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ataa-verify-'));
    const state = path.join(dir, 'state.json');
    const out: string[] = [];
    const io = { out: (l: string) => out.push(l), err: (l: string) => out.push(l) };
    expect(await runVerifier([`${base}/c/winter-relief`, '--state', state], io)).toBe(0);
    expect(out.at(-1)).toMatch(/^VERIFIED: 11 entries/);
    expect(JSON.parse(readFileSync(state, 'utf8'))[`${base}/c/winter-relief`]).toContain('\n11\n');

    await appendEntries(app.get(TransactionRunner), app.get(PublicLedgerAppender), campaignId, [{ kind: 'donation', amount: 1200n, occurredAt: new Date('2026-03-20T00:00:00Z'), donorDisplayName: 'Lina' }]);
    out.length = 0;
    expect(await runVerifier([`${base}/c/winter-relief`, '--state', state], io)).toBe(0);
    expect(out.join('\n')).toContain('consistent with the saved checkpoint of size 11');
    expect(out.at(-1)).toMatch(/^VERIFIED: 12 entries/);
    expect(await runVerifier(['not a url'], io)).toBe(1);
  });

  it('the verifier CLI rejects a tampered copy served over HTTP by a mirror, and a mirror that signs with its own key', async () => {
    const key = (await http().get('/.well-known/ataa-transparency.pub').expect(200)).text.trim();
    const out: string[] = [];
    const io = { out: (l: string) => out.push(l), err: (l: string) => out.push(l) };
    const cli = async (site: string, ...args: string[]) => {
      out.length = 0;
      return { code: await runVerifier([`${site}/c/winter-relief`, '--key', key, ...args], io), last: out.at(-1) ?? '' };
    };
    const mirrors = [
      await startTamperingMirror(base, (_, body) => body),
      await startTamperingMirror(base, rewriteLedgerEntries((es) => es.map((e) => (e.index === 2 ? { ...e, amount: '-1' } : e)))),
      await startTamperingMirror(base, rewriteLedgerEntries((es) => es.filter((e) => e.index !== 7))),
    ];
    // A mirror that re-signs the (true) checkpoint with its own key under the same name and publishes that key.
    const impostor = createSigner(env.config.TRANSPARENCY_ORIGIN, generateKeyPairSync('ed25519').privateKey);
    mirrors.push(await startTamperingMirror(base, (url, body) => {
      if (url.startsWith('/.well-known/ataa-transparency.pub')) return `${formatVerifierKey({ keyName: impostor.keyName, publicKey: impostor.publicKey })}\n`;
      if (!url.includes('/checkpoint')) return body;
      const view = JSON.parse(body);
      return JSON.stringify({ ...view, note: signCheckpoint(parseCheckpoint(view.note), impostor) });
    }));
    try {
      const [honest, altered, removed, resigned] = mirrors;
      expect(await cli(honest.url)).toEqual({ code: 0, last: expect.stringMatching(/^VERIFIED: \d+ entries/) });
      expect(await cli(altered.url)).toEqual({ code: 1, last: expect.stringMatching(/^REJECTED: entry 2 .*(balance|altered|wrong way)/) });
      expect(await cli(removed.url)).toEqual({ code: 1, last: expect.stringMatching(/^REJECTED: entry 7 is missing or out of order/) });
      expect(await cli(resigned.url)).toEqual({ code: 1, last: expect.stringMatching(/^REJECTED: checkpoint rejected: .*(not signed by the published key|signature is invalid)/) });
      // Without the pinned key the verifier trusts the site's published key: that is the mirror's own.
      out.length = 0;
      expect(await runVerifier([`${resigned.url}/c/winter-relief`], io)).toBe(0);
    } finally {
      for (const mirror of mirrors) await mirror.close();
    }
  });

  it('new gifts are format 3; after erasure and moderation the ledger, CSV and page show no trace and the CLI still verifies', async () => {
    const id = await insertCampaign(env.database.url, { slug: 'erasure-e2e', title: 'Erasure' });
    // Two entries from before format 3, then gifts appended now (format 3).
    const legacyRef = randomUUID();
    await insertLegacyEntries(env.database.url, id, [{ kind: 'donation', amount: 4000n, donor: 'Nadia Legacy', message: 'Old words', sourceRef: legacyRef }, { kind: 'fee', amount: -120n }]);
    const hudaRef = randomUUID();
    await appendEntries(app.get(TransactionRunner), app.get(PublicLedgerAppender), id, [
      { kind: 'donation', amount: 2500n, occurredAt: new Date('2026-03-01T00:00:00Z'), donorDisplayName: 'Huda Erasable', publicMessage: 'Warm wishes', sourceRef: hudaRef },
      { kind: 'donation', amount: 1000n, occurredAt: new Date('2026-03-02T00:00:00Z'), donorDisplayName: 'Omar', publicMessage: 'Visit my-shop.example' },
    ]);
    const ledger = () => http().get('/api/v1/public/campaigns/erasure-e2e/ledger').query({ order: 'asc' }).expect(200);
    expect((await ledger()).body.entries.map((e: Json) => e.v)).toEqual([1, 1, 3, 3]);
    const out: string[] = [];
    const io = { out: (l: string) => out.push(l), err: (l: string) => out.push(l) };
    expect(await runVerifier([`${base}/c/erasure-e2e`], io)).toBe(0);
    const before = (await ledger()).body;

    const redactor = app.get(PublicLedgerRedactor);
    const done = await app.get(TransactionRunner).run((manager) => redactor.redact(manager, [
      { campaignId: id, target: { sourceRefs: [hudaRef, legacyRef] }, fields: ['donor', 'message'], reason: 'erased', note: null },
      { campaignId: id, target: { indexes: [3] }, fields: ['message'], reason: 'hidden', note: 'Advertising' },
    ]));
    expect(done).toEqual([{ campaignId: id, indexes: [0, 2, 3] }]);

    // Same log: size, root, leaf hashes; the personal values are gone from JSON, CSV and the page.
    const after = (await ledger()).body;
    expect([after.size, after.rootHash]).toEqual([before.size, before.rootHash]);
    expect(after.entries.map((e: Json) => e.leafHash)).toEqual(before.entries.map((e: Json) => e.leafHash));
    expect(after.entries[2]).toMatchObject({ donor: null, donorSalt: null, message: null, messageSalt: null, donorHash: before.entries[2].donorHash, redacted: { donor: { reason: 'erased' } } });
    expect(after.entries[3]).toMatchObject({ donor: 'Omar', message: null, redacted: { message: { reason: 'hidden', note: 'Advertising' } } });
    const csv = await http().get('/c/erasure-e2e/ledger.csv').expect(200);
    const page = await http().get('/c/erasure-e2e/ledger').expect(200);
    for (const text of [JSON.stringify(after), csv.text, page.text]) expect(text).not.toMatch(/Huda|Warm wishes|Nadia|Old words|my-shop/);
    expect(csv.text.trim().split('\n')[3]).toMatch(/,3,[0-9a-f]{64},,[0-9a-f]{64},,donor:erased;message:erased,$/);
    expect(page.text).toContain('Hidden by moderation: Advertising');
    expect(page.text).toContain('Removed at the donor’s request');

    // The independent verifier: still verified; it names what was redacted and which entry it could not recompute.
    out.length = 0;
    expect(await runVerifier([`${base}/c/erasure-e2e`], io)).toBe(0);
    const said = out.join('\n');
    expect(said).toContain('entry 0: donor redacted (erased), unverifiable (format 1)');
    expect(said).toContain('entry 2: donor redacted (erased)\n');
    expect(said).toContain('entry 3: message redacted (hidden: Advertising)');
    expect(out.at(-1)).toMatch(/^VERIFIED: 4 entries/);
    const result = await verifyCampaign(`${base}/c/erasure-e2e`);
    expect(result.redactions.map((r) => [r.index, r.field, r.reason, r.unverifiable])).toEqual([[0, 'donor', 'erased', true], [0, 'message', 'erased', true], [2, 'donor', 'erased', false], [2, 'message', 'erased', false], [3, 'message', 'hidden', false]]);

    // A mirror that puts a value back into a redacted entry, or edits a salt: rejected, naming the entry.
    const mirrors = [
      await startTamperingMirror(base, rewriteLedgerEntries((es) => es.map((e) => (e.index === 2 ? { ...e, donor: 'Huda Erasable' } : e)))),
      await startTamperingMirror(base, rewriteLedgerEntries((es) => es.map((e) => (e.index === 3 ? { ...e, donorSalt: '00'.repeat(32) } : e)))),
    ];
    try {
      out.length = 0;
      expect(await runVerifier([`${mirrors[0].url}/c/erasure-e2e`], io)).toBe(1);
      expect(out.at(-1)).toBe('REJECTED: entry 2 was tampered with: donor: a value or salt was put back into a redacted field');
      out.length = 0;
      expect(await runVerifier([`${mirrors[1].url}/c/erasure-e2e`], io)).toBe(1);
      expect(out.at(-1)).toBe('REJECTED: entry 3 was tampered with: donor: the value and salt do not open the commitment');
    } finally {
      for (const mirror of mirrors) await mirror.close();
    }
  });

  describe('rejects a tampered copy with a clear reason', () => {
    const url = () => `${base}/c/winter-relief`;
    const rejected = async (fetcher: FetchLike, extra: { previousCheckpoint?: string } = {}) => {
      const error = await verifyCampaign(url(), { fetch: fetcher, ...extra }).then(() => null, (e: Error) => e);
      expect(error?.name).toBe('VerificationFailure');
      return error?.message ?? '';
    };

    it('an altered entry', async () => {
      expect(await rejected(tamperingFetch(rewriteEntries((es) => es.map((e) => (e.index === 2 ? { ...e, amount: '-100', balance: String(BigInt(e.balance) + 100n) } : e)))))).toMatch(/entry 2|balance/);
      // A message changed without its commitment: the entry's own fields tell.
      expect(await rejected(tamperingFetch(rewriteEntries((es) => es.map((e) => (e.index === 0 ? { ...e, message: 'edited' } : e))))))
        .toBe('entry 0 was tampered with: message: the value and salt do not open the commitment');
      // Altered consistently (value, salt, commitment and leaf hash): only the signed root can tell.
      const recommitted = (e: Json) => {
        const salt = 'ab'.repeat(32);
        const x = { ...e, message: 'edited', messageSalt: salt, messageHash: personalCommitment(salt, 'edited') };
        return { ...x, leafHash: publicLeafHash(toLeaf(x)).toString('hex') };
      };
      const forged = tamperingFetch(rewriteEntries((es) => es.map((e) => (e.index === 1 ? recommitted(e) : e))));
      expect(await rejected(forged)).toMatch(/do not hash to the signed root/);
    });

    it('a removed entry and a reordered pair', async () => {
      expect(await rejected(tamperingFetch(rewriteEntries((es) => es.filter((e) => e.index !== 4))))).toMatch(/entry 4 is missing or out of order/);
      expect(await rejected(tamperingFetch(rewriteEntries((es) => es.map((e) => (e.index === 5 ? es.find((x) => x.index === 6) : e.index === 6 ? es.find((x) => x.index === 5) : e) as Json))))).toMatch(/entry 5 is missing or out of order/);
    });

    it('a forged checkpoint signature and a checkpoint from another campaign', async () => {
      const forged = tamperingFetch((u, body) => {
        if (!u.includes('/checkpoint')) return body;
        const view = JSON.parse(body);
        const [sigLine] = view.note.split('\n').slice(4);
        const blob = Buffer.from(sigLine.split(' ')[2], 'base64');
        blob[10] ^= 0xff;
        view.note = view.note.replace(sigLine.split(' ')[2], blob.toString('base64'));
        return JSON.stringify(view);
      });
      expect(await rejected(forged)).toMatch(/checkpoint rejected: signature is invalid/);
      const otherCheckpoint = (await http().get('/api/v1/public/campaigns/other-campaign/checkpoint')).body;
      const swapped = tamperingFetch((u, body) => (u.includes('/checkpoint') ? JSON.stringify(otherCheckpoint) : body));
      expect(await rejected(swapped)).toMatch(/checkpoint is for another log/);
    });

    it('a log rewritten since a checkpoint saved earlier', async () => {
      // A checkpoint of size 5 with the right origin and a valid signature, but another history.
      const signer = signerFromConfig(env.config);
      const rewritten = signCheckpoint({ origin: campaignOrigin(env.config.TRANSPARENCY_ORIGIN, campaignId), size: 5, rootHash: merkleRoot([Buffer.alloc(32, 1)]) }, signer);
      expect(await rejected(tamperingFetch((_, b) => b), { previousCheckpoint: rewritten })).toMatch(/rewritten/);
    });
  });
});
