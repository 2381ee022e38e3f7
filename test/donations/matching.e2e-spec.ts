import { jest } from '@jest/globals';
import request from 'supertest';
import { addMemberWithDetails, createCampaign, createOrganizationWithOwner, type TestOrganization } from '@ataa/testing';
import { verifyCampaign } from '../../apps/verifier/src/verifier.js';
import { schemaGaps } from '../transparency/openapi-shape.js';
import { DonationWorld, eventually, expectLedgerSound, settle, startDonationWorld, startGift } from './donation-test-kit.js';

jest.setTimeout(240_000);

/**
 * Matching gifts end to end (issue 21, item 6), over HTTP with the worker and the Stripe sandbox:
 * only the owner or a finance member creates an offer, bad terms are refused with nothing changed;
 * card gifts settled in an offer's window accrue the sponsor's pledge up to the cap (a gift before
 * an offer's window accrues nothing to it), a refund gives back the match not collected yet, the
 * campaign page shows "Doubled until …, X left" while matching, the collection posts one offline
 * gift from the sponsor, and the report shows the match apart from donors' own gifts.
 *
 * Worked numbers (USD, 1:1, cap 100.00):
 *   gift A 50.00 → accrues 50.00 (left 50.00); gift B 40.00 → 40.00 (left 10.00)
 *   refund 20.00 of B → B's base 20.00, its match 20.00: 20.00 given back (accrued 70.00, left 30.00)
 *   gift C 60.00 → accrues the 30.00 left (accrued 100.00: the cap; the banner goes)
 *   collection → one offline gift of 100.00 from the sponsor; then a full refund of A gives nothing back (collected)
 */
