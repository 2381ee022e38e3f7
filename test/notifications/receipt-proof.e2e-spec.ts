import { jest } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import request from 'supertest';
import { createCampaign, createOrganizationWithOwner, ReceivedMail, SmtpSink, startSmtpSink } from '@ataa/testing';
import { DonationWorld, eventually, settle, startDonationWorld, startGift } from '../donations/donation-test-kit.js';
import { createSigner, formatVerifierKey, privateKeyFromSeed } from '../../libs/transparency/src/domain/index.js';
import { BuiltVerifier, buildVerifier } from '../transparency/built-verifier.js';
import { inspectPdf } from './pdf-inspect.js';

jest.setTimeout(120_000);

interface ProofJson {
  format: string;
  version: number;
  campaign: { id: string; slug: string; url: string };
  ledgerUrl: string;
  leafIndex: number;
  leafHash: string;
  treeSize: number;
  leaf: Record<string, unknown>;
  inclusionProof: string[];
  checkpoint: string;
  verifierKey: string;
  donorCommitment: { salt: string; name: string } | null;
}

/**
 * A donor verifies their gift from the receipt alone: a gift paid through Checkout on the sandbox,
 * posted by the worker, receipted over SMTP; the JSON attached to the mail is written to a file and
 * checked by the verifier CLI compiled from source (tsc, as `npm run build`) and run as its own
 * process — offline with fetch disabled, then against the live API once more gifts were appended.
 */
