import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  addSignatureLines, consistencyProofRanges, cosignatureLine, createCosigner, createSigner, formatCosignerKey, formatVerifierKey, hashRange, inclusionProofRanges, leafHash,
  merkleRoot, NodeRef, privateKeyFromSeed, signCheckpoint,
} from '../../../libs/transparency/src/domain/index.js';
import { runVerifier } from './main.js';
import { InconsistencyFound, LogState, pollLog } from './monitor.js';

const CAMPAIGN = '3f1c2b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b';
const ORIGIN = `ataa.test/campaigns/${CAMPAIGN}`;
const URL_ = 'https://give.example/c/spring-fund';
const signer = createSigner('ataa.test', privateKeyFromSeed(Buffer.alloc(32, 21)));
const vkey = formatVerifierKey({ keyName: signer.keyName, publicKey: signer.publicKey });
const witnessA = createCosigner('witness.example/a', privateKeyFromSeed(Buffer.alloc(32, 31)));
const witnessB = createCosigner('witness.example/b', privateKeyFromSeed(Buffer.alloc(32, 32)));
const b64 = (b: Buffer) => b.toString('base64');
const leafOf = (label: string) => leafHash(Buffer.from(label, 'utf8'));

/**
 * A site serving one log from `leaves` (which a test may change: append, rewrite, truncate). Each
 * checkpoint is signed on demand; `cosigners` cosign the current one.
 */
function site(initial: number) {
  const s = {
    leaves: Array.from({ length: initial }, (_, i) => leafOf(`entry ${i}`)),
    cosigners: [] as (typeof witnessA)[],
    asked: [] as string[],
    down: false,
  };
  const root = (size: number) => merkleRoot(s.leaves.slice(0, size));
  const lookup = (ref: NodeRef) => merkleRoot(s.leaves.slice(ref.index * 2 ** ref.level, (ref.index + 1) * 2 ** ref.level));
  const note = (size: number) => {
    const text = signCheckpoint({ origin: ORIGIN, size, rootHash: root(size) }, signer);
    const body = text.slice(0, text.indexOf('\n\n') + 1);
    return addSignatureLines(text, s.cosigners.map((c) => cosignatureLine(body, c, 1_800_000_000)));
  };
  const answer = (pathname: string, q: URLSearchParams): unknown => {
    const api = '/api/v1/public/campaigns/spring-fund';
    const n = s.leaves.length;
    if (pathname === '/.well-known/ataa-transparency.pub') return `${vkey}\n`;
    if (pathname === `${api}/report`) return { campaign: { id: CAMPAIGN }, size: n };
    if (pathname === `${api}/checkpoint`) return { note: note(q.has('size') ? Number(q.get('size')) : n) };
    if (pathname === `${api}/proof/consistency`) {
      const [from, to] = [Number(q.get('from')), Number(q.get('to'))];
      return { proof: consistencyProofRanges(from, to).map((r) => b64(hashRange(r, lookup))) };
    }
    if (pathname === `${api}/proof/inclusions`) {
      return { proofs: (q.get('indexes') ?? '').split(',').map(Number).map((index) => ({ index, leafHash: s.leaves[index].toString('hex') })) };
    }
    if (pathname === `${api}/proof/inclusion`) {
      const [index, size] = [Number(q.get('index')), Number(q.get('size'))];
      return { leafHash: s.leaves[index].toString('hex'), proof: inclusionProofRanges(index, size).map((r) => b64(hashRange(r, lookup))) };
    }
    return undefined;
  };
  const fetch = async (url: string) => {
    const { pathname, searchParams, search } = new URL(url);
    s.asked.push(pathname + search);
    if (s.down) throw new Error('connect ECONNREFUSED');
    const body = answer(pathname, searchParams);
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    return { ok: body !== undefined, status: body === undefined ? 404 : 200, text: async () => text ?? '' };
  };
  return Object.assign(s, { fetch });
}