describe('matching gifts (API, worker, PostgreSQL, Redis, Stripe sandbox)', () => {
  let world: DonationWorld;
  let org: TestOrganization;
  let other: TestOrganization;
  let finance: string;
  let admin: string;
  let viewer: string;
  let campaign: { id: string; slug: string };
  let otherCampaign: { id: string };
  let offerId: string;
  let laterOfferId: string;
  const gifts: Record<string, string> = {};
  const http = () => request(world.apiUrl);
  const path = (campaignId = campaign.id, orgId = org.orgId) => `/api/v1/orgs/${orgId}/campaigns/${campaignId}/matching-offers`;
  const inHours = (h: number) => new Date(Date.now() + h * 3_600_000).toISOString();
  const offer = (over: Record<string, unknown> = {}) => ({ sponsorName: 'Cedar Foundation', ratioNumerator: 1, ratioDenominator: 1, cap: '100.00', currency: 'usd', endsAt: inHours(2), ...over });
  const getOffer = async (id = offerId) => (await http().get(`${path()}/${id}`).set('authorization', `Bearer ${viewer}`).expect(200)).body;
  const audit = async () => (await world.db.query(`SELECT action, details FROM audit_log WHERE organization_id = $1 AND action LIKE 'matching_offer.%' ORDER BY seq`, [org.orgId])) as { action: string; details: Record<string, string> }[];
  const give = async (amount: string, name: string) => {
    const gift = await startGift(world, campaign.slug, { amount: 'other', customAmount: amount, donorName: name });
    expect((await world.sandbox.control.paySession(gift.sessionId)).ok).toBe(true);
    await settle(world);
    await eventually(async () => (await world.db.query(`SELECT status FROM donations WHERE id = $1`, [gift.donationId]))[0].status === 'succeeded', `gift ${name} settled`);
    return gift.donationId;
  };
  const refund = async (donationId: string, amount: string) => {
    await http().post(`/api/v1/orgs/${org.orgId}/donations/${donationId}/refunds`).set({ authorization: `Bearer ${org.ownerToken}` }).send({ amount }).expect(201);
    await settle(world);
  };

  beforeAll(async () => {
    world = await startDonationWorld();
    org = await createOrganizationWithOwner(world.api);
    finance = (await addMemberWithDetails(world.api, org, 'finance')).accessToken;
    admin = (await addMemberWithDetails(world.api, org, 'admin')).accessToken;
    viewer = (await addMemberWithDetails(world.api, org, 'viewer')).accessToken;
    campaign = await createCampaign(world.api, org, { offerCoverFees: false });
    other = await createOrganizationWithOwner(world.api);
    otherCampaign = await createCampaign(world.api, other);
  });
  afterAll(async () => {
    await world?.close();
  });

  it('refuses admins and viewers, another organization\'s campaign, and bad terms with clear problems, changing nothing', async () => {
    for (const token of [admin, viewer]) {
      expect((await http().post(path()).set('authorization', `Bearer ${token}`).send(offer())).status).toBe(403);
    }
    expect((await http().post(path(otherCampaign.id)).set('authorization', `Bearer ${finance}`).send({ nonsense: true })).status).toBe(404);
    expect((await http().get(path(otherCampaign.id)).set('authorization', `Bearer ${finance}`)).status).toBe(404);
    const cases: [Record<string, unknown>, number, string][] = [
      [{ startsAt: inHours(-48), endsAt: inHours(-24) }, 422, 'matching_window_in_past'],
      [{ startsAt: inHours(5), endsAt: inHours(3) }, 422, 'matching_window_inverted'],
      [{ endsAt: '2026-13-01' }, 400, 'matching_window_invalid'],
      [{ ratioNumerator: 0 }, 422, 'matching_ratio_not_positive'],
      [{ ratioDenominator: -2 }, 422, 'matching_ratio_not_positive'],
      [{ ratioNumerator: 1.5 }, 400, 'validation_failed'],
      [{ cap: '-100' }, 400, 'amount_not_positive'],
      [{ cap: '100.005' }, 400, 'amount_wrong_precision'],
      [{ currency: 'eur' }, 422, 'matching_currency_mismatch'],
      [{ sponsorName: '' }, 400, 'validation_failed'],
    ];
    for (const [over, status, code] of cases) {
      const res = await http().post(path()).set('authorization', `Bearer ${finance}`).send(offer(over));
      expect({ over, status: res.status, code: res.body.code }).toEqual({ over, status, code });
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    }
    expect((await http().get(path()).set('authorization', `Bearer ${viewer}`).expect(200)).body.items).toEqual([]);
    expect(await audit()).toEqual([]);
  });

  it('creates an offer once per idempotency key (finance), and a later one (owner)', async () => {
    const send = () => http().post(path()).set('authorization', `Bearer ${finance}`).set('idempotency-key', 'match-e2e-1').send(offer({ endsAt: '2099-01-01T00:00:00Z' }));
    const [a, b] = await Promise.all([send(), send()]);
    expect([a.status, b.status].sort()).toEqual([200, 201]);
    expect(a.body.id).toBe(b.body.id);
    offerId = a.body.id;
    expect(a.body).toMatchObject({ sponsorName: 'Cedar Foundation', ratioNumerator: 1, ratioDenominator: 1, cap: '10000', currency: 'usd', accrued: '0', collected: '0', left: '10000', active: true });
    // Starts tomorrow: today's gifts are outside its window.
    const later = await http().post(path()).set('authorization', `Bearer ${org.ownerToken}`).send(offer({ sponsorName: 'Olive Trust', startsAt: inHours(24), endsAt: inHours(48), cap: '1000' }));
    expect(later.status).toBe(201);
    expect(later.body.active).toBe(false);
    laterOfferId = later.body.id;
  });

  it('accrues each gift settled in the window up to the cap, not to an offer whose window has not begun; posts nothing to the campaign\'s funds', async () => {
    const journalBefore = await world.db.query(`SELECT count(*)::int AS n FROM journal_entries WHERE campaign_id = $1`, [campaign.id]);
    expect(journalBefore[0].n).toBe(0);
    gifts.a = await give('50.00', 'Amal');
    gifts.b = await give('40.00', 'Badr');
    expect(await getOffer()).toMatchObject({ accrued: '9000', left: '1000', active: true });
    expect(await getOffer(laterOfferId)).toMatchObject({ accrued: '0' });
    // Only the card gifts' entries: the pledge is not money.
    const kinds = (await world.db.query(`SELECT DISTINCT kind FROM journal_entries WHERE campaign_id = $1`, [campaign.id])).map((r: { kind: string }) => r.kind);
    expect(kinds.some((k: string) => k.startsWith('offline'))).toBe(false);
    const rows = await world.db.query(`SELECT donation_id, accrued::text FROM matching_accruals WHERE offer_id = $1 ORDER BY accrued DESC`, [offerId]);
    expect(rows).toEqual([{ donation_id: gifts.a, accrued: '5000' }, { donation_id: gifts.b, accrued: '4000' }]);
  });

  it('shows "Doubled until …, X left" on the campaign page in English and Arabic while matching', async () => {
    const en = await http().get(`/c/${campaign.slug}?lang=en`).expect(200);
    expect(en.text).toContain('Doubled until');
    expect(en.text).toContain('$10.00 left');
    expect(en.text).toContain('Cedar Foundation matches each gift 1:1');
    expect(en.text).toContain('pledged by the sponsor, unverified');
    const ar = await http().get(`/c/${campaign.slug}?lang=ar`).expect(200);
    expect(ar.text).toContain('التبرعات مضاعفة حتى');
    expect(ar.text).not.toContain('Olive Trust');
  });

  it('gives back the match of a refunded part while it is not collected, freeing the cap for a later gift', async () => {
    await refund(gifts.b, '2000');
    await eventually(async () => (await getOffer()).accrued === '7000', 'the match reduced to 70.00');
    gifts.c = await give('60.00', 'Chadi');
    expect(await getOffer()).toMatchObject({ accrued: '10000', left: '0', active: false });
    const page = await http().get(`/c/${campaign.slug}?lang=en`).expect(200);
    expect(page.text).not.toContain('Doubled until');
  });

  let collectionEntry: number;

  it('collects the pledge as one offline gift from the sponsor, linked to the offer, once per key', async () => {
    const body = { receivedOn: new Date().toISOString().slice(0, 10), method: 'bank_transfer', reference: 'Wire 2026-991' };
    expect((await http().post(`${path()}/${offerId}/collect`).set('authorization', `Bearer ${admin}`).send(body)).status).toBe(403);
    const first = await http().post(`${path()}/${offerId}/collect`).set('authorization', `Bearer ${finance}`).set('idempotency-key', 'collect-1').send(body);
    expect(first.status).toBe(201);
    expect(first.body.gift).toMatchObject({ amount: '10000', donorName: 'Cedar Foundation', method: 'bank_transfer', status: 'recorded' });
    expect(first.body.offer).toMatchObject({ accrued: '10000', collected: '10000', collections: [expect.objectContaining({ amount: '10000', voided: false })] });
    collectionEntry = first.body.gift.publicIndex;
    const again = await http().post(`${path()}/${offerId}/collect`).set('authorization', `Bearer ${finance}`).set('idempotency-key', 'collect-1').send(body);
    expect(again.status).toBe(200);
    expect(again.body.gift.id).toBe(first.body.gift.id);
    const nothing = await http().post(`${path()}/${offerId}/collect`).set('authorization', `Bearer ${finance}`).send(body);
    expect(nothing.status).toBe(409);
    expect(nothing.body.code).toBe('matching_nothing_to_collect');
    const offline = (await http().get(`/api/v1/orgs/${org.orgId}/campaigns/${campaign.id}/offline-gifts`).set('authorization', `Bearer ${viewer}`).expect(200)).body.items;
    expect(offline).toHaveLength(1);
  });

  it('leaves a collected match standing when a matched gift is refunded afterwards', async () => {
    await refund(gifts.a, '5000');
    await eventually(async () => (await world.db.query(`SELECT status FROM donations WHERE id = $1`, [gifts.a]))[0].status === 'refunded', 'gift A refunded');
    expect(await getOffer()).toMatchObject({ accrued: '10000', collected: '10000' });
  });

  it('shows the matched amounts apart from donors\' own gifts in the report, and passes the verifier', async () => {
    const json = (await http().get(`/api/v1/public/campaigns/${campaign.slug}/report`).expect(200)).body;
    // Card gifts: 50 + 40 + 60 = 150.00 raised; the sponsor's 100.00 came as an offline gift, named in the matching section.
    expect(json.report.raised).toBe('15000');
    expect(json.report.offline.net).toBe('10000');
    expect(json.matching).toMatchObject({ collected: '10000', pledged: '0', offers: expect.arrayContaining([expect.objectContaining({ sponsorName: 'Cedar Foundation', ratio: '1:1', accrued: '10000', collections: [{ kind: 'offline', amount: '10000', entry: collectionEntry, voided: false, reopened: '0' }] })]) });
    const html = await http().get(`/c/${campaign.slug}/report?lang=en`).expect(200);
    expect(html.text).toContain('Matched by sponsors (not donors&#x27; own gifts)');
    expect(html.text).toMatch(/id="total-matching">\$100\.00</);
    expect(html.text).toContain(`#${collectionEntry}`);
    const result = await verifyCampaign(`${world.apiUrl}/c/${campaign.slug}`, { log: () => undefined });
    expect(result.report.offline.net).toBe('10000');
    // Every field of the answer, the matching section included, is in the OpenAPI schema.
    const doc = (await http().get('/docs/openapi.json').expect(200)).body;
    expect(schemaGaps(doc, doc.paths['/api/v1/public/campaigns/{slug}/report'].get.responses['200'].content['application/json'].schema, json)).toEqual([]);
    await expectLedgerSound(world.db);
  });

  it("voiding the collection's offline gift reopens the pledge: collected falls by its amount, it can be collected again; the report shows both", async () => {
    const before = await getOffer();
    const giftId = before.collections[0].offlineGiftId;
    const voided = await http().post(`/api/v1/orgs/${org.orgId}/campaigns/${campaign.id}/offline-gifts/${giftId}/void`).set('authorization', `Bearer ${finance}`)
      .send({ reason: 'The wire bounced' });
    expect(voided.status).toBe(200);
    expect(await getOffer()).toMatchObject({ accrued: '10000', collected: '0', left: expect.any(String), collections: [expect.objectContaining({ offlineGiftId: giftId, voided: true })] });
    // Voiding again answers the same void and changes nothing more.
    await http().post(`/api/v1/orgs/${org.orgId}/campaigns/${campaign.id}/offline-gifts/${giftId}/void`).set('authorization', `Bearer ${finance}`).send({ reason: 'The wire bounced' }).expect(200);
    expect((await getOffer()).collected).toBe('0');
    const pending = (await http().get(`/api/v1/public/campaigns/${campaign.slug}/report`).expect(200)).body.matching;
    expect(pending).toMatchObject({ collected: '0', pledged: '10000' });
    // The sponsor pays again: collected once more, a new offline gift.
    const again = await http().post(`${path()}/${offerId}/collect`).set('authorization', `Bearer ${finance}`).set('idempotency-key', 'collect-2')
      .send({ receivedOn: new Date().toISOString().slice(0, 10), method: 'cheque', reference: 'Cheque 5521' });
    expect(again.status).toBe(201);
    expect(again.body.gift.id).not.toBe(giftId);
    expect(again.body.offer).toMatchObject({ accrued: '10000', collected: '10000' });
    const report = (await http().get(`/api/v1/public/campaigns/${campaign.slug}/report`).expect(200)).body;
    expect(report.matching).toMatchObject({ collected: '10000', pledged: '0' });
    expect(report.matching.offers.find((o: { accrued: string }) => o.accrued === '10000').collections).toEqual([
      { kind: 'offline', amount: '10000', entry: collectionEntry, voided: true, reopened: '10000' }, { kind: 'offline', amount: '10000', entry: again.body.gift.publicIndex, voided: false, reopened: '0' },
    ]);
    expect(report.report.offline).toMatchObject({ net: '10000', voided: { count: 1, amount: '-10000' } });
    const [reopen] = (await audit()).filter((a) => a.action === 'matching_offer.reopen');
    expect(reopen.details).toMatchObject({ offlineGiftId: giftId, amount: '10000', accrued: '10000', collected: '0', reason: 'The wire bounced' });
    // The database holds it: a collection's other columns never change, and a voided one is not voided twice.
    await expect(world.db.query(`UPDATE matching_collections SET amount = 1 WHERE offline_gift_id = $1`, [giftId])).rejects.toThrow(/append-only/);
    await expect(world.db.query(`UPDATE matching_collections SET voided_at = now() WHERE offline_gift_id = $1`, [giftId])).rejects.toThrow(/append-only/);
    await expect(world.db.query(`DELETE FROM matching_collections WHERE offline_gift_id = $1`, [giftId])).rejects.toThrow(/append-only/);
    expect((await getOffer()).collected).toBe('10000');
    await expectLedgerSound(world.db);
  });

  it('writes every step to the audit log', async () => {
    const actions = (await audit()).map((a) => a.action);
    expect(actions.filter((a) => a === 'matching_offer.create')).toHaveLength(2);
    expect(actions.filter((a) => a === 'matching_offer.accrue')).toHaveLength(3);
    expect(actions.filter((a) => a === 'matching_offer.reduce')).toHaveLength(1);
    expect(actions.filter((a) => a === 'matching_offer.collect')).toHaveLength(2);
    expect(actions.filter((a) => a === 'matching_offer.reopen')).toHaveLength(1);
  });
});