describe('offline receipt proofs checked by the built verifier CLI', () => {
  let sink: SmtpSink;
  let world: DonationWorld;
  let verifier: BuiltVerifier;
  let org: Awaited<ReturnType<typeof createOrganizationWithOwner>>;
  let dir: string;

  const mailTo = (email: string, nth = 1) =>
    eventually(async () => sink.messages.filter((m) => m.envelope.to.includes(email))[nth - 1], `mail #${nth} to ${email}`, 45_000);
  const proofOf = (mail: ReceivedMail) => {
    const json = mail.parsed.attachments.find((a) => a.contentType === 'application/json');
    if (!json) throw new Error('no JSON attachment');
    return { filename: json.filename ?? '', proof: JSON.parse(json.content.toString('utf8')) as ProofJson };
  };
  const pay = async (slug: string, fields: Record<string, string>) => {
    const gift = await startGift(world, slug, fields);
    await world.sandbox.control.paySession(gift.sessionId);
    await settle(world);
    return gift.donationId;
  };
  let files = 0;
  const save = (doc: unknown): string => {
    const file = path.join(dir, `receipt-${++files}.json`);
    writeFileSync(file, typeof doc === 'string' ? doc : JSON.stringify(doc, null, 2));
    return file;
  };
  const tampered = (proof: ProofJson, change: (doc: ProofJson) => void) => {
    const doc = JSON.parse(JSON.stringify(proof)) as ProofJson;
    change(doc);
    return save(doc);
  };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'ataa-receipts-'));
    [verifier, sink] = await Promise.all([buildVerifier(), startSmtpSink()]);
    world = await startDonationWorld({ publicUrl: true, env: { SMTP_URL: sink.url, MAIL_FROM: 'Ataa Receipts <receipts@ataa.test>' } });
    org = await createOrganizationWithOwner(world.api, { name: 'Hands & Hearts' });
  });
  afterAll(async () => {
    await world?.close();
    await sink?.close();
    verifier?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('attaches the proof to the receipt, which the built CLI verifies offline, rejects when tampered, and checks against the live log later', async () => {
    const campaign = await createCampaign(world.api, org, { title: 'Clean water', currency: 'usd' });
    const donationId = await pay(campaign.slug, { amount: 'other', customAmount: '25', donorName: 'Omar Khalid', publicMessage: 'For the wells', donorEmail: 'omar-proof@example.org' });
    const mail = await mailTo('omar-proof@example.org');
    const number = mail.parsed.headers.get('x-ataa-receipt-number') as string;
    const { filename, proof } = proofOf(mail);
    const [row] = await world.db.query(`SELECT public_leaf_index, public_leaf_hash AS leaf_hash FROM donations WHERE id = $1`, [donationId]);

    // The document: the gift's own leaf, in a checkpoint that covers it, with the published key.
    expect(filename).toBe(`ataa-receipt-${number}.json`);
    expect(proof).toMatchObject({
      format: 'ataa-receipt-proof', version: 1, leafIndex: Number(row.public_leaf_index), leafHash: row.leaf_hash,
      campaign: { id: campaign.id, slug: campaign.slug, url: `${world.config.PUBLIC_BASE_URL}/c/${campaign.slug}` },
      // Leaf format 3: the name and message are committed (salted SHA-256), never in the leaf itself.
      leaf: { v: 3, kind: 'donation', amount: '2500', donorHash: expect.stringMatching(/^[0-9a-f]{64}$/), messageHash: expect.stringMatching(/^[0-9a-f]{64}$/), campaign: campaign.id },
      donorCommitment: null,
    });
    expect(JSON.stringify(proof.leaf)).not.toMatch(/Omar|wells/);
    expect(proof.treeSize).toBeGreaterThan(proof.leafIndex);
    const published = await request(world.apiUrl).get('/.well-known/ataa-transparency.pub').expect(200);
    expect(proof.verifierKey).toBe(published.text.trim());
    // The QR code's link and the attachment's name are on the PDF's page; the text body names the file.
    const pdf = mail.parsed.attachments.find((a) => a.contentType === 'application/pdf');
    const page = inspectPdf(pdf!.content).texts.join(' ');
    expect(page.replace(/\s+/g, '')).toContain(proof.ledgerUrl);
    expect(page).toContain(filename);
    expect(mail.parsed.text).toContain(`npm run verify -- --receipt ${filename}`);

    // Offline, with fetch disabled in the CLI's process: verified, with and without the key pinned.
    const file = save(proof);
    const offline = await verifier.verify(['--receipt', file], { offline: true });
    expect(offline.stderr).toBe('');
    expect(offline.code).toBe(0);
    expect(offline.stdout).toContain(`VERIFIED offline: gift at index ${proof.leafIndex} of campaign ${campaign.slug}`);
    expect(offline.stdout).toMatch(/ok {4}inclusion proof \(\d+ hashes\) leads to the signed root/);
    expect(offline.stdout).toContain(`compare it with ${world.config.PUBLIC_BASE_URL}/.well-known/ataa-transparency.pub`);
    expect((await verifier.verify(['--receipt', file, '--key', published.text.trim()], { offline: true })).code).toBe(0);

    // Tampered copies: each is rejected with a FAIL line and exit code 1.
    const stranger = createSigner('ataa.local', privateKeyFromSeed(Buffer.alloc(32, 9)));
    const other = formatVerifierKey({ keyName: stranger.keyName, publicKey: stranger.publicKey });
    const alterSignature = (note: string) => {
      const lines = note.split('\n');
      const at = lines.length - 2; // the signature line, before the final newline
      const [dash, name, blob] = lines[at].split(' ');
      const bytes = Buffer.from(blob, 'base64');
      bytes[20] ^= 0x01; // inside the Ed25519 signature, after the 4-byte key hash
      lines[at] = [dash, name, bytes.toString('base64')].join(' ');
      return lines.join('\n');
    };
    const cases: [string, string, RegExp][] = [
      ['amount raised', tampered(proof, (d) => { d.leaf.amount = '250000'; }), /the leaf's fields hash to/],
      ['name commitment changed', tampered(proof, (d) => { d.leaf.donorHash = '0'.repeat(64); }), /the leaf's fields hash to/],
      ['a name added to the leaf', tampered(proof, (d) => { d.leaf.donor = 'Someone Else'; }), /leaf has fields that are not hashed: donor/],
      ['proof replaced', tampered(proof, (d) => { d.inclusionProof = ['A'.repeat(43) + '=']; }), /inclusion proof fails/],
      ['checkpoint signature altered', tampered(proof, (d) => { d.checkpoint = alterSignature(d.checkpoint); }), /checkpoint signature: signature is invalid/],
      ['index beyond the tree', tampered(proof, (d) => { d.leafIndex = d.treeSize; d.leaf.index = d.treeSize; }), /is not below the tree size/],
      ['not a receipt', save('{"hello": "world"}'), /not a receipt proof/],
      ['not JSON', save('%PDF-1.7'), /not JSON/],
    ];
    for (const [what, tamperedFile, reason] of cases) {
      const result = await verifier.verify(['--receipt', tamperedFile], { offline: true });
      expect({ what, code: result.code }).toEqual({ what, code: 1 });
      expect(result.stderr).toMatch(reason);
      expect(result.stderr).toMatch(/REJECTED: /);
      expect(result.stdout).not.toMatch(/VERIFIED/);
    }
    if (proof.inclusionProof.length > 0) {
      const flipped = tampered(proof, (d) => {
        const bytes = Buffer.from(d.inclusionProof[0], 'base64');
        bytes[31] ^= 1;
        d.inclusionProof[0] = bytes.toString('base64');
      });
      expect((await verifier.verify(['--receipt', flipped], { offline: true })).code).toBe(1);
    }
    const wrongKey = await verifier.verify(['--receipt', file, '--key', other], { offline: true });
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stderr).toMatch(/not the pinned/);
    expect((await verifier.verify(['--receipt', path.join(dir, 'missing.json')], { offline: true })).code).toBe(2);

    // More gifts, one anonymous: the log grows; the first receipt's checkpoint is a prefix of the current log.
    await pay(campaign.slug, { amount: 'other', customAmount: '10', anonymous: 'on', donorName: 'Layla Haddad', donorEmail: 'layla-proof@example.org' });
    await pay(campaign.slug, { amount: 'other', customAmount: '12', donorEmail: 'third-proof@example.org' });
    const anonymous = proofOf(await mailTo('layla-proof@example.org')).proof;
    expect(anonymous.leaf).toMatchObject({ v: 3, donorHash: null, donorCommitment: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(anonymous.donorCommitment).toMatchObject({ name: 'Layla Haddad', salt: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const anonymousRun = await verifier.verify(['--receipt', save(anonymous)], { offline: true });
    expect(anonymousRun.code).toBe(0);
    expect(anonymousRun.stdout).toContain('the donor commitment opens to the name on the receipt');
    await mailTo('third-proof@example.org');

    const [{ size }] = await world.db.query(`SELECT size FROM transparency_logs WHERE campaign_id = $1`, [campaign.id]);
    expect(Number(size)).toBeGreaterThan(proof.treeSize);
    const online = await verifier.verify(['--receipt', file, proof.campaign.url]);
    expect(online.stderr).toBe('');
    expect(online.code).toBe(0);
    expect(online.stdout).toContain("the site publishes the receipt's key");
    expect(online.stdout).toContain(`consistency proof from size ${proof.treeSize} to ${size}`);
    expect(online.stdout).toContain(`VERIFIED: the current log (size ${size}`);
    // pinned key, campaign page URL form
    expect((await verifier.verify(['--receipt', file, '--key', published.text.trim(), `${proof.campaign.url}/ledger`])).code).toBe(0);
    // the receipt is for another campaign than the URL names
    const elsewhere = await verifier.verify(['--receipt', file, `${world.apiUrl}/c/some-other-campaign`]);
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.stderr).toMatch(/the receipt is for campaign/);
    // a receipt whose (validly signed) checkpoint was swapped for a later one no longer matches its proof
    const later = anonymous.checkpoint;
    expect((await verifier.verify(['--receipt', tampered(proof, (d) => { d.checkpoint = later; })], { offline: true })).code).toBe(1);

    // A copy sent on request carries a proof too, against a newer checkpoint.
    const auth = { authorization: `Bearer ${org.ownerToken}` };
    await request(world.apiUrl).post(`/api/v1/orgs/${org.orgId}/donations/${donationId}/receipt/resend`).set(auth).expect(202);
    const copy = proofOf(await mailTo('omar-proof@example.org', 2));
    expect(copy.filename).toBe(`ataa-receipt-${number}-copy.json`);
    expect(copy.proof.treeSize).toBe(Number(size));
    expect(copy.proof.leaf).toEqual(proof.leaf);
    expect((await verifier.verify(['--receipt', save(copy.proof)], { offline: true })).code).toBe(0);
  });
});
