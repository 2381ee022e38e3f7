import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { TransactionRunner } from '@ataa/database';
import { baseUrlOf, createTestEnvironment, startTestApi, startTestWitness, TestEnvironment, TestWitness } from '@ataa/testing';
import { PublicLedgerAppender } from '@ataa/transparency';
import {
  addSignatureLines, campaignOrigin, cosignatureLine, createCosigner, formatCosignerKey, privateKeyFromSeed,
} from '../../libs/transparency/src/domain/index.js';
import { appendEntries, insertCampaign, insertLegacyEntries, sampleHistory, startBinaryMirror } from '../transparency/support.js';

/**
 * The independent implementation tier: our checkpoints, proofs and cosignatures checked by Go's
 * golang.org/x/mod/sumdb/note and sumdb/tlog (Debian's golang-golang-x-mod-dev, GOPATH mode, no
 * module download) and a cosignature/v1 verifier written in Go on crypto/ed25519. Data fetched
 * from the running API over HTTP. Tampered inputs must make the Go program fail: were our encoding
 * wrong in a way our own verifier shares, the positive case here would fail instead.
 */
const SOURCE = path.resolve(import.meta.dirname, 'go', 'crosscheck');
const GOPATH = '/usr/share/gocode';
const INSTALL = 'the Go cross-check needs Debian\'s Go and x/mod: apt-get install -y golang-go golang-golang-x-mod-dev (.ci/run installs them)';

type Result = { code: number | null; stdout: string; stderr: string };
function run(command: string, args: string[], env: Record<string, string>, cwd: string): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

type Input = {
  origin: string;
  logKey: string;
  checkpoint: string;
  inclusion: { index: number; leafHash: string; proof: string[] }[];
  consistency: { oldCheckpoint: string; proof: string[] }[];
  cosigners: string[];
  quorum: number;
  tiles?: { prefix: string; leafHashes: string[] };
};

