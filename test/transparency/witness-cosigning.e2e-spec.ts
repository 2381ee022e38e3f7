import request from 'supertest';
import { loadConfig } from '@ataa/config';
import { MetricsService } from '@ataa/observability';
import { createCampaign, createOrganizationWithOwner, startTestWitness, type TestWitness } from '@ataa/testing';
import { checkCosignatures, parseCosignerKey, signerFromConfig } from '@ataa/transparency';
import { formatVerifierKey, parseVerifierKey, verifyCheckpoint } from '../../libs/transparency/src/domain/index.js';
import { runVerifier } from '../../apps/verifier/src/main.js';
import { donationRow, DonationWorld, eventually, settle, startDonationWorld, startGift } from '../donations/donation-test-kit.js';

type Json = Record<string, any>;

/**
 * Gifts through the sandbox with two real witnesses (apps/witness, in-process, each with its own
 * database) configured: each new checkpoint is submitted to both by the worker, off the donation
 * path, and the public checkpoint and ledger page carry what they cosigned. A witness that is down
 * delays nothing and cosigns once back.
 */
describe('witnesses cosign the campaign log after gifts (sandbox, two witnesses)', () => {
  let world: DonationWorld;
  let w1: TestWitness;
  let w2: TestWitness;
  const keys = () => [parseCosignerKey(w1.vkey), parseCosignerKey(w2.vkey)];
  let campaign: { id: string; slug: string };
  let platformKey: ReturnType<typeof parseVerifierKey>;

  beforeAll(async () => {
    // The development checkpoint key is derived from the origin: the witnesses trust it for every
    // campaign log (origin prefix), as an operator running a witness for the platform would.
    const platform = loadConfig({ NODE_ENV: 'test' });
    const signer = signerFromConfig(platform, { warn: () => undefined } as never);
    const logs = [{ origin: `${platform.TRANSPARENCY_ORIGIN}/campaigns/*`, vkey: formatVerifierKey({ keyName: signer.keyName, publicKey: signer.publicKey }) }];
    [w1, w2] = await Promise.all([startTestWitness({ logs, name: 'w1.example' }), startTestWitness({ logs, name: 'w2.example' })]);
    world = await startDonationWorld({
      env: { TRANSPARENCY_WITNESSES: `${w1.url} ${w1.vkey}, ${w2.url} ${w2.vkey}`, TRANSPARENCY_WITNESS_RETRY_MS: '200', TRANSPARENCY_WITNESS_TIMEOUT_MS: '3000' },
    });
    platformKey = parseVerifierKey((await request(world.apiUrl).get('/.well-known/ataa-transparency.pub').expect(200)).text);
    const org = await createOrganizationWithOwner(world.api);
    campaign = await createCampaign(world.api, org);
  }, 120_000);
  afterAll(async () => {
    await world?.close();
    await Promise.all([w1?.stop(), w2?.stop()]);
  });

  async function give(amount: string): Promise<string> {
    const { donationId, sessionId } = await startGift(world, campaign.slug, { amount: 'other', customAmount: amount, donorName: 'Amal' });
    await world.sandbox.control.paySession(sessionId);
    await settle(world);
    return donationId;
  }
  async function verify(...args: string[]): Promise<{ code: number; last: string | undefined }> {
    const out: string[] = [];
    const code = await runVerifier([`${world.apiUrl}/c/${campaign.slug}`, ...args], { out: (l) => out.push(l), err: (l) => out.push(l) });
    return { code, last: out.at(-1) };
  }
  const checkpointJson = async (): Promise<Json> => (await request(world.apiUrl).get(`/api/v1/public/campaigns/${campaign.slug}/checkpoint`).expect(200)).body;
  const cosignedBy = async (n: number) => eventually(async () => {
    const body = await checkpointJson();
    return body.witnesses.cosigned === n ? body : false;
  }, `${n} cosignatures of the current checkpoint`, 60_000);

  it('a gift → the checkpoint cosigned by both witnesses → the served checkpoint verifies with both cosignatures', async () => {
    await give('25.00');
    const json = await cosignedBy(2);
    expect(json.witnesses).toEqual({ configured: 2, cosigned: 2 });
    expect(json.cosignatures.map((c: Json) => c.witness)).toEqual(['w1.example', 'w2.example']);

    // The text endpoint: the platform's signature and both cosignatures on one note.
    const text = (await request(world.apiUrl).get(`/c/${campaign.slug}/checkpoint`).expect(200)).text;
    expect(text).toBe(json.note);
    expect(verifyCheckpoint(text, platformKey).size).toBe(json.size);
    expect(checkCosignatures(text, keys())).toEqual({ valid: [expect.objectContaining({ name: 'w1.example' }), expect.objectContaining({ name: 'w2.example' })], missing: [] });

    // The verifier CLI verifies the log as served: with the platform key alone, and with a quorum of both witnesses.
    expect(await verify()).toEqual({ code: 0, last: expect.stringMatching(/^VERIFIED: \d+ entries/) });
    expect(await verify('--witness', w1.vkey, '--witness', w2.vkey, '--quorum', '2')).toEqual({ code: 0, last: expect.stringMatching(/^VERIFIED: \d+ entries/) });

    // A sized checkpoint every witness has cosigned is final: cached for long.
    const sized = await request(world.apiUrl).get(`/api/v1/public/campaigns/${campaign.slug}/checkpoint`).query({ size: json.size }).expect(200);
    expect(sized.headers['cache-control']).toContain('immutable');
    expect(sized.body.note).toBe(text);

    // The ledger page says so, in English and Arabic.
    const en = (await request(world.apiUrl).get(`/c/${campaign.slug}/ledger`).query({ lang: 'en' }).expect(200)).text;
    expect(en).toMatch(/Checkpoint cosigned by 2 of 2 independent witnesses \(w1\.example, w2\.example\), latest at <time datetime="[^"]+">/);
    const ar = (await request(world.apiUrl).get(`/c/${campaign.slug}/ledger`).query({ lang: 'ar' }).expect(200)).text;
    expect(ar).toContain('وقّع نقطة التحقق من الشهود المستقلين 2 من أصل 2 (w1.example، w2.example)');
  });

  it('a witness that is down: the gift settles at once, the submission is retried, and it cosigns once back', async () => {
    await w2.close();
    let etag: string;
    try {
      const donationId = await give('40.00');
      // Settled and public without waiting for any witness.
      const row = await donationRow(world.db, donationId);
      expect(row.status).toBe('succeeded');
      expect(row.public_leaf_index).not.toBeNull();
      const json = await cosignedBy(1);
      expect(json.size).toBeGreaterThan(Number(row.public_leaf_index));
      expect(json.cosignatures.map((c: Json) => c.witness)).toEqual(['w1.example']);
      // Not final while w2 may still cosign this size.
      const sized = await request(world.apiUrl).get(`/api/v1/public/campaigns/${campaign.slug}/checkpoint`).query({ size: json.size }).expect(200);
      expect(sized.headers['cache-control']).not.toContain('immutable');
      const page = await request(world.apiUrl).get(`/c/${campaign.slug}/ledger`).query({ lang: 'en' }).expect(200);
      expect(page.text).toContain('Checkpoint cosigned by 1 of 2 independent witnesses');
      etag = page.headers.etag;
      // Quorum 2 is not met while w2 is down (its cosignature of this size is missing); quorum 1 is.
      expect(await verify('--witness', w1.vkey, '--witness', w2.vkey, '--quorum', '2')).toEqual({ code: 1, last: expect.stringMatching(/^REJECTED: witness quorum not met: .*not counted: w2\.example \(no cosignature\)$/) });
      expect((await verify('--witness', w1.vkey, '--witness', w2.vkey, '--quorum', '1')).code).toBe(0);
      // The worker keeps trying.
      await eventually(async () => (await world.db.query(`SELECT failures FROM transparency_witness_state WHERE campaign_id = $1 AND witness = $2`, [campaign.id, w2.vkey]))[0]?.failures >= 2, 'retries');
    } finally {
      // Back on the same address, with its database and key.
      w2 = await w2.restart();
    }
    const json = await cosignedBy(2);
    expect(checkCosignatures(json.note, keys()).valid).toHaveLength(2);
    // The same page has a new version: a new cosignature changes the answer.
    const page = await request(world.apiUrl).get(`/c/${campaign.slug}/ledger`).query({ lang: 'en' }).set('if-none-match', etag!).expect(200);
    expect(page.text).toContain('Checkpoint cosigned by 2 of 2 independent witnesses');
    expect(page.headers.etag).not.toBe(etag!);
  });

  it('a witness answering 409 with its size gets a consistency proof from that size', async () => {
    // The platform forgets what it knew of w1 (its state row): it sends old size 0, w1 answers 409
    // with the size it holds, and cosigns only given a valid consistency proof from that size.
    const before = (await checkpointJson()).size;
    expect((await w1.store.latest(`${world.config.TRANSPARENCY_ORIGIN}/campaigns/${campaign.id}`))?.size).toBe(before);
    await world.db.query(`DELETE FROM transparency_witness_state WHERE campaign_id = $1 AND witness = $2`, [campaign.id, w1.vkey]);
    const conflicts = async () => {
      const counter = await world.worker!.get(MetricsService).registry.getSingleMetric('ataa_transparency_witness_submissions_total')!.get();
      return counter.values.find((v) => v.labels.witness === 'w1.example' && v.labels.outcome === 'conflict')?.value ?? 0;
    };
    const conflictsBefore = await conflicts();
    await give('15.00');
    const json = await cosignedBy(2);
    expect(json.size).toBeGreaterThan(before);
    expect(await conflicts()).toBe(conflictsBefore + 1);
    expect(checkCosignatures(json.note, keys()).valid).toHaveLength(2);
    const [state] = await world.db.query(`SELECT known_size::int, cosigned_size::int FROM transparency_witness_state WHERE campaign_id = $1 AND witness = $2`, [campaign.id, w1.vkey]);
    expect(state).toEqual({ known_size: json.size, cosigned_size: json.size });
    expect((await w1.store.latest(`${world.config.TRANSPARENCY_ORIGIN}/campaigns/${campaign.id}`))?.size).toBe(json.size);
  });
});
