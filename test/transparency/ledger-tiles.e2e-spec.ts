import { jest } from '@jest/globals';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import pg from 'pg';
import { TransactionRunner } from '@ataa/database';
import { baseUrlOf, createTestEnvironment, startTestApi, TestEnvironment } from '@ataa/testing';
import { PublicLedgerRedactor } from '@ataa/transparency';
import { runVerifier } from '../../apps/verifier/src/main.js';
import {
  bundlesForSize, decodeEntryBundle, leafHash, merkleRoot, parseVerifierKey, partialTiles, rootFromTiles, Tile, tileKey, tilePath, tilesForSize, verifyCheckpoint,
} from '../../libs/transparency/src/domain/index.js';
import { buildVerifier } from './built-verifier.js';
import { PublicLedgerHttp } from '../../apps/api/src/transparency/public-ledger.http.js';
import { appendMixedBatch, insertCampaign, insertLegacyEntries } from './support.js';

const LONG = 'public, max-age=31536000, immutable';
const SHORT = 'public, max-age=5, must-revalidate';

/** A plain static file server over a directory: what a mirror of the tiles is. */
async function startStaticMirror(dir: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    const file = path.join(dir, decodeURIComponent((req.url ?? '/').split('?')[0]));
    if (!file.startsWith(dir)) {
      res.writeHead(400);
      res.end();
      return;
    }
    try {
      const body = readFileSync(file);
      res.writeHead(200, { 'content-type': file.endsWith('checkpoint') ? 'text/plain; charset=utf-8' : 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/log/`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('the public ledger as C2SP tlog-tiles', () => {
  let env: TestEnvironment;
  let app: NestFastifyApplication;
  let base: string;
  let campaignId: string;
  let vkey: string;
  let appended = 0;
  const prefix = () => `${base}/c/tiled-relief/`;
  const get = (p: string, headers: Record<string, string> = {}) => fetch(`${prefix()}${p}`, { headers });
  const bytes = async (p: string) => {
    const res = await get(p);
    expect(res.status).toBe(200);
    return Buffer.from(await res.arrayBuffer());
  };

  /** k entries in one transaction (as a settlement batch appends them): gifts named, anonymous and with messages, and fees. */
  const appendBatch = (k: number) => {
    const first = appended;
    appended += k;
    return appendMixedBatch(app, campaignId, first, k, (n) => (n % 3 === 0 ? null : `Donor ${n % 40}`));
  };
  const signedCheckpoint = async () => {
    const res = await get('checkpoint');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    return verifyCheckpoint(await res.text(), parseVerifierKey(vkey));
  };

  beforeAll(async () => {
    env = await createTestEnvironment();
    app = await startTestApi(env.config, { listen: true });
    base = await baseUrlOf(app);
    campaignId = await insertCampaign(env.database.url, { slug: 'tiled-relief', title: 'Tiled relief' });
    await insertCampaign(env.database.url, { slug: 'tiled-draft', status: 'draft' });
    vkey = (await (await fetch(`${base}/.well-known/ataa-transparency.pub`)).text()).trim();
    for (let i = 0; i < 6; i++) await appendBatch(50);
  });
  afterAll(async () => {
    await app?.close();
    await env?.cleanup();
  });

  it('serves no tile beyond what a signed checkpoint covers, then full and partial tiles with their cache headers', async () => {
    // 300 entries appended in 6 batches: the appender signed each size the log grew to, nothing read yet.
    const db = new pg.Client({ connectionString: env.database.url });
    await db.connect();
    const stored = await db.query(`SELECT size::int AS size FROM transparency_checkpoints WHERE campaign_id = $1 ORDER BY size`, [campaignId]).finally(() => db.end());
    expect(stored.rows.map((r) => r.size)).toEqual([50, 100, 150, 200, 250, 300]);
    // Leaves 256 to 511 as a full tile: no checkpoint covers them.
    const early = await get('tile/0/001');
    expect(early.status).toBe(404);
    expect((await early.json()).code).toBe('tile_not_found');
    expect(early.headers.get('cache-control')).toBe('no-store');

    const checkpoint = await signedCheckpoint();
    expect(checkpoint.size).toBe(300);
    const full = await get('tile/0/000', { 'accept-encoding': 'br, gzip' });
    expect(full.status).toBe(200);
    expect(full.headers.get('content-type')).toBe('application/octet-stream');
    expect(full.headers.get('cache-control')).toBe(LONG);
    expect(full.headers.get('access-control-allow-origin')).toBe('*');
    // Random bytes: never compressed, whatever the client accepts.
    expect(full.headers.get('content-encoding')).toBeNull();
    const level0 = Buffer.from(await full.arrayBuffer());
    expect(level0).toHaveLength(8192);
    const etag = full.headers.get('etag') as string;
    expect((await get('tile/0/000', { 'if-none-match': etag })).status).toBe(304);

    const partial = await get('tile/0/001.p/44');
    expect(partial.status).toBe(200);
    expect(partial.headers.get('cache-control')).toBe(SHORT);
    const level0b = Buffer.from(await partial.arrayBuffer());
    expect(level0b).toHaveLength(44 * 32);
    // A narrower partial tile of a size a checkpoint covered is a prefix (the spec lets clients ask for any such width).
    expect(await bytes('tile/0/001.p/10')).toEqual(level0b.subarray(0, 320));
    // Level 1: the MTH of the full level-0 tile.
    const level1 = await bytes('tile/1/000.p/1');
    const leafHashes = [...Array(300).keys()].map((i) => (i < 256 ? level0 : level0b).subarray((i % 256) * 32, (i % 256) * 32 + 32));
    expect(level1).toEqual(merkleRoot(leafHashes.slice(0, 256)));
    // The root from the partial tiles alone is the signed root.
    const tiles = new Map<string, Buffer>([[tileKey({ level: 0, index: 1, width: 44 }), level0b], [tileKey({ level: 1, index: 0, width: 1 }), level1]]);
    expect(rootFromTiles(300, (t: Tile) => tiles.get(tileKey(t))).equals(checkpoint.rootHash)).toBe(true);
    expect(partialTiles(300).map(tilePath)).toEqual(['tile/0/001.p/44', 'tile/1/000.p/1']);
  });

  it('serves entry bundles whose entries hash to the level-0 tiles, compressed when the client accepts it', async () => {
    await signedCheckpoint();
    const res = await get('tile/entries/000', { 'accept-encoding': 'gzip' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect(res.headers.get('cache-control')).toBe(LONG);
    expect(res.headers.get('vary')).toContain('Accept-Encoding');
    const entries = decodeEntryBundle(Buffer.from(await res.arrayBuffer()));
    expect(entries).toHaveLength(256);
    const tile = await bytes('tile/0/000');
    entries.forEach((entry, i) => expect(leafHash(entry)).toEqual(tile.subarray(i * 32, i * 32 + 32)));
    // Format 3: the leaf holds commitments, never a name or a message.
    const first = JSON.parse(entries[1].toString('utf8'));
    expect(first).toMatchObject({ v: 3, campaign: campaignId, index: 1, kind: 'donation', amount: '501', donorHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(entries.map((e) => e.toString('utf8')).join('')).not.toMatch(/Donor \d|Message/);
    const plain = await get('tile/entries/001.p/44', { 'accept-encoding': 'identity' });
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(plain.headers.get('cache-control')).toBe(SHORT);
    expect(decodeEntryBundle(Buffer.from(await plain.arrayBuffer()))).toHaveLength(44);
  });

  it('refuses malformed paths with 400 and tiles beyond the signed size, unknown campaigns and drafts with 404', async () => {
    await signedCheckpoint();
    for (const bad of ['tile/0/01', 'tile/00/000', 'tile/0/0000', 'tile/0/x000/001', 'tile/0/000.p/0', 'tile/0/000.p/256', 'tile/0/000.p/01', 'tile/64/000', 'tile/entries/000.p/', 'tile/data/000', 'tile/0/000/']) {
      const res = await get(bad);
      expect([bad, res.status]).toEqual([bad, 400]);
      expect((await res.json()).code).toBe('tile_path_invalid');
    }
    for (const beyond of ['tile/0/001.p/45', 'tile/0/001', 'tile/0/002.p/1', 'tile/1/000', 'tile/2/000.p/1', 'tile/entries/001.p/45', 'tile/entries/001']) {
      const res = await get(beyond);
      expect([beyond, res.status]).toEqual([beyond, 404]);
      expect((await res.json()).code).toBe('tile_not_found');
    }
    expect((await fetch(`${base}/c/no-such-campaign/tile/0/000`)).status).toBe(404);
    expect((await fetch(`${base}/c/tiled-draft/tile/0/000`)).status).toBe(404);
    expect((await fetch(`${base}/c/tiled-draft/checkpoint`)).status).toBe(404);
  });

  it('tiles of a log being appended to always match a signed checkpoint, and never show what none signed', async () => {
    let appending = true;
    const appends = (async () => {
      while (appending) await appendBatch(1 + (appended % 7));
    })();
    let checked = 0;
    try {
      // Reads race the appends: each checkpoint is checked against tiles fetched after it.
      while (checked < 12) {
        const checkpoint = await signedCheckpoint();
        const size = checkpoint.size;
        const fetched = new Map<string, Buffer>();
        for (const tile of partialTiles(size)) fetched.set(tileKey(tile), await bytes(tilePath(tile)));
        expect(rootFromTiles(size, (t: Tile) => fetched.get(tileKey(t))).equals(checkpoint.rootHash)).toBe(true);
        // Entries beyond this checkpoint may exist (appends go on, each signing the size it reaches):
        // a wider tile is served only once a signed checkpoint covers it.
        const width = size % 256;
        if (width > 0 && width < 255) {
          const wider = await get(tilePath({ level: 0, index: Math.floor(size / 256), width: width + 1 }));
          if (wider.status === 200) expect((await signedCheckpoint()).size).toBeGreaterThan(size);
          else expect(wider.status).toBe(404);
        }
        checked++;
      }
    } finally {
      appending = false;
      await appends;
    }
    // Every tile served meanwhile is a prefix of the tile as it stands now: nothing was served half-written.
    const final = await signedCheckpoint();
    expect(final.size).toBeGreaterThan(300);
    const levels0 = await Promise.all(tilesForSize(final.size).filter((t) => t.level === 0).map((t) => bytes(tilePath(t))));
    const leaves = Buffer.concat(levels0);
    const all = [...Array(final.size).keys()].map((i) => leaves.subarray(i * 32, i * 32 + 32));
    expect(merkleRoot(all).equals(final.rootHash)).toBe(true);
  });

  it('the verifier CLI verifies the log from the API\'s tiles, and from a static mirror of them', async () => {
    await appendBatch(3);
    const out: string[] = [];
    const io = { out: (l: string) => out.push(l), err: (l: string) => out.push(l) };
    expect(await runVerifier(['tiles', prefix(), '--key', vkey], io)).toBe(0);
    expect(out.join('\n')).toMatch(/VERIFIED from tiles: \d+ entries/);
    expect(out.join('\n')).toContain('root from the tiles is the signed root');

    // The mirror: the checkpoint and every tile and bundle of its size, copied to files, served by a plain static server.
    const dir = mkdtempSync(path.join(tmpdir(), 'ataa-tiles-mirror-'));
    const root = path.join(dir, 'log');
    const note = await (await get('checkpoint')).text();
    const size = verifyCheckpoint(note, parseVerifierKey(vkey)).size;
    mkdirSync(root, { recursive: true });
    writeFileSync(path.join(root, 'checkpoint'), note);
    for (const tile of [...tilesForSize(size), ...bundlesForSize(size)]) {
      const file = path.join(root, tilePath(tile));
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, await bytes(tilePath(tile)));
    }
    const mirror = await startStaticMirror(dir);
    try {
      out.length = 0;
      expect(await runVerifier(['tiles', mirror.url, '--key', vkey], io)).toBe(0);
      expect(out.join('\n')).toContain(`VERIFIED from tiles: ${size} entries in ${Math.ceil(size / 256)} bundle(s)`);
      // The same as a separate process, as `npm run verify -- tiles …` runs it (built as the build builds it).
      const built = await buildVerifier();
      try {
        const run = await built.verify(['tiles', mirror.url, '--key', vkey]);
        expect([run.code, run.stderr]).toEqual([0, '']);
        expect(run.stdout).toContain(`VERIFIED from tiles: ${size} entries`);
      } finally {
        built.cleanup();
      }

      // A mirror that alters one amount in a bundle (same length), or one hash of a level-0 tile, is caught.
      const bundleFile = path.join(root, 'tile/entries/000');
      const original = readFileSync(bundleFile);
      writeFileSync(bundleFile, Buffer.from(original.toString('latin1').replace('"amount":"502"', '"amount":"602"'), 'latin1'));
      out.length = 0;
      expect(await runVerifier(['tiles', mirror.url, '--key', vkey], io)).toBe(1);
      expect(out.join('\n')).toMatch(/REJECTED: entry 2 running balance/);
      writeFileSync(bundleFile, original);
      const tileFile = path.join(root, 'tile/0/000');
      const tile = readFileSync(tileFile);
      tile[5 * 32] ^= 1;
      writeFileSync(tileFile, tile);
      out.length = 0;
      expect(await runVerifier(['tiles', mirror.url, '--key', vkey], io)).toBe(1);
      expect(out.join('\n')).toMatch(/REJECTED: entry 5 was altered: it hashes to [0-9a-f]{64}, the level-0 tile holds [0-9a-f]{64}/);
      // Without a pinned key, tiles mode refuses to start.
      expect(await runVerifier(['tiles', mirror.url], io)).toBe(2);
    } finally {
      await mirror.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a bundle with a redacted format-1 entry: the CLI reports it unverifiable and takes the tile\'s hash', async () => {
    const id = await insertCampaign(env.database.url, { slug: 'tiled-legacy' });
    const legacyRef = randomUUID();
    await insertLegacyEntries(env.database.url, id, [{ kind: 'donation', amount: 4000n, donor: 'Nadia Legacy', message: 'Old words', sourceRef: legacyRef }, { kind: 'fee', amount: -120n }]);
    const legacy = `${base}/c/tiled-legacy/`;
    // Appended before checkpoints were signed on append: its checkpoint is signed when read (not stored).
    await fetch(`${legacy}checkpoint`);
    const before = await fetch(`${legacy}tile/entries/000.p/2`);
    // Format-1 entries hold the name in clear: a redaction may still change the bundle, so it is never immutable.
    expect(before.headers.get('cache-control')).toBe(SHORT);
    expect(Buffer.from(await before.arrayBuffer()).toString('utf8')).toContain('Nadia Legacy');
    const out: string[] = [];
    const io = { out: (l: string) => out.push(l), err: (l: string) => out.push(l) };
    expect(await runVerifier(['tiles', legacy, '--key', vkey], io)).toBe(0);

    await app.get(TransactionRunner).run((manager) => app.get(PublicLedgerRedactor).redact(manager, [
      { campaignId: id, target: { sourceRefs: [legacyRef] }, fields: ['donor', 'message'], reason: 'erased', note: null },
    ]));
    const after = Buffer.from(await (await fetch(`${legacy}tile/entries/000.p/2`)).arrayBuffer());
    expect(after.toString('utf8')).not.toMatch(/Nadia|Old words/);
    expect(JSON.parse(decodeEntryBundle(after)[0].toString('utf8'))).toMatchObject({ v: 1, donor: null, message: null, redacted: { donor: { reason: 'erased' } } });
    out.length = 0;
    expect(await runVerifier(['tiles', legacy, '--key', vkey], io)).toBe(0);
    expect(out.join('\n')).toContain('entry 0: donor redacted (erased), unverifiable (format 1)');
    expect(out.join('\n')).toContain('2 personal field(s) redacted in entries predating leaf format 3');
  });

  it('answers an immutable tile from the server\'s fast path exactly as the route does: headers, 304, compression, request id, metrics', async () => {
    await signedCheckpoint();
    await bytes('tile/0/000');
    await bytes('tile/entries/000');
    const ledger = app.get(PublicLedgerHttp, { strict: false });
    const fastPath = jest.spyOn(ledger, 'immutableTile');
    const servedFast = () => fastPath.mock.results.filter((r) => r.type === 'return' && r.value !== undefined).length;
    const headersOf = (res: Response) => Object.fromEntries([...res.headers].filter(([name]) => name !== 'date' && name !== 'x-request-id'));
    const tileRequests = async () => {
      const text = await (await fetch(`${base}/metrics`)).text();
      return Number(/ataa_http_requests_total\{method="GET",route="\/c\/:slug\/tile\/\*",status="200"\} (\d+)/.exec(text)?.[1] ?? 0);
    };
    try {
      // (a partial tile's bytes at its width never change either: kept, with its short cache lifetime)
      await bytes('tile/0/001.p/44');
      for (const [tile, headers] of [['tile/0/000', {}], ['tile/0/001.p/44', {}], ['tile/entries/000', { 'accept-encoding': 'gzip' }], ['tile/entries/000', { 'accept-encoding': 'br' }], ['tile/entries/000', {}]] as const) {
        // a query string sends the request down the route (the fast path takes bare tile paths only)
        const before = servedFast();
        const routed = await get(`${tile}?via=route`, headers);
        expect(servedFast()).toBe(before);
        // The fast path answers within a second of the route seeing the campaign public: the routed
        // request just before renews that; a loaded machine taking longer between the two gets another go.
        let fast: Response | undefined;
        for (let attempt = 1; fast === undefined; attempt++) {
          const [counted, served] = [await tileRequests(), servedFast()];
          await get(`${tile}?via=route`, headers);
          const answer = await get(tile, headers);
          if (servedFast() === served + 1) {
            // both counted under the route's label
            expect(await tileRequests()).toBe(counted + 2);
            fast = answer;
          } else expect(attempt).toBeLessThan(5);
        }
        expect([tile, fast.status, headersOf(fast)]).toEqual([tile, 200, headersOf(routed)]);
        expect(Buffer.from(await fast.arrayBuffer()).equals(Buffer.from(await routed.arrayBuffer()))).toBe(true);
      }
      // a conditional request: 304 with the same ETag and cache headers, no body
      const full = await get('tile/0/000');
      const etag = full.headers.get('etag') as string;
      const [routed304, fast304] = [await get('tile/0/000?via=route', { 'if-none-match': `W/${etag}` }), await get('tile/0/000', { 'if-none-match': `"other", W/${etag}` })];
      expect(fast304.status).toBe(304);
      expect(headersOf(fast304)).toEqual(headersOf(routed304));
      expect(await fast304.text()).toBe('');
      // the caller's request id is echoed when it is a plain token, replaced when it is not
      expect((await get('tile/0/000', { 'x-request-id': 'mirror-42.a:b' })).headers.get('x-request-id')).toBe('mirror-42.a:b');
      expect((await get('tile/0/000', { 'x-request-id': 'bad id <script>' })).headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      // a fault in the fast path costs nothing but speed: the route answers
      fastPath.mockImplementationOnce(() => {
        throw new Error('fast path fault');
      });
      const fallback = await get('tile/0/000');
      expect(fallback.status).toBe(200);
      expect(headersOf(fallback)).toEqual(headersOf(full));
      // HEAD takes the route
      const before = servedFast();
      expect((await fetch(`${prefix()}tile/0/000`, { method: 'HEAD' })).status).toBe(200);
      expect(servedFast()).toBe(before);
    } finally {
      fastPath.mockRestore();
    }
  });

  it('serves an immutable tile again without reading the log head, for at most a second after its campaign stops being public', async () => {
    await signedCheckpoint();
    const first = await bytes('tile/0/000');
    // Served from memory: the same bytes and ETag again and again.
    const again = await get('tile/0/000');
    expect(Buffer.from(await again.arrayBuffer()).equals(first)).toBe(true);
    expect(again.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    // The campaign no longer public (a draft again): within a second its tiles are gone too.
    const db = new pg.Client({ connectionString: env.database.url });
    await db.connect();
    try {
      await db.query(`UPDATE campaigns SET status = 'draft' WHERE id = $1`, [campaignId]);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      expect((await get('tile/0/000')).status).toBe(404);
      expect((await get('tile/entries/000')).status).toBe(404);
    } finally {
      await db.query(`UPDATE campaigns SET status = 'published' WHERE id = $1`, [campaignId]);
      await db.end();
    }
    expect((await get('tile/0/000')).status).toBe(200);
  });
});