describe('monitor: one poll (in process, fetch stubbed)', () => {
  it('stores the first checkpoint with its leaf hashes, then accepts an unchanged and an extended log', async () => {
    const s = site(5);
    const first = await pollLog(URL_, null, { fetch: s.fetch });
    expect(first.outcome).toEqual({ kind: 'first', size: 5, rootHash: b64(merkleRoot(s.leaves)) });
    expect(first.state).toMatchObject({ origin: ORIGIN, key: vkey, size: 5 });
    expect(Buffer.from(first.state.leaves, 'base64').length).toBe(5 * 32);

    expect((await pollLog(URL_, first.state, { fetch: s.fetch })).outcome.kind).toBe('unchanged');
    s.leaves.push(leafOf('entry 5'), leafOf('entry 6'));
    s.asked.length = 0;
    const second = await pollLog(URL_, first.state, { fetch: s.fetch });
    expect(second.outcome).toEqual({ kind: 'extended', from: 5, size: 7, rootHash: b64(merkleRoot(s.leaves)) });
    // Only the new leaves were read, after a consistency proof from the stored size.
    expect(s.asked).toEqual([
      '/api/v1/public/campaigns/spring-fund/checkpoint',
      '/api/v1/public/campaigns/spring-fund/proof/consistency?from=5&to=7',
      '/api/v1/public/campaigns/spring-fund/proof/inclusions?indexes=5,6&size=7',
    ]);
  });

  it.each([
    // [log size, rewritten entry, entries appended after the rewrite]
    [13, 0, 0], [13, 6, 0], [13, 12, 0], [13, 6, 4], [16, 7, 1], [16, 8, 0], [1, 0, 2],
  ])('a log of %i entries with entry %i rewritten (+%i appended): the first inconsistent size is that entry + 1', async (size, rewritten, appended) => {
    const s = site(size);
    const { state } = await pollLog(URL_, null, { fetch: s.fetch });
    s.leaves[rewritten] = leafOf('rewritten');
    for (let i = 0; i < appended; i++) s.leaves.push(leafOf(`later ${i}`));
    const error = await pollLog(URL_, state, { fetch: s.fetch }).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(InconsistencyFound);
    const found = error as InconsistencyFound;
    expect(found.firstInconsistentSize).toBe(rewritten + 1);
    expect(found.reason).toMatch(appended === 0 ? /^split view: the log now signs another root for size/ : /^the consistency proof from size \d+ to \d+ does not verify/);
    const report = found.report.join('\n');
    expect(report).toContain(`first inconsistent size: ${rewritten + 1}`);
    expect(report).toContain(`verified         size ${size}, root ${state.rootHash}`);
    expect(report).toContain(`now signed       size ${size + appended}, root ${b64(merkleRoot(s.leaves))}`);
    expect(report).toContain(`entry ${rewritten}: leaf hash ${leafOf(`entry ${rewritten}`).toString('hex')} when verified, ${leafOf('rewritten').toString('hex')} now`);
    expect(report).toContain(`(signed) now`);
  });

  it('a smaller tree is a rewrite too: a truncated prefix names the first size it lost; a truncated and altered log the altered entry', async () => {
    const s = site(10);
    const { state } = await pollLog(URL_, null, { fetch: s.fetch });
    s.leaves.length = 6;
    const truncated = (await pollLog(URL_, state, { fetch: s.fetch }).catch((e) => e)) as InconsistencyFound;
    expect([truncated.name, truncated.firstInconsistentSize]).toEqual(['InconsistencyFound', 7]);
    expect(truncated.reason).toMatch(/^the log shrank from size 10 to 6; first inconsistent size 7/);
    expect(truncated.report).toContain('  entries 6 to 9 are gone from the log');
    s.leaves[2] = leafOf('rewritten');
    expect(((await pollLog(URL_, state, { fetch: s.fetch }).catch((e) => e)) as InconsistencyFound).firstInconsistentSize).toBe(3);
  });

  it('rejects a checkpoint signed by another key, for another log, or served with leaf hashes that do not fold to it', async () => {
    const s = site(4);
    const { state } = await pollLog(URL_, null, { fetch: s.fetch });
    const other = createSigner('ataa.test', privateKeyFromSeed(Buffer.alloc(32, 22)));
    const resigned = async (url: string, init?: { headers?: Record<string, string> }) => {
      if (!url.endsWith('/checkpoint')) return s.fetch(url);
      return { ok: true, status: 200, text: async () => JSON.stringify({ note: signCheckpoint({ origin: ORIGIN, size: 4, rootHash: merkleRoot(s.leaves) }, other) }) };
    };
    await expect(pollLog(URL_, state, { fetch: resigned })).rejects.toThrow(/^checkpoint rejected/);
    // A --key that is not the state's.
    await expect(pollLog(URL_, state, { fetch: s.fetch, key: formatVerifierKey({ keyName: other.keyName, publicKey: other.publicKey }) })).rejects.toThrow(/use another --state file/);
    // Leaf hashes that do not match the signed root (on the first poll and on an extension).
    const lying = async (url: string) => {
      const res = await s.fetch(url);
      if (!url.includes('/proof/inclusions')) return res;
      const body = JSON.parse(await res.text());
      body.proofs[0].leafHash = '00'.repeat(32);
      return { ...res, text: async () => JSON.stringify(body) };
    };
    await expect(pollLog(URL_, null, { fetch: lying })).rejects.toThrow('the 4 leaf hashes served do not hash to the signed root');
    s.leaves.push(leafOf('entry 4'));
    await expect(pollLog(URL_, state, { fetch: lying })).rejects.toThrow('the leaf hashes of entries 4 to 4 served do not hash to the signed root');
    // A stored state edited by hand is refused, not overwritten.
    const edited: LogState = { ...state, leaves: Buffer.alloc(4 * 32, 1).toString('base64') };
    await expect(pollLog(URL_, edited, { fetch: s.fetch })).rejects.toThrow(/stored state is corrupt/);
  });

  it('with witnesses: polls pass only with the quorum, naming the witness missing', async () => {
    const s = site(3);
    const witnesses = { witnesses: [witnessA, witnessB].map((w) => ({ name: w.name, publicKey: w.publicKey })), quorum: 2 };
    s.cosigners = [witnessA];
    await expect(pollLog(URL_, null, { fetch: s.fetch, witnesses })).rejects.toThrow(
      'witness quorum not met: the checkpoint has 1 valid witness cosignature(s) of the 2 required (quorum 2 of 2); not counted: witness.example/b (no cosignature)',
    );
    s.cosigners = [witnessA, witnessB];
    expect((await pollLog(URL_, null, { fetch: s.fetch, witnesses })).outcome.kind).toBe('first');
  });
});

