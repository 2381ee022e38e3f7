import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { TransactionRunner } from '@ataa/database';
import { baseUrlOf, createTestEnvironment, startTestApi, startTestWitness, TestEnvironment } from '@ataa/testing';
import { PublicLedgerAppender, signerFromConfig } from '@ataa/transparency';
import { runVerifier } from '../../apps/verifier/src/main.js';
import {
  addSignatureLines, campaignOrigin, cosignatureLine, createCosigner, formatCosignerKey, privateKeyFromSeed, publicLeafHash, toLeaf,
} from '../../libs/transparency/src/domain/index.js';
import { appendEntries, insertCampaign, rewriteLeafAndResign, sampleHistory, startBinaryMirror, startTamperingMirror } from './support.js';

/**
 * The verifier's witness quorum and the monitor against the running API: checkpoints cosigned (by
 * witnesses made in the test, through a mirror that adds their lines), and a log rewritten in the
 * database and re-signed with the platform's key, which the monitor must catch.
 */
describe('verifier witness quorum and log monitor over HTTP', () => {
  let env: TestEnvironment;
  let app: NestFastifyApplication;
  let base: string;
  let dir: string;
  const append = (campaignId: string, amount: bigint, donor: string) =>
    appendEntries(app.get(TransactionRunner), app.get(PublicLedgerAppender), campaignId, [{ kind: 'donation', amount, occurredAt: new Date('2026-03-20T00:00:00Z'), donorDisplayName: donor }]);
  const cli = async (...args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runVerifier(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out, err, last: err.at(-1) ?? out.at(-1) ?? '' };
  };

  beforeAll(async () => {
    env = await createTestEnvironment();
    app = await startTestApi(env.config, { listen: true });
    base = await baseUrlOf(app);
    dir = mkdtempSync(path.join(tmpdir(), 'ataa-monitor-e2e-'));
  });
  afterAll(async () => {
    await app?.close();
    await env?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('verify --witness --quorum: passes with K valid cosignatures, refuses fewer naming the witness missing', async () => {
    const campaignId = await insertCampaign(env.database.url, { slug: 'quorum-fund' });
    await appendEntries(app.get(TransactionRunner), app.get(PublicLedgerAppender), campaignId, sampleHistory());
    const [a, b] = [1, 2].map((i) => createCosigner(`witness-${i}.example`, privateKeyFromSeed(Buffer.alloc(32, 60 + i))));
    const vkeys = [a, b].map((w) => formatCosignerKey({ name: w.name, publicKey: w.publicKey }));
    // A mirror whose checkpoints (JSON and text, for the JSON API and the tiles) carry the lines of
    // the witnesses that cosigned, as the platform publishes them.
    const cosign = (note: string, witnesses: (typeof a)[]) =>
      addSignatureLines(note, witnesses.map((w) => cosignatureLine(note.slice(0, note.indexOf('\n\n') + 1), w, Math.floor(Date.now() / 1000))));
    const cosigningMirror = (...witnesses: (typeof a)[]) =>
      startBinaryMirror(base, (url, body) => {
        if (url.startsWith('/api/v1/public/campaigns/quorum-fund/checkpoint')) {
          const view = JSON.parse(body.toString('utf8'));
          return Buffer.from(JSON.stringify({ ...view, note: cosign(view.note, witnesses) }));
        }
        return url === '/c/quorum-fund/checkpoint' ? Buffer.from(cosign(body.toString('utf8'), witnesses)) : body;
      });
    const both = await cosigningMirror(a, b);
    const one = await cosigningMirror(a);
    try {
      const withBoth = await cli(`${both.url}/c/quorum-fund`, '--witness', vkeys[0], '--witness', vkeys[1], '--quorum', '2');
      expect([withBoth.code, withBoth.last]).toEqual([0, expect.stringMatching(/^VERIFIED: 11 entries/)]);
      expect(withBoth.out).toContainEqual(expect.stringMatching(/^ {2}ok {2}cosigned by 2 of 2 witnesses \(quorum 2\): witness-1\.example at .*, witness-2\.example at /));

      const withOne = await cli(`${one.url}/c/quorum-fund`, '--witness', vkeys[0], '--witness', vkeys[1], '--quorum', '2');
      expect([withOne.code, withOne.last]).toEqual([
        1,
        'REJECTED: witness quorum not met: the checkpoint has 1 valid witness cosignature(s) of the 2 required (quorum 2 of 2); not counted: witness-2.example (no cosignature)',
      ]);
      expect((await cli(`${one.url}/c/quorum-fund`, '--witness', vkeys[0], '--witness', vkeys[1], '--quorum', '1')).code).toBe(0);
      // The platform's own checkpoint, uncosigned: refused as soon as one witness is required.
      const direct = await cli(`${base}/c/quorum-fund`, '--witness', vkeys[0]);
      expect([direct.code, direct.last]).toEqual([1, expect.stringContaining('not counted: witness-1.example (no cosignature)')]);
      // So do tiles mode (on the tiles' checkpoint) and the monitor.
      const logKey = (await (await fetch(`${base}/.well-known/ataa-transparency.pub`)).text()).trim();
      const tiles = (site: string, k: string) => cli('tiles', `${site}/c/quorum-fund/`, '--key', logKey, '--witness', vkeys[0], '--witness', vkeys[1], '--quorum', k);
      expect((await tiles(both.url, '2')).last).toMatch(/^VERIFIED from tiles: 11 entries/);
      expect(await tiles(one.url, '2')).toMatchObject({ code: 1, last: expect.stringMatching(/^REJECTED: witness quorum not met: .*not counted: witness-2\.example \(no cosignature\)$/) });
      expect((await tiles(one.url, '1')).code).toBe(0);
      const monitored = await cli('monitor', `${one.url}/c/quorum-fund`, '--state', path.join(dir, 'quorum.json'), '--once', '--witness', vkeys[0], '--witness', vkeys[1]);
      expect([monitored.code, monitored.last]).toEqual([1, expect.stringMatching(/^REJECTED: witness quorum not met: .*not counted: witness-2\.example \(no cosignature\)$/)]);
    } finally {
      await both.close();
      await one.close();
    }
  });

  it('monitor --once: stores the verified checkpoint, passes as gifts are appended, then catches a leaf rewritten in the database and re-signed (which a witness refuses to cosign)', async () => {
    const campaignId = await insertCampaign(env.database.url, { slug: 'monitored-fund' });
    await appendEntries(app.get(TransactionRunner), app.get(PublicLedgerAppender), campaignId, sampleHistory());
    const url = `${base}/c/monitored-fund/ledger`;
    const state = path.join(dir, 'monitor.json');
    const monitor = () => cli('monitor', url, '--state', state, '--once');

    const first = await monitor();
    expect([first.code, first.last]).toEqual([0, expect.stringMatching(/CONSISTENT: first checkpoint stored, size 11, root /)]);
    const stored = JSON.parse(readFileSync(state, 'utf8')).logs[`${base}/c/monitored-fund`];
    expect(stored).toMatchObject({ origin: campaignOrigin(env.config.TRANSPARENCY_ORIGIN, campaignId), size: 11 });
    expect(stored.checkpoint).toContain('\n11\n');

    await append(campaignId, 1200n, 'Lina');
    const second = await monitor();
    expect([second.code, second.last]).toEqual([0, expect.stringMatching(/CONSISTENT: extends size 11 to 12, root /)]);
    expect((await monitor()).last).toMatch(/CONSISTENT: unchanged, size 12/);
    const verified = readFileSync(state, 'utf8');
    const verifiedRoot = JSON.parse(verified).logs[`${base}/c/monitored-fund`].rootHash;
    // A witness (apps/witness) has cosigned this size-12 checkpoint too.
    const logKey = (await (await fetch(`${base}/.well-known/ataa-transparency.pub`)).text()).trim();
    const witness = await startTestWitness({ logs: [{ origin: `${env.config.TRANSPARENCY_ORIGIN}/campaigns/*`, vkey: logKey }] });
    const addCheckpoint = async (body: string) => (await fetch(`${witness.url}/add-checkpoint`, { method: 'POST', body })).status;
    const note12 = (await (await fetch(`${base}/api/v1/public/campaigns/monitored-fund/checkpoint`)).json()).note;
    expect(await addCheckpoint(`old 0\n\n${note12}`)).toBe(200);

    // The payout's purpose (entry 9) rewritten after the fact, its leaf, nodes and root recomputed, and the tree re-signed.
    const entries = (await (await fetch(`${base}/api/v1/public/campaigns/monitored-fund/ledger?order=asc&limit=200`)).json()).entries;
    expect(entries[9]).toMatchObject({ kind: 'payout', purpose: 'Blankets and heaters' });
    const rewritten = { ...entries[9], purpose: 'Office party' };
    const resigned = await rewriteLeafAndResign(
      env.database.url,
      { id: campaignId, origin: campaignOrigin(env.config.TRANSPARENCY_ORIGIN, campaignId) },
      9,
      { columns: { payout_purpose: 'Office party' }, leafHash: publicLeafHash(toLeaf(rewritten)) },
      signerFromConfig(env.config),
    );
    // The running API keeps serving the entries it has read (entries never change but by redaction, so
    // its entry cache keeps them): against the re-signed root they no longer verify.
    expect((await cli(`${base}/c/monitored-fund`)).last).toMatch(/^REJECTED/);
    // The attacker restarts the server, at the same address: a fresh process serves the rewritten
    // history under a valid signature, and only a monitor that remembers can tell.
    const port = Number(new URL(base).port);
    await app.close();
    app = await startTestApi(env.config, { listen: true, port });
    const served = await (await fetch(`${base}/api/v1/public/campaigns/monitored-fund/checkpoint`)).json();
    expect(served.note).toBe(resigned.note);
    expect((await cli(`${base}/c/monitored-fund`)).code).toBe(0);
    // The witness refuses the other root for size 12 (C2SP tlog-witness: 409) and keeps the one it cosigned.
    try {
      expect(await addCheckpoint(`old 12\n\n${resigned.note}`)).toBe(409);
      expect((await witness.store.latest(campaignOrigin(env.config.TRANSPARENCY_ORIGIN, campaignId)))?.rootHash.toString('base64')).toBe(verifiedRoot);
    } finally {
      await witness.stop();
    }

    const caught = await monitor();
    expect(caught.code).toBe(1);
    expect(caught.err[0]).toBe('INCONSISTENT: split view: the log now signs another root for size 12');
    expect(caught.err).toContain('  first inconsistent size: 10');
    expect(caught.err).toContain(`  verified         size 12, root ${verifiedRoot} (at ${JSON.parse(verified).logs[`${base}/c/monitored-fund`].verifiedAt})`);
    expect(caught.err).toContain(`  now signed       size 12, root ${resigned.root.toString('base64')}`);
    expect(caught.err).toContainEqual(expect.stringMatching(new RegExp(`^ {2}entry 9: leaf hash ${entries[9].leafHash} when verified, ${publicLeafHash(toLeaf(rewritten)).toString('hex')} now$`)));
    expect(caught.last).toBe(`REJECTED: split view: the log now signs another root for size 12; first inconsistent size 10 (verified size 12 root ${verifiedRoot}, now size 12 root ${resigned.root.toString('base64')})`);
    // The state still holds the history verified, so the next poll (the log grown meanwhile) reports it again.
    expect(readFileSync(state, 'utf8')).toBe(verified);
    await append(campaignId, 700n, 'Sami');
    const later = await monitor();
    expect([later.code, later.err[0], later.err]).toEqual([1, 'INCONSISTENT: the consistency proof from size 12 to 13 does not verify', expect.arrayContaining(['  first inconsistent size: 10'])]);
  });

  it('monitor: a mirror showing a smaller tree (an older checkpoint, validly signed) is reported as a rewrite', async () => {
    const campaignId = await insertCampaign(env.database.url, { slug: 'shrinking-fund' });
    await appendEntries(app.get(TransactionRunner), app.get(PublicLedgerAppender), campaignId, sampleHistory());
    const state = path.join(dir, 'shrinking.json');
    expect((await cli('monitor', `${base}/c/shrinking-fund`, '--state', state, '--once')).code).toBe(0);
    const older = (await (await fetch(`${base}/api/v1/public/campaigns/shrinking-fund/checkpoint?size=7`)).json()) as { note: string };
    const mirror = await startTamperingMirror(base, (url, body) => (url === '/api/v1/public/campaigns/shrinking-fund/checkpoint' ? JSON.stringify(older) : body));
    try {
      // The state is kept by site: the mirror starts from what was verified at the site itself.
      const states = JSON.parse(readFileSync(state, 'utf8')).logs;
      const copied = path.join(dir, 'shrinking-copy.json');
      writeFileSync(copied, JSON.stringify({ version: 1, logs: { [`${mirror.url}/c/shrinking-fund`]: states[`${base}/c/shrinking-fund`] } }));
      const caught = await cli('monitor', `${mirror.url}/c/shrinking-fund`, '--state', copied, '--once');
      expect([caught.code, caught.err[0], caught.last]).toEqual([
        1,
        'INCONSISTENT: the log shrank from size 11 to 7',
        expect.stringMatching(/^REJECTED: the log shrank from size 11 to 7; first inconsistent size 8 /),
      ]);
      expect(caught.err).toContain('  entries 7 to 10 are gone from the log');
    } finally {
      await mirror.close();
    }
  });
});
