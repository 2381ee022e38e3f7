import { jest } from '@jest/globals';
import request from 'supertest';
import { createCampaign, createOrganizationWithOwner } from '@ataa/testing';
import { verifyCampaign } from '../../apps/verifier/src/verifier.js';
import { DonationWorld, expectLedgerSound, settle, startDonationWorld, startGift } from '../donations/donation-test-kit.js';

/**
 * A live campaign's terms after the first gift (issue 15, item 5): an all-or-nothing goal cannot be
 * lowered, the end date only moves later (twice at most), and every change of terms is a public
 * `terms_changed` entry of the campaign's Merkle log, shown on the campaign page, that moves no
 * money and that the independent verifier checks.
 */
jest.setTimeout(120_000);

type Json = Record<string, any>;

describe('campaign terms once donors gave (API, sandbox, worker, public ledger)', () => {
  let world: DonationWorld;
  let org: Awaited<ReturnType<typeof createOrganizationWithOwner>>;
  const days = (n: number) => new Date(Date.now() + n * 86_400_000);

  beforeAll(async () => {
    world = await startDonationWorld();
    org = await createOrganizationWithOwner(world.api);
  });
  afterAll(async () => {
    await world?.close();
  });

  const path = (id: string) => `/api/v1/orgs/${org.orgId}/campaigns/${id}`;
  const edit = async (id: string, body: Json) => {
    const current = await request(world.apiUrl).get(path(id)).set('authorization', `Bearer ${org.ownerToken}`).expect(200);
    return request(world.apiUrl).patch(path(id)).set('authorization', `Bearer ${org.ownerToken}`).send({ version: current.body.version, ...body });
  };
  const termEntries = async (slug: string) =>
    (await request(world.apiUrl).get(`/api/v1/public/campaigns/${slug}/ledger`).query({ kind: 'terms_changed', order: 'asc', limit: 200 }).expect(200)).body.entries as Json[];

  it('refuses lowering an all-or-nothing goal after the first gift; every change of terms is a verifiable public entry that moves no money', async () => {
    const endsAt = days(10);
    const campaign = await createCampaign(world.api, org, { fundingModel: 'all_or_nothing', goal: '100000', endsAt: endsAt.toISOString() });
    // Live but no gift yet: a change is allowed, and public.
    expect((await edit(campaign.id, { goal: '80000' })).status).toBe(200);

    const gift = await startGift(world, campaign.slug, { amount: 'other', customAmount: '50.00' });
    expect((await world.sandbox.control.paySession(gift.sessionId)).ok).toBe(true);
    await settle(world);

    // The goal donors gave on cannot be lowered.
    const lowered = await edit(campaign.id, { goal: '50000' });
    expect(lowered.status).toBe(409);
    expect(lowered.body).toMatchObject({ code: 'campaign_terms_locked', field: 'goal', rule: 'goal_not_lowered', from: '80000', to: '50000' });
    expect((await request(world.apiUrl).get(path(campaign.id)).set('authorization', `Bearer ${org.ownerToken}`)).body.goal).toBe('80000');
    // Raising it is fine.
    expect((await edit(campaign.id, { goal: '120000' })).status).toBe(200);
    // The end date: never earlier, later at most twice.
    const earlier = await edit(campaign.id, { endsAt: days(9).toISOString() });
    expect(earlier.body).toMatchObject({ code: 'campaign_terms_locked', rule: 'end_date_not_earlier' });
    const first = new Date(endsAt.getTime() + 5 * 86_400_000);
    const second = new Date(endsAt.getTime() + 20 * 86_400_000);
    expect((await edit(campaign.id, { endsAt: first.toISOString() })).status).toBe(200);
    const tooFar = await edit(campaign.id, { endsAt: new Date(endsAt.getTime() + 61 * 86_400_000).toISOString() });
    expect(tooFar.body).toMatchObject({ code: 'campaign_terms_locked', rule: 'end_date_extension_limit' });
    expect((await edit(campaign.id, { endsAt: second.toISOString() })).status).toBe(200);
    const third = await edit(campaign.id, { endsAt: new Date(endsAt.getTime() + 21 * 86_400_000).toISOString() });
    expect(third.status).toBe(409);
    expect(third.body).toMatchObject({ code: 'campaign_terms_locked', rule: 'end_date_extension_limit', extensions: 2 });
    // A story edit is not a change of terms.
    expect((await edit(campaign.id, { story: 'Now with photos.' })).status).toBe(200);

    // Four public entries, each the change as it happened, amount 0, leaf format 3 (format 2 before issue 17: terms, no personal fields).
    const entries = await termEntries(campaign.slug);
    expect(entries.map((e) => e.terms)).toEqual([
      [{ field: 'goal', from: '100000', to: '80000' }],
      [{ field: 'goal', from: '80000', to: '120000' }],
      [{ field: 'endsAt', from: endsAt.toISOString(), to: first.toISOString() }],
      [{ field: 'endsAt', from: first.toISOString(), to: second.toISOString() }],
    ]);
    for (const e of entries) expect(e).toMatchObject({ v: 3, kind: 'terms_changed', amount: '0', donor: null, donorHash: null, message: null, messageHash: null, purpose: null });
    // No money moved: the balance and every total are the gift's alone.
    const report = (await request(world.apiUrl).get(`/api/v1/public/campaigns/${campaign.slug}/report`).expect(200)).body;
    const moneyEntries = report.report.entries - 4;
    expect(report.report).toMatchObject({ raised: '5000', gifts: 1 });
    expect(report.report.byKind.terms_changed).toBeUndefined();
    const all = (await request(world.apiUrl).get(`/api/v1/public/campaigns/${campaign.slug}/ledger`).query({ order: 'asc', limit: 200 }).expect(200)).body.entries as Json[];
    expect(all.filter((e) => e.kind !== 'terms_changed')).toHaveLength(moneyEntries);
    expect(all.filter((e) => e.kind !== 'terms_changed').every((e) => e.v === 3 && !('terms' in e))).toBe(true);
    expect(all[all.length - 1].balance).toBe(report.report.balance);
    await expectLedgerSound(world.db);

    // The independent verifier recomputes every leaf (old and new formats), the root and the report.
    const verified = await verifyCampaign(`${world.apiUrl}/c/${campaign.slug}`);
    expect(verified.entries).toBe(all.length);
    // An altered change is caught.
    const tampering = (url: string) => fetch(url, { headers: { accept: 'application/json' } }).then(async (res) => {
      const text = await res.text();
      return { ok: res.ok, status: res.status, text: async () => (url.includes('/ledger') ? text.replace('"to":"120000"', '"to":"50000"') : text) };
    });
    await expect(verifyCampaign(`${world.apiUrl}/c/${campaign.slug}`, { fetch: tampering })).rejects.toThrow(/altered/);
    // An inclusion proof for a term change.
    const proof = await request(world.apiUrl).get(`/api/v1/public/campaigns/${campaign.slug}/proof/inclusion`).query({ index: entries[1].index }).expect(200);
    expect(proof.body.leafHash).toBe(entries[1].leafHash);

    // The campaign page shows the history; the ledger page and the CSV show the changes.
    const page = await request(world.apiUrl).get(`/c/${campaign.slug}`).expect(200);
    expect(page.text).toContain('data-testid="terms-history"');
    expect(page.text).toContain('Changes to the terms');
    expect(page.text).toMatch(/Goal: \$800\.00 → \$1,200\.00/);
    const ledgerPage = await request(world.apiUrl).get(`/c/${campaign.slug}/ledger`).query({ kind: 'terms_changed' }).expect(200);
    expect(ledgerPage.text).toContain('Terms changed');
    const csv = await request(world.apiUrl).get(`/c/${campaign.slug}/ledger.csv`).expect(200);
    expect(csv.text).toContain(',terms_changed,0,0.00,usd,');
    expect(csv.text).toContain('""field"":""goal""');
  });
});
