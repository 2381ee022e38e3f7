import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  addSignatureLines, buildReceiptProof, consistencyProofRanges, cosignatureLine, createCosigner, createSigner, formatCosignerKey, formatVerifierKey, hashRange, inclusionProofRanges, merkleRoot, NodeRef, PublicLeaf,
  privateKeyFromSeed, publicLeafHash, signCheckpoint,
} from '../../../libs/transparency/src/domain/index.js';
import { runVerifier } from './main.js';

const CAMPAIGN = '7d0c1f5e-2a4b-4c6d-8e9f-0a1b2c3d4e5f';
const ORIGIN = `ataa.test/campaigns/${CAMPAIGN}`;
const signer = createSigner('ataa.test', privateKeyFromSeed(Buffer.alloc(32, 11)));
const stranger = createSigner('ataa.test', privateKeyFromSeed(Buffer.alloc(32, 12)));
const vkey = (s: typeof signer) => formatVerifierKey({ keyName: s.keyName, publicKey: s.publicKey });

const leaves: PublicLeaf[] = Array.from({ length: 6 }, (_, index) => ({
  v: 1, campaign: CAMPAIGN, index, time: `2026-03-0${index + 1}T09:00:00.000Z`, kind: 'donation', amount: String(1000 + index), currency: 'eur',
  donor: `Donor ${index}`, donorCommitment: null, message: null, purpose: null, balance: String((index + 1) * 1000 + (index * (index + 1)) / 2),
}));
const hashes = leaves.map(publicLeafHash);
const lookup = (ref: NodeRef) => merkleRoot(hashes.slice(ref.index * 2 ** ref.level, (ref.index + 1) * 2 ** ref.level));
const note = (size: number, by = signer) => signCheckpoint({ origin: ORIGIN, size, rootHash: merkleRoot(hashes.slice(0, size)) }, by);
const b64 = (b: Buffer) => b.toString('base64');

/** The receipt of gift 1, sent when the log had 3 entries. */
const receipt = buildReceiptProof({
  site: 'https://give.example', campaign: { id: CAMPAIGN, slug: 'spring-fund' }, leaf: leaves[1], treeSize: 3,
  inclusionProof: inclusionProofRanges(1, 3).map((r) => hashRange(r, lookup)), checkpoint: note(3), verifierKey: { keyName: signer.keyName, publicKey: signer.publicKey },
});

/** A site whose log now has 6 entries; `serve` overrides answers by path. */
function site(serve: Record<string, string> = {}) {
  const answers: Record<string, string> = {
    '/.well-known/ataa-transparency.pub': vkey(signer),
    '/api/v1/public/campaigns/spring-fund/checkpoint': JSON.stringify({ note: note(6) }),
    '/api/v1/public/campaigns/spring-fund/proof/consistency?from=3&to=6': JSON.stringify({ proof: consistencyProofRanges(3, 6).map((r) => b64(hashRange(r, lookup))) }),
    ...serve,
  };
  const asked: string[] = [];
  const fetch = async (url: string) => {
    const { pathname, search } = new URL(url);
    asked.push(pathname + search);
    const body = answers[pathname + search];
    return { ok: body !== undefined, status: body === undefined ? 404 : 200, text: async () => body ?? '' };
  };
  return { fetch, asked };
}