describe('independent implementation: Go sumdb/note and sumdb/tlog check our log', () => {
  let dir: string;
  let binary: string;
  let env: TestEnvironment;
  let app: NestFastifyApplication;
  let base: string;
  let input: Input;
  let tilesInput: Input;
  let witness: TestWitness;
  const witnesses = [1, 2].map((i) => createCosigner(`witness-${i}.example`, privateKeyFromSeed(Buffer.alloc(32, 70 + i))));

  /** Runs the Go program on an input; returns its exit code and output. */
  let n = 0;
  const crosscheck = async (data: Input) => {
    const file = path.join(dir, `input-${n++}.json`);
    writeFileSync(file, JSON.stringify(data));
    const result = await run(binary, [file], {}, dir);
    return { code: result.code, out: `${result.stdout}${result.stderr}` };
  };
  const get = async (url: string) => {
    const res = await fetch(`${base}${url}`, { headers: { accept: 'application/json' } });
    expect(res.status).toBe(200);
    return res.json();
  };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'ataa-go-crosscheck-'));
    const version = await run('go', ['version'], {}, dir).catch(() => null);
    if (!version || version.code !== 0) throw new Error(`go is not installed: ${INSTALL}`);
    if (!existsSync(path.join(GOPATH, 'src/golang.org/x/mod/sumdb/tlog'))) throw new Error(`golang.org/x/mod is not in ${GOPATH}: ${INSTALL}`);
    binary = path.join(dir, 'crosscheck');
    // GOPATH mode against Debian's packaged sources; caches in the temporary directory; no module
    // download. CGO_ENABLED is left at its default: the standard library ships compiled for it (with
    // CGO_ENABLED=0 net/http would be recompiled, a minute on a busy machine); no C compiler is used.
    const goEnv = { GO111MODULE: 'off', GOPATH, GOCACHE: path.join(dir, 'gocache'), GOENV: 'off', GOFLAGS: '', GOPROXY: 'off', HOME: dir };
    const built = await run('go', ['build', '-o', binary, '.'], goEnv, SOURCE);
    if (built.code !== 0) throw new Error(`building the Go cross-check failed:\n${built.stdout}${built.stderr}`);

    env = await createTestEnvironment();
    app = await startTestApi(env.config, { listen: true });
    base = await baseUrlOf(app);
    const campaignId = await insertCampaign(env.database.url, { slug: 'go-checked' });
    const append = (entries: ReturnType<typeof sampleHistory>) => appendEntries(app.get(TransactionRunner), app.get(PublicLedgerAppender), campaignId, entries);
    await append(sampleHistory());
    const old6 = (await get('/api/v1/public/campaigns/go-checked/checkpoint?size=6')).note;
    const old11 = (await get('/api/v1/public/campaigns/go-checked/checkpoint')).note;
    // Two more gifts: 13 leaves, a tree that is not a power of two, with older sizes inside subtrees.
    await append(sampleHistory().slice(0, 2));
    const api = '/api/v1/public/campaigns/go-checked';
    const logKey = (await (await fetch(`${base}/.well-known/ataa-transparency.pub`)).text()).trim();
    const current = (await get(`${api}/checkpoint`)).note as string;
    expect(current.split('\n')[1]).toBe('13');
    const inclusions = await get(`${api}/proof/inclusions?indexes=0,3,7,8,12&size=13`);
    const consistency = await Promise.all(
      [[old6, 6], [old11, 11], [(await get(`${api}/checkpoint?size=1`)).note, 1], [(await get(`${api}/checkpoint?size=8`)).note, 8]].map(async ([note, from]) => ({
        oldCheckpoint: note as string,
        proof: (await get(`${api}/proof/consistency?from=${from}&to=13`)).proof as string[],
      })),
    );
    // Two witnesses cosign the checkpoint with our TypeScript domain (libs/transparency), and a
    // running witness (apps/witness) through C2SP tlog-witness add-checkpoint, from old size 0.
    const body = current.slice(0, current.indexOf('\n\n') + 1);
    witness = await startTestWitness({ logs: [{ origin: `${env.config.TRANSPARENCY_ORIGIN}/campaigns/*`, vkey: logKey }], name: 'witness-3.example', now: () => 1_795_000_002_000 });
    const added = await fetch(`${witness.url}/add-checkpoint`, { method: 'POST', body: `old 0\n\n${current}` });
    expect(added.status).toBe(200);
    const cosigned = addSignatureLines(current, [...witnesses.map((w, i) => cosignatureLine(body, w, 1_795_000_000 + i)), await added.text()]);

    // A log of 302 entries for the tiles: a full level-0 tile, a partial one and a level-1 tile. 300
    // format-1 entries written as the appender did before format 3 (one transaction), then 2 gifts.
    const tilesId = await insertCampaign(env.database.url, { slug: 'go-tiles' });
    await insertLegacyEntries(env.database.url, tilesId, Array.from({ length: 300 }, (_, i) => (i % 3 === 2 ? { kind: 'fee', amount: -10n } : { kind: 'donation', amount: 100n + BigInt(i), donor: `Donor ${i % 7}` })));
    await appendEntries(app.get(TransactionRunner), app.get(PublicLedgerAppender), tilesId, sampleHistory().slice(0, 2));
    const tilesApi = '/api/v1/public/campaigns/go-tiles';
    const tilesCheckpoint = (await get(`${tilesApi}/checkpoint`)).note as string;
    expect(tilesCheckpoint.split('\n')[1]).toBe('302');
    const leafHashes: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { entries: { leafHash: string }[]; page: { next: string | null } } = await get(`${tilesApi}/ledger?order=asc&limit=200${cursor ? `&cursor=${cursor}` : ''}`);
      leafHashes.push(...page.entries.map((e) => e.leafHash));
      cursor = page.page.next;
    } while (cursor);
    tilesInput = {
      origin: campaignOrigin(env.config.TRANSPARENCY_ORIGIN, tilesId),
      logKey: '',
      checkpoint: tilesCheckpoint,
      inclusion: (await get(`${tilesApi}/proof/inclusions?indexes=0,255,256,301&size=302`)).proofs,
      consistency: await Promise.all([256, 300, 1].map(async (from) => ({
        oldCheckpoint: (await get(`${tilesApi}/checkpoint?size=${from}`)).note as string,
        proof: (await get(`${tilesApi}/proof/consistency?from=${from}&to=302`)).proof as string[],
      }))),
      cosigners: [],
      quorum: 0,
      tiles: { prefix: `${base}/c/go-tiles/`, leafHashes },
    };

    input = {
      origin: campaignOrigin(env.config.TRANSPARENCY_ORIGIN, campaignId),
      logKey,
      checkpoint: cosigned,
      inclusion: inclusions.proofs,
      consistency,
      cosigners: [...witnesses.map((w) => formatCosignerKey({ name: w.name, publicKey: w.publicKey })), witness.vkey],
      quorum: 3,
    };
    tilesInput.logKey = logKey;
  });
  afterAll(async () => {
    await witness?.stop();
    await app?.close();
    await env?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('verifies the checkpoint signature, inclusion and consistency proofs and the three cosignatures', async () => {
    const result = await crosscheck(input);
    expect(result).toEqual({ code: 0, out: expect.stringMatching(/ALL OK\n$/) });
    const lines = result.out.trim().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^ok {2}checkpoint ${input.origin} size 13 root \\S+ signed by ${env.config.TRANSPARENCY_ORIGIN.replace(/[.]/g, '\\.')}$`));
    expect(lines.filter((l) => l.startsWith('ok  inclusion'))).toEqual([0, 3, 7, 8, 12].map((i) => `ok  inclusion of leaf ${i} in the tree of size 13`));
    expect(lines.filter((l) => l.startsWith('ok  consistency'))).toEqual([6, 11, 1, 8].map((from) => `ok  consistency from size ${from} to 13`));
    expect(lines.filter((l) => l.startsWith('ok  cosignature'))).toEqual([
      'ok  cosignature by witness-1.example at 1795000000', 'ok  cosignature by witness-2.example at 1795000001', 'ok  cosignature by witness-3.example at 1795000002',
    ]);
  });

  it('fails on a tampered checkpoint: signature, root, size or origin', async () => {
    const flipSignature = (note: string) => {
      const lines = note.split('\n');
      const i = lines.findIndex((l) => l.startsWith(`\u2014 ${env.config.TRANSPARENCY_ORIGIN} `));
      const blob = Buffer.from(lines[i].split(' ')[2], 'base64');
      blob[20] ^= 1;
      lines[i] = `\u2014 ${env.config.TRANSPARENCY_ORIGIN} ${blob.toString('base64')}`;
      return lines.join('\n');
    };
    expect(await crosscheck({ ...input, checkpoint: flipSignature(input.checkpoint) })).toEqual({ code: 1, out: expect.stringMatching(/^FAIL: checkpoint: invalid signature/m) });
    const [origin, size, root, ...rest] = input.checkpoint.split('\n');
    const otherRoot = Buffer.from(root, 'base64');
    otherRoot[0] ^= 1;
    expect((await crosscheck({ ...input, checkpoint: [origin, size, otherRoot.toString('base64'), ...rest].join('\n') })).code).toBe(1);
    expect((await crosscheck({ ...input, checkpoint: [origin, '12', root, ...rest].join('\n') })).code).toBe(1);
    expect(await crosscheck({ ...input, origin: `${input.origin}x` })).toEqual({ code: 1, out: expect.stringMatching(/^FAIL: checkpoint: origin/m) });
  });

  it('fails on a tampered inclusion or consistency proof', async () => {
    const flip = (b64: string) => {
      const b = Buffer.from(b64, 'base64');
      b[31] ^= 1;
      return b.toString('base64');
    };
    const inclusion = input.inclusion.map((p, i) => (i === 1 ? { ...p, proof: p.proof.map((h, j) => (j === 0 ? flip(h) : h)) } : p));
    expect(await crosscheck({ ...input, inclusion })).toEqual({ code: 1, out: expect.stringMatching(/^FAIL: inclusion of leaf 3 in tree 13/m) });
    const leaf = input.inclusion.map((p, i) => (i === 2 ? { ...p, leafHash: input.inclusion[3].leafHash } : p));
    expect(await crosscheck({ ...input, inclusion: leaf })).toEqual({ code: 1, out: expect.stringMatching(/^FAIL: inclusion of leaf 7 in tree 13/m) });
    const shortened = input.inclusion.map((p, i) => (i === 0 ? { ...p, proof: p.proof.slice(1) } : p));
    expect((await crosscheck({ ...input, inclusion: shortened })).code).toBe(1);
    const consistency = input.consistency.map((c, i) => (i === 0 ? { ...c, proof: c.proof.map((h, j) => (j === c.proof.length - 1 ? flip(h) : h)) } : c));
    expect(await crosscheck({ ...input, consistency })).toEqual({ code: 1, out: expect.stringMatching(/^FAIL: consistency from size 6 to 13/m) });
    // An older checkpoint paired with another size's proof.
    const swapped = [{ ...input.consistency[0], proof: input.consistency[1].proof }];
    expect((await crosscheck({ ...input, consistency: swapped })).code).toBe(1);
  });

  it('fails on a forged, re-timed or missing cosignature and on a malformed cosigner key', async () => {
    // The running witness's line, moved onto another checkpoint of the same log, is refused too.
    const older = input.consistency[1].oldCheckpoint;
    const theirs = input.checkpoint.split('\n').find((l) => l.startsWith('\u2014 witness-3.example '))!;
    expect(await crosscheck({ ...input, checkpoint: addSignatureLines(older, [theirs]), consistency: [], quorum: 0 })).toEqual({
      code: 1, out: expect.stringMatching(/^FAIL: checkpoint: invalid signature for key witness-3\.example/m),
    });
    const lines = input.checkpoint.split('\n');
    const i = lines.findIndex((l) => l.startsWith('\u2014 witness-2.example '));
    const blob = Buffer.from(lines[i].split(' ')[2], 'base64');
    blob.writeBigUInt64BE(1_795_000_099n, 4);
    const retimed = [...lines.slice(0, i), `\u2014 witness-2.example ${blob.toString('base64')}`, ...lines.slice(i + 1)].join('\n');
    expect(await crosscheck({ ...input, checkpoint: retimed })).toEqual({ code: 1, out: expect.stringMatching(/^FAIL: checkpoint: invalid signature for key witness-2\.example/m) });
    blob.writeBigUInt64BE(1_795_000_001n, 4);
    blob[40] ^= 1;
    const forged = [...lines.slice(0, i), `\u2014 witness-2.example ${blob.toString('base64')}`, ...lines.slice(i + 1)].join('\n');
    expect((await crosscheck({ ...input, checkpoint: forged })).code).toBe(1);
    const without = [...lines.slice(0, i), ...lines.slice(i + 1)].join('\n');
    expect(await crosscheck({ ...input, checkpoint: without })).toEqual({ code: 1, out: expect.stringMatching(/^FAIL: cosignatures: 2 of the 3 required/m) });
    expect((await crosscheck({ ...input, checkpoint: without, quorum: 2 })).code).toBe(0);
    // Our key ID over (name, 0x04, key): a vkey whose ID was computed another way is refused.
    const badId = input.cosigners[0].replace(/\+[0-9a-f]{8}\+/, '+00000000+');
    expect(await crosscheck({ ...input, cosigners: [badId] })).toEqual({ code: 1, out: expect.stringMatching(/^FAIL: cosigner key .*key ID does not match/m) });
  });

  it('hash tiles: the root, every leaf hash, record and tree proofs from the tiles, and the entry bundles', async () => {
    const result = await crosscheck(tilesInput);
    expect(result).toEqual({ code: 0, out: expect.stringMatching(/ALL OK\n$/) });
    expect(result.out).toContain('ok  consistency from size 256 to 302');
    expect(result.out).toMatch(new RegExp(`^ok {2}tiles: 302 leaf hashes and the root of size 302 from \\d+ tile\\(s\\) under ${base}/c/go-tiles/$`, 'm'));
    expect(result.out).toContain('ok  tiles: 302 entries in 2 bundle(s) hash to their leaves');
  });

  it('hash tiles: a changed hash tile (full or partial, any level), an altered entry or leaf hashes that differ from the API fail', async () => {
    const flipAt = (path: string, at: number) => (url: string, body: Buffer) => {
      if (url !== `/c/go-tiles/${path}`) return body;
      const copy = Buffer.from(body);
      copy[at] ^= 1;
      return copy;
    };
    for (const [path, at, reason] of [
      ['tile/0/000', 100 * 32 + 5, /^FAIL: tiles: .*(inconsistent|malformed|not match|hash)/m],
      ['tile/0/001.p/46', 45 * 32, /^FAIL: tiles: /m],
      ['tile/1/000.p/1', 0, /^FAIL: tiles: /m],
      ['tile/entries/001.p/46', 30, /^FAIL: tiles: entry 256 in bundle tile\/entries\/001\.p\/46 hashes to/m],
    ] as const) {
      const mirror = await startBinaryMirror(base, flipAt(path, at));
      try {
        const result = await crosscheck({ ...tilesInput, tiles: { ...tilesInput.tiles!, prefix: `${mirror.url}/c/go-tiles/` } });
        expect({ path, ...result }).toEqual({ path, code: 1, out: expect.stringMatching(reason) });
      } finally {
        await mirror.close();
      }
    }
    const leafHashes = [...tilesInput.tiles!.leafHashes];
    leafHashes[5] = leafHashes[6];
    expect(await crosscheck({ ...tilesInput, tiles: { ...tilesInput.tiles!, leafHashes } })).toEqual({ code: 1, out: expect.stringMatching(/^FAIL: tiles: leaf 5 is \S+ in the tiles, \S+ in the API/m) });
  });
});