describe('monitor CLI (in process, fetch stubbed)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'ataa-monitor-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const cli = async (s: ReturnType<typeof site>, ...args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runVerifier(['monitor', ...args], { out: (l) => out.push(l), err: (l) => err.push(l), fetch: s.fetch });
    return { code, out, err };
  };

  it('--once stores the state atomically, passes while the log grows, exits 1 with the report on a rewrite and keeps the verified state', async () => {
    const s = site(6);
    const state = path.join(dir, 'state.json');
    const first = await cli(s, `${URL_}/ledger`, '--state', state, '--once');
    expect(first.code).toBe(0);
    expect(first.out.at(-1)).toMatch(/CONSISTENT: first checkpoint stored, size 6/);
    const stored = JSON.parse(readFileSync(state, 'utf8'));
    expect(Object.keys(stored.logs)).toEqual([URL_]);
    expect(readdirSync(dir)).toEqual(['state.json']);

    s.leaves.push(leafOf('entry 6'));
    expect((await cli(s, URL_, '--state', state, '--once')).out.at(-1)).toMatch(/CONSISTENT: extends size 6 to 7/);
    const verified = readFileSync(state, 'utf8');

    s.leaves[4] = leafOf('rewritten');
    const bad = await cli(s, URL_, '--state', state, '--once');
    expect(bad.code).toBe(1);
    expect(bad.err[0]).toBe('INCONSISTENT: split view: the log now signs another root for size 7');
    expect(bad.err).toContain('  first inconsistent size: 5');
    expect(bad.err.at(-1)).toMatch(/^REJECTED: split view: .*; first inconsistent size 5 \(verified size 7 root \S+, now size 7 root \S+\)$/);
    expect(readFileSync(state, 'utf8')).toBe(verified);
    expect(readdirSync(dir)).toEqual(['state.json']);
  });

  it('exits 3 with --once when the site is unreachable, and 2 on bad arguments or a malformed state file', async () => {
    const s = site(2);
    s.down = true;
    const state = path.join(dir, 'state.json');
    const down = await cli(s, URL_, '--state', state, '--once');
    expect([down.code, down.err.at(-1)]).toEqual([3, expect.stringMatching(/^UNREACHABLE: .*ECONNREFUSED/)]);
    expect(existsSync(state)).toBe(false);
    for (const args of [[], ['not a url'], [URL_, '--interval', '0'], [URL_, '--quorum', '1'], [URL_, '--witness', 'nonsense'], [URL_, '--bogus']]) {
      expect((await cli(s, ...args, '--state', state)).code).toBe(2);
    }
    writeFileSync(state, '{"version":2}');
    const malformed = await cli(s, URL_, '--state', state, '--once');
    expect([malformed.code, malformed.err[0]]).toEqual([2, expect.stringContaining('not an ataa monitor state file')]);
  });

  it('keeps polling through an outage until stopped, and stops at the first inconsistency', async () => {
    const s = site(3);
    const state = path.join(dir, 'state.json');
    const stop = new AbortController();
    const out: string[] = [];
    const err: string[] = [];
    let polls = 0;
    // Each poll asks for the checkpoint first: count polls there, take the site down for the second, stop after the third.
    const fetch = async (url: string) => {
      if (url.endsWith('/checkpoint')) {
        polls++;
        s.down = polls === 2;
        if (polls === 3) stop.abort();
      }
      return s.fetch(url);
    };
    const code = await runVerifier(['monitor', URL_, '--state', state, '--interval', '1'], { out: (l) => out.push(l), err: (l) => err.push(l), fetch, signal: stop.signal });
    expect([code, polls]).toEqual([0, 3]);
    expect(err).toEqual([expect.stringMatching(/warn {2}could not poll \(retrying\): .*ECONNREFUSED/)]);
    expect(out.filter((l) => / CONSISTENT: /.test(l))).toHaveLength(2);

    s.down = false;
    s.leaves[0] = leafOf('rewritten');
    const again = await runVerifier(['monitor', URL_, '--state', state, '--interval', '1'], { out: () => undefined, err: (l) => err.push(l), fetch: s.fetch, signal: new AbortController().signal });
    expect([again, err.at(-1)]).toEqual([1, expect.stringMatching(/first inconsistent size 1 /)]);
  });

  it('the witness flags: --quorum above the witnesses given, a witness named twice and a malformed key are usage errors', async () => {
    const s = site(1);
    const a = formatCosignerKey({ name: witnessA.name, publicKey: witnessA.publicKey });
    const bad = await cli(s, URL_, '--witness', a, '--quorum', '2', '--once', '--state', path.join(dir, 's.json'));
    expect([bad.code, bad.err[0]]).toEqual([2, expect.stringContaining('--quorum 2 cannot be met by 1 witness(es)')]);
    expect((await cli(s, URL_, '--witness', a, '--witness', a, '--once')).err[0]).toContain('witness witness.example/a is given twice');
  });
});