describe('verifier CLI, receipt mode (in process, fetch stubbed)', () => {
  let dir: string;
  let file: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'ataa-receipt-mode-'));
    file = path.join(dir, 'ataa-receipt-R-2026-000001.json');
    writeFileSync(file, JSON.stringify(receipt, null, 2));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const cli = async (args: string[], fetch?: ReturnType<typeof site>['fetch']) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runVerifier(args, { out: (l) => out.push(l), err: (l) => err.push(l), fetch });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  it('verifies offline without fetching anything, and says where to compare the key', async () => {
    const server = site();
    const result = await cli(['--receipt', file], server.fetch);
    expect(result).toMatchObject({ code: 0, err: '' });
    expect(result.out).toContain('VERIFIED offline: gift at index 1 of campaign spring-fund is in the log signed at size 3');
    expect(result.out).toContain('compare it with https://give.example/.well-known/ataa-transparency.pub');
    expect(server.asked).toEqual([]);
  });

  it('with the campaign URL, proves the current log extends the receipt\'s checkpoint', async () => {
    const server = site();
    const result = await cli(['--receipt', file, 'https://give.example/c/spring-fund'], server.fetch);
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    expect(result.out).toContain('consistency proof from size 3 to 6');
    expect(server.asked).toEqual([
      '/.well-known/ataa-transparency.pub', '/api/v1/public/campaigns/spring-fund/checkpoint', '/api/v1/public/campaigns/spring-fund/proof/consistency?from=3&to=6',
    ]);
    // a pinned key is not fetched
    const pinned = site();
    expect((await cli(['--receipt', file, '--key', vkey(signer), 'https://give.example/c/spring-fund'], pinned.fetch)).code).toBe(0);
    expect(pinned.asked).not.toContain('/.well-known/ataa-transparency.pub');
  });

  it('rejects a site that rewrote history, publishes another key, shrank its log or signs with another key', async () => {
    const rewritten = site({ '/api/v1/public/campaigns/spring-fund/proof/consistency?from=3&to=6': JSON.stringify({ proof: consistencyProofRanges(3, 6).map(() => b64(Buffer.alloc(32, 1))) }) });
    const cases: [ReturnType<typeof site>, RegExp][] = [
      [rewritten, /consistency proof from size 3 to 6 fails/],
      [site({ '/.well-known/ataa-transparency.pub': vkey(stranger) }), /the site publishes key .* not the receipt's/],
      [site({ '/api/v1/public/campaigns/spring-fund/checkpoint': JSON.stringify({ note: note(2) }) }), /smaller than the receipt's checkpoint/],
      [site({ '/api/v1/public/campaigns/spring-fund/checkpoint': JSON.stringify({ note: note(6, stranger) }) }), /current checkpoint rejected/],
      [site({ '/api/v1/public/campaigns/spring-fund/checkpoint': '<html>' }), /did not answer JSON/],
    ];
    for (const [server, reason] of cases) {
      const result = await cli(['--receipt', file, 'https://give.example/c/spring-fund'], server.fetch);
      expect(result.code).toBe(1);
      expect(result.err).toMatch(reason);
      expect(result.out).not.toMatch(/^VERIFIED:/m);
    }
  });

  it('with --witness, checks the quorum on the current checkpoint (which needs the campaign URL)', async () => {
    const witness = createCosigner('witness.example', privateKeyFromSeed(Buffer.alloc(32, 13)));
    const wkey = formatCosignerKey({ name: witness.name, publicKey: witness.publicKey });
    const current = note(6);
    const cosigned = addSignatureLines(current, [cosignatureLine(current.slice(0, current.indexOf('\n\n') + 1), witness, 1_800_000_000)]);
    const url = 'https://give.example/c/spring-fund';
    const ok = await cli(['--receipt', file, url, '--witness', wkey], site({ '/api/v1/public/campaigns/spring-fund/checkpoint': JSON.stringify({ note: cosigned }) }).fetch);
    expect([ok.code, ok.out]).toEqual([0, expect.stringContaining('cosigned by 1 of 1 witnesses (quorum 1): witness.example at 2027-01-15T08:00:00Z')]);
    const bare = await cli(['--receipt', file, url, '--witness', wkey], site().fetch);
    expect([bare.code, bare.err]).toEqual([1, expect.stringContaining('REJECTED: witness quorum not met: the checkpoint has 0 valid witness cosignature(s) of the 1 required (quorum 1 of 1); not counted: witness.example (no cosignature)')]);
    expect((await cli(['--receipt', file, '--witness', wkey])).err).toMatch(/^--witness in receipt mode needs the campaign URL/);
  });

  it('answers usage errors with 2', async () => {
    expect((await cli(['--receipt'])).code).toBe(2);
    expect((await cli(['--receipt', path.join(dir, 'nope.json')])).code).toBe(2);
    expect((await cli(['--receipt', file, '--state', path.join(dir, 's.json')])).code).toBe(2);
  });
});
