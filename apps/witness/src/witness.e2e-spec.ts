import { generateKeyPairSync } from 'node:crypto';
import { startTestWitness, type TestWitness } from '@ataa/testing';
import {
  addSignatureLines, createSigner, parseCosignerKey, signCheckpoint, verifyCosignature, verifyCheckpoint, parseVerifierKey,
} from '../../../libs/transparency/src/domain/index.js';
import { TestLog } from './testing/test-log.js';

/**
 * The witness over HTTP (C2SP tlog-witness add-checkpoint), started in-process with its own database:
 * platform-style campaign logs signed with a log key, consistency proofs from the transparency domain,
 * and every refusal the spec names, each leaving the witness's record as it was.
 */
describe('witness add-checkpoint over HTTP', () => {
  const platform = 'ataa.e2e';
  const logKey = generateKeyPairSync('ed25519').privateKey;
  const newLog = () => new TestLog({ platform, key: logKey });
  let witness: TestWitness;
  let campaignLogVkey: string;

  beforeAll(async () => {
    campaignLogVkey = newLog().vkey;
    // One key for every campaign log of the platform, accepted by origin prefix.
    witness = await startTestWitness({ logs: [{ origin: `${platform}/campaigns/*`, vkey: campaignLogVkey }] });
  });
  afterAll(async () => {
    await witness?.stop();
  });

  const post = (body: string | Buffer, contentType = 'text/plain') =>
    fetch(`${witness.url}/add-checkpoint`, { method: 'POST', body: typeof body === 'string' ? body : new Uint8Array(body), headers: { 'content-type': contentType } });

  async function cosign(log: TestLog, oldSize: number): Promise<string> {
    const response = await post(log.request(oldSize));
    expect(response.status).toBe(200);
    return response.text();
  }

  const recorded = async (log: TestLog) => {
    const stored = await witness.store.latest(log.origin);
    return stored && { size: stored.size, root: stored.rootHash.toString('base64') };
  };

  it('serves its vkey, its name and the logs it trusts', async () => {
    const home = await fetch(`${witness.url}/`);
    expect(home.status).toBe(200);
    const text = await home.text();
    expect(text).toContain(`vkey: ${witness.vkey}`);
    expect(text).toContain(`${platform}/campaigns/* ${platform}`);
    const vkey = await fetch(`${witness.url}/vkey`);
    expect(await vkey.text()).toBe(`${witness.vkey}\n`);
    expect(parseCosignerKey(witness.vkey).name).toBe(witness.name);
    expect((await fetch(`${witness.url}/health/ready`)).status).toBe(200);
    expect((await fetch(`${witness.url}/health/live`)).status).toBe(200);
  });

  it('cosigns a new log from old size 0, then each extension given a consistency proof', async () => {
    const log = newLog().append(5);
    const first = await cosign(log, 0);
    // The body is one cosignature line by this witness; added to the checkpoint it verifies.
    expect(first).toMatch(new RegExp(`^\u2014 ${witness.name.replace(/[./]/g, '\\$&')} [A-Za-z0-9+/=]+\n$`));
    const cosigned = addSignatureLines(log.checkpoint(), [first]);
    const verified = verifyCosignature(cosigned, parseCosignerKey(witness.vkey));
    expect(verified).not.toBeNull();
    expect(Math.abs(verified!.timestamp - Date.now() / 1000)).toBeLessThan(600);
    expect(verifyCheckpoint(cosigned, parseVerifierKey(campaignLogVkey)).size).toBe(5);
    expect(await recorded(log)).toEqual({ size: 5, root: log.rootAt(5).toString('base64') });

    log.append(8); // 5 -> 13: a proof of several hashes
    expect(log.proof(5, 13).length).toBeGreaterThan(1);
    const second = await cosign(log, 5);
    expect(verifyCosignature(addSignatureLines(log.checkpoint(), [second]), parseCosignerKey(witness.vkey))).not.toBeNull();
    expect(await recorded(log)).toEqual({ size: 13, root: log.rootAt(13).toString('base64') });

    // The same checkpoint again (old size = its size, empty proof): cosigned again, nothing changes.
    const again = await cosign(log, 13);
    expect(verifyCosignature(addSignatureLines(log.checkpoint(), [again]), parseCosignerKey(witness.vkey))).not.toBeNull();
    expect(await recorded(log)).toEqual({ size: 13, root: log.rootAt(13).toString('base64') });
  });

  it('answers 409 with the latest size (text/x.tlog.size) when the old size is not the one it cosigned', async () => {
    const log = newLog().append(4);
    await cosign(log, 0);
    log.append(3);
    // A client that does not know the witness's state starts from 0 and learns the size.
    const fromZero = await post(log.request(0, 7, { proof: [] }));
    expect(fromZero.status).toBe(409);
    expect(fromZero.headers.get('content-type')).toBe('text/x.tlog.size');
    expect(await fromZero.text()).toBe('4\n');
    const stale = await post(log.request(2));
    expect(stale.status).toBe(409);
    expect(await stale.text()).toBe('4\n');
    expect(await recorded(log)).toEqual({ size: 4, root: log.rootAt(4).toString('base64') });
    // Then it retries from that size and is cosigned.
    await cosign(log, 4);
    expect(await recorded(log)).toEqual({ size: 7, root: log.rootAt(7).toString('base64') });
  });

  it('refuses a smaller tree (old size above the checkpoint size) with 400 and keeps its state', async () => {
    const log = newLog().append(6);
    await cosign(log, 0);
    const response = await post(`old 6\n\n${log.checkpoint(3)}`);
    expect(response.status).toBe(400);
    expect((await response.json()).code).toBe('old_size_too_large');
    expect(await recorded(log)).toEqual({ size: 6, root: log.rootAt(6).toString('base64') });
  });

  it('refuses a rewritten history: same size with another root 409, a grown rewritten log 422, recorded as evidence', async () => {
    const log = newLog().append(6);
    await cosign(log, 0);
    const rewritten = newLogWithSameOrigin(log).append(6).rewrite(2);
    const sameSize = await post(rewritten.request(6, 6));
    expect(sameSize.status).toBe(409);
    expect(sameSize.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect((await sameSize.json()).code).toBe('root_hash_mismatch');
    rewritten.append(4);
    // The rewritten log's own proof from 6 to 10 does not lead from the root the witness cosigned.
    const grown = await post(rewritten.request(6, 10));
    expect(grown.status).toBe(422);
    expect((await grown.json()).code).toBe('inconsistent');
    expect(await recorded(log)).toEqual({ size: 6, root: log.rootAt(6).toString('base64') });
    const evidence = await witness.store.evidenceFor(log.origin);
    expect(evidence.map((e) => e.reason).sort()).toEqual(['inconsistent', 'root_hash_mismatch']);
  });

  it('refuses a forged consistency proof with 422 and keeps its state', async () => {
    const log = newLog().append(9);
    await cosign(log, 0);
    log.append(7);
    const proof = log.proof(9, 16);
    const forged = [...proof];
    forged[0] = Buffer.alloc(32, 7);
    for (const bad of [forged, proof.slice(1), [...proof, Buffer.alloc(32)], []]) {
      const response = await post(log.request(9, 16, { proof: bad }));
      expect(response.status).toBe(422);
    }
    expect(await recorded(log)).toEqual({ size: 9, root: log.rootAt(9).toString('base64') });
  });

  it('refuses a checkpoint without a valid signature by the trusted log key with 403', async () => {
    const log = newLog().append(3);
    await cosign(log, 0);
    log.append(2);
    const otherKey = createSigner(platform, generateKeyPairSync('ed25519').privateKey);
    // Signed by another key under the same name (unknown key: ignored, so no trusted signature).
    const wrongKey = await post(log.request(3, 5, { checkpoint: log.checkpoint(5, otherKey) }));
    expect(wrongKey.status).toBe(403);
    expect((await wrongKey.json()).code).toBe('bad_log_signature');
    // The trusted key's line over another body (an altered checkpoint).
    const genuine = log.checkpoint(5);
    const [body, signatures] = genuine.split('\n\n');
    const altered = `${body.replace(/\n\d+\n/, '\n6\n')}\n\n${signatures}`;
    expect((await post(`old 3\n\n${altered}`)).status).toBe(403);
    // A trusted line that fails to verify rejects the note even beside a valid one (signed-note).
    const doubled = `${genuine}${signatures.split('\n')[0].replace(/[A-Za-z0-9+/=]{20}$/, 'AAAAAAAAAAAAAAAAAAA=')}\n`;
    expect((await post(log.request(3, 5, { checkpoint: doubled }))).status).toBe(403);
    // Unknown keys' signatures beside the trusted one are ignored.
    const withOther = addSignatureLines(genuine, [signCheckpoint({ origin: log.origin, size: 5, rootHash: log.rootAt(5) }, createSigner('someone.else', generateKeyPairSync('ed25519').privateKey)).split('\n\n')[1]]);
    expect(await recorded(log)).toEqual({ size: 3, root: log.rootAt(3).toString('base64') });
    expect((await post(log.request(3, 5, { checkpoint: withOther }))).status).toBe(200);
  });

  it('answers 404 for a log it does not know, whatever the signature', async () => {
    const stranger = new TestLog({ platform: 'elsewhere.example', key: logKey }).append(2);
    expect((await post(stranger.request(0))).status).toBe(404);
    // The prefix covers origins below it, not the prefix itself nor a look-alike.
    const bare = new TestLog({ platform, key: logKey, origin: `${platform}/campaigns/` }).append(1);
    expect((await post(bare.request(0))).status).toBe(404);
    const lookAlike = new TestLog({ platform, key: logKey, origin: `${platform}/campaigns-evil/x` }).append(1);
    const response = await post(lookAlike.request(0));
    expect(response.status).toBe(404);
    expect((await response.json()).code).toBe('unknown_log');
    expect(await witness.store.latest(stranger.origin)).toBeNull();
  });

  it('refuses malformed bodies with 400, an oversized one with 413, and other methods with 405', async () => {
    const log = newLog().append(2);
    const good = log.request(0);
    const cases: [string, string][] = [
      ['', 'malformed_body'],
      ['old 0\n', 'malformed_body'],
      [good.replace('old 0', 'old 00'), 'malformed_old_size'],
      [good.replace('old 0', 'old -1'), 'malformed_old_size'],
      [good.replace('old 0', 'new 0'), 'malformed_old_size'],
      [good.replace('old 0\n', 'old 0\nnot-base64!\n'), 'malformed_proof'],
      [good.replace('old 0\n', `old 0\n${'A'.repeat(44)}\n`), 'malformed_proof'],
      [`old 0\n${`${Buffer.alloc(32).toString('base64')}\n`.repeat(64)}\n${log.checkpoint()}`, 'proof_too_long'],
      [good.replace(/\n$/, ''), 'malformed_checkpoint'],
      [good.replace(log.origin, `${log.origin}\r`), 'control_character'],
      [`old 0\n\n${log.origin}\n2\nnot a hash\n\n${log.checkpoint().split('\n\n')[1]}`, 'malformed_checkpoint'],
      [`old 0\n\n${log.origin}\n02\n${log.rootAt().toString('base64')}\n\n${log.checkpoint().split('\n\n')[1]}`, 'malformed_checkpoint'],
    ];
    for (const [body, code] of cases) {
      const response = await post(body);
      expect({ body, status: response.status }).toEqual({ body, status: 400 });
      if (body !== '') expect({ body, code: (await response.json()).code }).toEqual({ body, code });
    }
    expect((await post(Buffer.from([0x6f, 0x6c, 0x64, 0x20, 0x30, 0x0a, 0x0a, 0xff, 0xfe]))).status).toBe(400);
    expect((await post(`old 0\n\n${'x'.repeat(70_000)}`)).status).toBe(413);
    expect((await fetch(`${witness.url}/add-checkpoint`)).status).toBe(405);
    expect(await witness.store.latest(log.origin)).toBeNull();
    // Whatever the Content-Type, the body is read as the spec's text (none at all: witness-server.e2e-spec.ts).
    expect((await post(good, 'text/x-anything')).status).toBe(200);
    expect((await post(log.append(1).request(2), 'application/octet-stream')).status).toBe(200);
  });

  it('cosigns checkpoints with extension lines, signing them too', async () => {
    const log = newLog().append(3);
    const signer = log.signer;
    const body = `${log.origin}\n3\n${log.rootAt(3).toString('base64')}\nextension line\n`;
    const { sign } = await import('node:crypto');
    const signature = sign(null, Buffer.from(body), signer.privateKey);
    const hash = Buffer.alloc(4);
    hash.writeUInt32BE(signer.keyHash);
    const note = `${body}\n\u2014 ${signer.keyName} ${Buffer.concat([hash, signature]).toString('base64')}\n`;
    const response = await post(`old 0\n\n${note}`);
    expect(response.status).toBe(200);
    expect(verifyCosignature(addSignatureLines(note, [await response.text()]), parseCosignerKey(witness.vkey))).not.toBeNull();
  });

  it('cosigns exactly one of parallel requests from the same old size; the others get 409 with its size', async () => {
    const log = newLog().append(3);
    await cosign(log, 0);
    log.append(6);
    const responses = await Promise.all([4, 5, 6, 7, 8, 9].map((size) => post(log.request(3, size))));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    const winner = (await recorded(log))!.size;
    const losers = await Promise.all(responses.filter((r) => r.status !== 200).map(async (r) => `${r.status} ${await r.text()}`));
    expect(losers).toEqual(Array(5).fill(`409 ${winner}\n`));
    expect(await recorded(log)).toEqual({ size: winner, root: log.rootAt(winner).toString('base64') });
  });

  it('keeps its state across a restart', async () => {
    const log = newLog().append(2);
    await cosign(log, 0);
    await witness.close();
    witness = await witness.restart();
    const stale = await post(log.append(1).request(0, 3, { proof: [] }));
    expect(stale.status).toBe(409);
    expect(await stale.text()).toBe('2\n');
    await cosign(log, 2);
  });

  function newLogWithSameOrigin(log: TestLog): TestLog {
    return new TestLog({ platform, key: logKey, origin: log.origin });
  }
});
