import request from 'supertest';
import { addMember, createCampaign, createOrganizationWithOwner } from '@ataa/testing';
import { verifyDonorCommitment } from '@ataa/transparency';
import { runVerifier } from '../../apps/verifier/src/main.js';
import { verifyCampaign } from '../../apps/verifier/src/verifier.js';
import { donationRow, DonationWorld, settle, startDonationWorld, startGift } from '../donations/donation-test-kit.js';
import { rewriteLedgerEntries, startTamperingMirror } from './support.js';

type Json = Record<string, any>;

/**
 * The whole path: gifts paid on the Stripe sandbox's Checkout, a refund through the API and a
 * dispute, each posted to the ledger by webhooks and projected into the public Merkle log in the
 * same transaction; then the independent verifier checks the campaign over HTTP.
 */
describe('public ledger after real gifts, a refund and a dispute (sandbox)', () => {
  let world: DonationWorld;
  let campaign: { id: string; slug: string };
  let anonymousGift: string;

  beforeAll(async () => {
    world = await startDonationWorld();
    const org = await createOrganizationWithOwner(world.api);
    campaign = await createCampaign(world.api, org, { allowAnonymous: true });
    const finance = await addMember(world.api, org, 'finance');
    const gifts: string[] = [];
    for (const fields of [
      { amount: 'other', customAmount: '100.00', donorName: 'Amal', publicMessage: 'For the well' },
      { amount: 'other', customAmount: '50.00', donorName: 'Hidden', anonymous: 'on' },
      { amount: 'other', customAmount: '40.00', donorName: 'Omar' },
      { amount: 'other', customAmount: '30.00', donorName: 'Sara' },
    ] as Record<string, string>[]) {
      const { donationId, sessionId } = await startGift(world, campaign.slug, fields);
      await world.sandbox.control.paySession(sessionId);
      gifts.push(donationId);
    }
    await settle(world);
    anonymousGift = gifts[1];
    await request(world.apiUrl).post(`/api/v1/orgs/${org.orgId}/donations/${gifts[2]}/refunds`).set('authorization', `Bearer ${finance}`).send({ amount: '1500' }).expect(201);
    await world.sandbox.control.openDispute((await donationRow(world.db, gifts[3])).stripe_charge_id);
    await settle(world);
  }, 120_000);
  afterAll(async () => world?.close());

  it('projects every gift, fee, refund and dispute, and the verifier CLI accepts the ledger', async () => {
    const page = await request(world.apiUrl).get(`/api/v1/public/campaigns/${campaign.slug}/ledger`).query({ order: 'asc', limit: 200 }).expect(200);
    const kinds = page.body.entries.map((e: Json) => e.kind);
    expect(kinds.filter((k: string) => k === 'donation')).toHaveLength(4);
    expect(kinds).toEqual(expect.arrayContaining(['fee', 'platform_fee', 'refund', 'dispute']));
    const out: string[] = [];
    const code = await runVerifier([`${world.apiUrl}/c/${campaign.slug}`], { out: (l) => out.push(l), err: (l) => out.push(l) });
    expect({ code, last: out.at(-1) }).toEqual({ code: 0, last: expect.stringMatching(/^VERIFIED: \d+ entries/) });
    const report = (await request(world.apiUrl).get(`/api/v1/public/campaigns/${campaign.slug}/report`).expect(200)).body.report;
    // The 15.00 refund of Omar's 40.00 gift is public net of the platform fee returned with it:
    // platform fee 2% of 4000 = 80, its refunded share 80 × 1500 / 4000 = 30, so -(1500 - 30) = -1470.
    expect(report).toMatchObject({ raised: '22000', gifts: 4, refunds: { count: 1, amount: '-1470' } });
    expect(BigInt(report.disputes.net)).toBeLessThan(0n);
  });

  it('lets the anonymous donor prove the gift is theirs with the salt from the receipt', async () => {
    const row = await donationRow(world.db, anonymousGift);
    const entry = (await request(world.apiUrl).get(`/api/v1/public/campaigns/${campaign.slug}/ledger`).query({ order: 'asc', limit: 200 }).expect(200))
      .body.entries.find((e: Json) => e.index === Number(row.public_leaf_index));
    expect(entry).toMatchObject({ kind: 'donation', donor: 'Anonymous', amount: '5000', leafHash: row.public_leaf_hash });
    expect(JSON.stringify(entry)).not.toContain('Hidden');
    expect(verifyDonorCommitment(row.donor_commitment_salt, 'Hidden', entry.donorCommitment)).toBe(true);
  });

  it('the verifier CLI rejects a tampered copy of the same ledger', async () => {
    // The refund made smaller on a mirror of the site: the CLI, pinned to the platform key, says which entry.
    const key = (await request(world.apiUrl).get('/.well-known/ataa-transparency.pub').expect(200)).text.trim();
    const mirror = await startTamperingMirror(world.apiUrl, rewriteLedgerEntries((entries) => entries.map((e) => (e.kind === 'refund' ? { ...e, amount: '-1' } : e))));
    try {
      const out: string[] = [];
      const code = await runVerifier([`${mirror.url}/c/${campaign.slug}`, '--key', key], { out: (l) => out.push(l), err: (l) => out.push(l) });
      expect({ code, last: out.at(-1) }).toEqual({ code: 1, last: expect.stringMatching(/^REJECTED: entry \d+ /) });
    } finally {
      await mirror.close();
    }
    // The same through the library API, with the reason as data.
    const tampered = async (url: string, init?: { headers?: Record<string, string> }) => {
      const res = await fetch(url, init);
      let body = await res.text();
      if (url.includes('/ledger?')) {
        const json = JSON.parse(body);
        const gift = json.entries.find((e: Json) => e.kind === 'refund');
        if (gift) gift.amount = '-1';
        body = JSON.stringify(json);
      }
      return { ok: res.ok, status: res.status, text: async () => body };
    };
    await expect(verifyCampaign(`${world.apiUrl}/c/${campaign.slug}`, { fetch: tampered })).rejects.toMatchObject({ name: 'VerificationFailure', reason: expect.stringMatching(/entry \d+/) });
  });
});
