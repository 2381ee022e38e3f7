import { jest } from '@jest/globals';
import request from 'supertest';
import { addMemberWithDetails, createCampaign, createOrganizationWithOwner, type TestOrganization } from '@ataa/testing';
import { formatMoney, localeFor } from '@ataa/notifications';
import { MatchingExpiryRunner } from '../../apps/worker/src/matching/matching-expiry.runner.js';
import { schemaGaps } from '../transparency/openapi-shape.js';
import { DonationWorld, eventually, expectLedgerSound, settle, startDonationWorld, startGift } from './donation-test-kit.js';

jest.setTimeout(240_000);

/**
 * Matching gifts collected by card (issue 21, item 6; docs/matching.md "Collection by card"), over
 * HTTP with the worker and the Stripe sandbox (which signs its webhooks like Stripe).
 *
 * Worked numbers (USD, 1:1, cap 100.00):
 *   gift A 30.00 → accrued 30.00; collect-by-card opens a session for 30.00 (same key: same session)
 *   gift B 20.00 → accrued 50.00 (the open session stays 30.00)
 *   the sponsor pays 30.00 → collected 30.00 (card); the payment accrues nothing (accrued stays 50.00)
 *   a second session opens for 20.00; meanwhile 20.00 is collected offline (collected 50.00): the second
 *   session no longer fits and is to be expired, but the sponsor pays it before the worker gets to it (a race
 *   the test makes explicit by holding the worker's expiry pass) → nothing fits: collected stays 50.00, the
 *   20.00 stays an ordinary gift; the worker then finds the session complete (outcome `completed`)
 *   report: raised 30 + 20 + 30 + 20 = 100.00; matching.collected 50.00 of which 30.00 by card; the page shows
 *   the sponsor's card payments 50.00 apart from donors' own 50.00, and its offline 20.00 apart from donors' own offline 0.00
 *
 * Obsolete sessions expired (a second campaign and offer, 1:1, cap 500.00):
 *   gift 30.00 → owed 30.00; two sessions S1, S2 open for 30.00; 30.00 collected offline → owed 0: both expired
 *   gift 20.00 → owed 20.00: S3 (20.00); gift 20.00 → owed 40.00: S4 (40.00); gift 20.00 → owed 60.00: S5 (60.00)
 *   the sponsor pays S4 → collected 70.00, owed 20.00: S5 (60.00) expired, S3 (20.00) fits and stays open
 *   S6 opens for 20.00; the sponsor pays S3 → collected 90.00, owed 0: S6 expired
 */
describe('matching gifts: collection by card (API, worker, PostgreSQL, Redis, Stripe sandbox)', () => {
  let world: DonationWorld;
  let org: TestOrganization;
  let other: TestOrganization;
  let finance: string;
  let admin: string;
  let viewer: string;
  let campaign: { id: string; slug: string };
  let otherCampaign: { id: string };
  let offerId: string;
  let first: { url: string; sessionId: string; amount: string; donationId: string };
  let second: { sessionId: string; donationId: string };
  let third: { sessionId: string; donationId: string };
  const http = () => request(world.apiUrl);
  const path = (campaignId = campaign.id, orgId = org.orgId) => `/api/v1/orgs/${orgId}/campaigns/${campaignId}/matching-offers`;
  const byCard = (token: string, key?: string, body: Record<string, unknown> = { sponsorEmail: 'giving@cedar.example' }, id = offerId, campaignId = campaign.id) => {
    const req = http().post(`${path(campaignId)}/${id}/collect-by-card`).set('authorization', `Bearer ${token}`);
    return (key ? req.set('idempotency-key', key) : req).send(body);
  };
  const getOffer = async () => (await http().get(`${path()}/${offerId}`).set('authorization', `Bearer ${viewer}`).expect(200)).body;
  const audit = async () => (await world.db.query(`SELECT action, actor, details FROM audit_log WHERE organization_id = $1 AND action LIKE 'matching_offer.%' ORDER BY seq`, [org.orgId])) as
    { action: string; actor: string; details: Record<string, string> }[];
  const statusOf = async (id: string) => (await world.db.query(`SELECT status FROM donations WHERE id = $1`, [id]))[0].status as string;
  const give = async (amount: string, name: string, slug = campaign.slug) => {
    const gift = await startGift(world, slug, { amount: 'other', customAmount: amount, donorName: name });
    expect((await world.sandbox.control.paySession(gift.sessionId)).ok).toBe(true);
    await settle(world);
    await eventually(async () => (await statusOf(gift.donationId)) === 'succeeded', `gift ${name} settled`);
    return gift.donationId;
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
    const created = await http().post(path()).set('authorization', `Bearer ${finance}`)
      .send({ sponsorName: 'Cedar Foundation', ratioNumerator: 1, ratioDenominator: 1, cap: '100.00', currency: 'usd', endsAt: '2099-01-01T00:00:00Z' });
    expect(created.status).toBe(201);
    offerId = created.body.id;
  });
  afterAll(async () => {
    await world?.close();
  });

  it('refuses admins and viewers (403), another organization\'s campaign (404), a bad e-mail (400), and nothing owed (409), opening no session', async () => {
    for (const token of [admin, viewer]) {
      const res = await byCard(token);
      expect(res.status).toBe(403);
    }
    expect((await byCard(finance, undefined, { nonsense: true }, offerId, otherCampaign.id)).status).toBe(404);
    const bad = await byCard(finance, undefined, { sponsorEmail: 'not an e-mail' });
    expect({ status: bad.status, code: bad.body.code }).toEqual({ status: 400, code: 'validation_failed' });
    const nothing = await byCard(finance, 'card-early');
    expect({ status: nothing.status, code: nothing.body.code }).toEqual({ status: 409, code: 'matching_nothing_to_collect' });
    expect(nothing.headers['content-type']).toMatch(/application\/problem\+json/);
    // A draft campaign takes an offer but no money yet: refused before anything is opened.
    const draft = await createCampaign(world.api, org, { offerCoverFees: false }, { publish: false });
    const draftOffer = await http().post(path(draft.id)).set('authorization', `Bearer ${finance}`)
      .send({ sponsorName: 'Cedar Foundation', ratioNumerator: 1, ratioDenominator: 1, cap: '100.00', currency: 'usd', endsAt: '2099-01-01T00:00:00Z' }).expect(201);
    const refused = await byCard(finance, 'card-draft', undefined, draftOffer.body.id, draft.id);
    expect({ status: refused.status, code: refused.body.code }).toEqual({ status: 409, code: 'campaign_not_taking_offline_gifts' });
    expect(await world.db.query(`SELECT * FROM matching_card_requests`)).toEqual([]);
    expect((await audit()).map((a) => a.action)).toEqual(['matching_offer.create', 'matching_offer.create']);
  });

  it('opens a Checkout Session for what is owed now; the same key answers the same session', async () => {
    await give('30.00', 'Amal');
    expect(await getOffer()).toMatchObject({ accrued: '3000', collected: '0' });
    const res = await byCard(finance, 'card-1');
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ amount: '3000', currency: 'usd', sessionId: expect.any(String), url: expect.stringMatching(/^http/) });
    first = res.body;
    const [again, twice] = await Promise.all([byCard(finance, 'card-1'), byCard(org.ownerToken, 'card-1')]);
    for (const r of [again, twice]) {
      expect(r.status).toBe(200);
      expect(r.headers['idempotent-replayed']).toBe('true');
      expect(r.body).toEqual(first);
    }
    // The session names the offer, for the amount owed, with the sponsor's e-mail.
    const row = (await world.db.query(`SELECT donor_name, donor_email, amount::text, stripe_checkout_session_id, status FROM donations WHERE id = $1`, [first.donationId]))[0];
    expect(row).toEqual({ donor_name: 'Cedar Foundation', donor_email: 'giving@cedar.example', amount: '3000', stripe_checkout_session_id: first.sessionId, status: 'pending' });
    expect(await world.db.query(`SELECT offer_id, amount::text FROM matching_card_requests`)).toEqual([{ offer_id: offerId, amount: '3000' }]);
    const opened = (await audit()).filter((a) => a.action === 'matching_offer.collect_by_card');
    expect(opened).toHaveLength(1);
    expect(opened[0].details).toMatchObject({ donationId: first.donationId, amount: '3000', currency: 'usd' });
    // Nothing collected before the sponsor pays.
    expect(await getOffer()).toMatchObject({ collected: '0' });
  });

  it('records the settled payment as the sponsor\'s collection of the offer, and never matches it', async () => {
    await give('20.00', 'Badr');
    expect(await getOffer()).toMatchObject({ accrued: '5000', collected: '0' });
    expect((await world.sandbox.control.paySession(first.sessionId)).ok).toBe(true);
    await settle(world);
    await eventually(async () => (await statusOf(first.donationId)) === 'succeeded', 'the sponsor\'s payment settled');
    const offer = await getOffer();
    // 30.00 collected; the sponsor's 30.00 accrued nothing (accrued stays 50.00, not 80.00).
    expect(offer).toMatchObject({ accrued: '5000', collected: '3000', left: '5000' });
    expect(offer.collections).toEqual([expect.objectContaining({ kind: 'card', donationId: first.donationId, offlineGiftId: null, amount: '3000', voided: false })]);
    expect(await world.db.query(`SELECT * FROM matching_accruals WHERE donation_id = $1`, [first.donationId])).toEqual([]);
    const [collect] = (await audit()).filter((a) => a.action === 'matching_offer.collect');
    expect(collect).toMatchObject({ actor: 'stripe', details: { method: 'card', donationId: first.donationId, amount: '3000', excess: '0' } });
    // Settling the same payment again records nothing more.
    await world.api.get((await import('@ataa/donations')).DonationSyncService).sync(first.donationId);
    expect(await getOffer()).toMatchObject({ accrued: '5000', collected: '3000' });
  });

  it('records only what still fits when the sponsor pays a session before its expiry lands: the rest stays an ordinary gift', async () => {
    // The worker's expiry pass held back: the sponsor pays between the offline collection and the expiry.
    const expiries = world.worker!.get(MatchingExpiryRunner);
    await expiries.stop();
    const res = await byCard(finance, 'card-2');
    expect(res.body).toMatchObject({ amount: '2000' });
    expect(res.body.sessionId).not.toBe(first.sessionId);
    second = res.body;
    const offline = await http().post(`${path()}/${offerId}/collect`).set('authorization', `Bearer ${finance}`).set('idempotency-key', 'offline-1')
      .send({ receivedOn: new Date().toISOString().slice(0, 10), method: 'bank_transfer', reference: 'Wire 77' });
    expect(offline.status).toBe(201);
    expect(offline.body.offer).toMatchObject({ accrued: '5000', collected: '5000' });
    const none = await byCard(finance, 'card-3');
    expect({ status: none.status, code: none.body.code }).toEqual({ status: 409, code: 'matching_nothing_to_collect' });
    // The collection asked for the second session (20.00, nothing owed now) to be expired; not done yet.
    expect(await world.db.query(`SELECT owed::text, done_at FROM matching_card_expiries WHERE donation_id = $1`, [second.donationId])).toEqual([{ owed: '0', done_at: null }]);
    expect((await world.sandbox.control.paySession(second.sessionId)).ok).toBe(true);
    await settle(world);
    await eventually(async () => (await statusOf(second.donationId)) === 'succeeded', 'the second payment settled');
    // The worker then finds it complete: done, nothing else changes (its payment took the Excess path).
    expect(await expiries.runOnce()).toBe(1);
    expiries.start();
    expect(await world.db.query(`SELECT outcome FROM matching_card_expiries WHERE donation_id = $1`, [second.donationId])).toEqual([{ outcome: 'completed' }]);
    expect((await audit()).filter((a) => a.action === 'matching_offer.card_session_expired').map((a) => [a.actor, a.details])).toEqual([
      ['system:matching', expect.objectContaining({ donationId: second.donationId, sessionId: second.sessionId, amount: '2000', owed: '0', outcome: 'completed' })],
    ]);
    const offer = await getOffer();
    expect(offer).toMatchObject({ accrued: '5000', collected: '5000' });
    expect(offer.collections.map((c: { kind: string; amount: string }) => [c.kind, c.amount])).toEqual([['card', '3000'], ['offline', '2000']]);
    expect(await world.db.query(`SELECT amount::text, gift_amount::text FROM matching_card_collections WHERE donation_id = $1`, [second.donationId])).toEqual([{ amount: '0', gift_amount: '2000' }]);
    expect(await world.db.query(`SELECT * FROM matching_accruals WHERE donation_id = $1`, [second.donationId])).toEqual([]);
    const collects = (await audit()).filter((a) => a.action === 'matching_offer.collect' && a.details.method === 'card');
    expect(collects[1].details).toMatchObject({ donationId: second.donationId, amount: '0', excess: '2000' });
  });

  it('the database refuses a card collection past the pledge, and any change to one', async () => {
    await expect(world.db.query(`UPDATE matching_card_collections SET amount = 1 WHERE donation_id = $1`, [first.donationId])).rejects.toThrow(/append-only/);
    await expect(world.db.query(`DELETE FROM matching_card_requests WHERE donation_id = $1`, [first.donationId])).rejects.toThrow(/append-only/);
    // Everything owed is collected: a writer skipping the planner cannot collect 0.01 more (CHECK collected <= accrued).
    await expect(world.db.transaction(async (m) => {
      const id = (await m.query(`SELECT gen_random_uuid() AS id`))[0].id;
      await m.query(`INSERT INTO matching_card_requests (donation_id, offer_id, organization_id, idempotency_key, amount, requested_by) VALUES ($1, $2, $3, 'forged', 1, 'test')`, [id, offerId, org.orgId]);
      await m.query(`INSERT INTO matching_card_collections (donation_id, offer_id, gift_amount, amount) VALUES ($1, $2, 1, 1)`, [id, offerId]);
    })).rejects.toThrow(/matching_offers_collected_accrued/);
    expect(await getOffer()).toMatchObject({ accrued: '5000', collected: '5000' });
  });

  it('shows the card collection in the report\'s matching section apart from donors\' own gifts; raised includes it, as the notice says', async () => {
    const json = (await http().get(`/api/v1/public/campaigns/${campaign.slug}/report`).expect(200)).body;
    // Card gifts: donors 30 + 20, sponsor 30 + 20 (the second one an ordinary gift): 100.00 raised.
    expect(json.report.raised).toBe('10000');
    expect(json.matching).toMatchObject({ collected: '5000', collectedByCard: '3000', pledged: '0' });
    expect(json.matching.notice).toContain('raised');
    const entry = json.matching.offers[0].collections[0];
    expect(entry).toMatchObject({ kind: 'card', amount: '3000', voided: false });
    expect(typeof entry.entry).toBe('number');
    // The entry it names is the sponsor's donation in the public log.
    expect(await world.db.query(`SELECT kind, amount::text FROM public_ledger_entries WHERE campaign_id = $1 AND idx = $2`, [campaign.id, entry.entry])).toEqual([{ kind: 'donation', amount: '3000' }]);
    const html = await http().get(`/c/${campaign.slug}/report?lang=en`).expect(200);
    expect(html.text).toContain(`#${entry.entry}`);
    // The page takes the sponsor's money out of the totals it sits in, in both languages: raised 100.00 (4 gifts) holds the
    // sponsor's card payments 30.00 + 20.00 (the second all excess, still the sponsor's) = 50.00 in 2 gifts, so donors' own
    // 50.00 in 2; the offline net 20.00 is the sponsor's offline collection, so donors' own offline 0.00 (nothing subtracted twice).
    // The matching line: collected 50.00, by card 30.00, offline 20.00.
    for (const lang of ['en', 'ar'] as const) {
      const page = (await http().get(`/c/${campaign.slug}/report?lang=${lang}`).expect(200)).text.replace(/&#x27;/g, '\'');
      const figure = (id: string) => page.match(new RegExp(`id="${id}">([^<]*)<`))?.[1];
      const money = (minor: bigint) => formatMoney(minor, 'usd', localeFor(lang));
      expect(Object.fromEntries(['total-raised', 'raised-sponsors', 'raised-donors', 'total-gifts', 'total-offline', 'offline-sponsors', 'offline-donors', 'matching-collected', 'matching-collected-card', 'matching-collected-offline']
        .map((id) => [id, figure(id)]))).toEqual({
        'total-raised': money(10_000n), 'raised-sponsors': money(5_000n), 'raised-donors': money(5_000n), 'total-gifts': '4',
        'total-offline': money(2_000n), 'offline-sponsors': money(2_000n), 'offline-donors': money(0n),
        'matching-collected': money(5_000n), 'matching-collected-card': money(3_000n), 'matching-collected-offline': money(2_000n),
      });
      const n = (v: number) => new Intl.NumberFormat(localeFor(lang)).format(v);
      expect(page).toContain(lang === 'en' ? 'of which matching sponsors\' card payments (2 of the gifts)' : `منها مدفوعات رعاة المطابقة بالبطاقة (${n(2)} من التبرعات)`);
      expect(page).toContain(lang === 'en' ? 'donors\' own gifts (2 of the gifts)' : `تبرعات المتبرعين أنفسهم (${n(2)} من التبرعات)`);
      expect(page).toMatch(lang === 'en' ? /id="donors-note">\(including matching sponsors who paid by card\)/ : /id="donors-note">\(بمن فيهم رعاة المطابقة/);
    }
    const doc = (await http().get('/docs/openapi.json').expect(200)).body;
    expect(schemaGaps(doc, doc.paths['/api/v1/public/campaigns/{slug}/report'].get.responses['200'].content['application/json'].schema, json)).toEqual([]);
    await expectLedgerSound(world.db);
  });

  it('reopens the pledge when the sponsor\'s card payment is given back: a refund takes the ordinary-gift part first, then the collection', async () => {
    // Before: accrued 50.00, collected 50.00 = card 30.00 (first payment, no excess) + offline 20.00; the second card payment (20.00) collected nothing.
    const refund = async (donationId: string, amount: string) => {
      const res = await http().post(`/api/v1/orgs/${org.orgId}/donations/${donationId}/refunds`).set('authorization', `Bearer ${finance}`).send({ amount });
      expect(res.status).toBe(201);
      await settle(world);
    };
    const reopens = async () => (await audit()).filter((a) => a.action === 'matching_offer.reopen');
    // The second payment was all excess (an ordinary gift): refunding it reopens nothing.
    await refund(second.donationId, '2000');
    await eventually(async () => (await statusOf(second.donationId)) === 'refunded', 'the second payment refunded');
    expect(await getOffer()).toMatchObject({ accrued: '5000', collected: '5000' });
    expect(await reopens()).toEqual([]);
    // 10.00 of the first payment refunded: 20.00 kept covers 20.00 of its 30.00 collection, 10.00 is owed again.
    await refund(first.donationId, '1000');
    await eventually(async () => (await getOffer()).collected === '4000', 'the pledge reopened by 10.00');
    expect((await reopens()).map((a) => a.details)).toEqual([expect.objectContaining({ method: 'card', donationId: first.donationId, amount: '1000', reason: 'refund', collected: '4000' })]);
    // Refunded in full: the other 20.00 reopens; settling again reopens nothing more.
    await refund(first.donationId, '2000');
    await eventually(async () => (await getOffer()).collected === '2000', 'the pledge reopened by 30.00 in all');
    await world.api.get((await import('@ataa/donations')).DonationSyncService).sync(first.donationId);
    expect((await reopens()).map((a) => a.details.amount)).toEqual(['1000', '2000']);
    const offer = await getOffer();
    expect(offer).toMatchObject({ accrued: '5000', collected: '2000', left: '5000' });
    expect(offer.collections.map((c: { kind: string; amount: string; reopened: string }) => [c.kind, c.amount, c.reopened])).toEqual([['card', '3000', '3000'], ['offline', '2000', '0']]);
    // What is owed again can be collected again.
    third = (await byCard(finance, 'card-again')).body;
    expect(third).toMatchObject({ amount: '3000' });
    // The report counts only what the campaign kept: 20.00 collected (offline), none by card, 30.00 pledged again.
    const json = (await http().get(`/api/v1/public/campaigns/${campaign.slug}/report`).expect(200)).body;
    expect(json.matching).toMatchObject({ collected: '2000', collectedByCard: '0', pledged: '3000' });
    expect(json.matching.offers[0].collections[0]).toMatchObject({ kind: 'card', amount: '3000', reopened: '3000' });
    const doc = (await http().get('/docs/openapi.json').expect(200)).body;
    expect(schemaGaps(doc, doc.paths['/api/v1/public/campaigns/{slug}/report'].get.responses['200'].content['application/json'].schema, json)).toEqual([]);
    // The database refuses reopening more than was collected, and any change to a reopening.
    await expect(world.db.query(`INSERT INTO matching_card_reopenings (donation_id, seq, offer_id, amount, reason) VALUES ($1, 9, $2, 1, 'refund')`, [first.donationId, offerId])).rejects.toThrow(/exceed the collection/);
    await expect(world.db.query(`UPDATE matching_card_reopenings SET amount = 1 WHERE donation_id = $1`, [first.donationId])).rejects.toThrow(/append-only/);
    expect(await getOffer()).toMatchObject({ collected: '2000' });
    await expectLedgerSound(world.db);
  });

  it('reopens the pledge when a dispute on the sponsor\'s card payment is lost, not while it is open', async () => {
    // The reopened 30.00 collected again by card (collected 50.00), then the payment is disputed.
    expect((await world.sandbox.control.paySession(third.sessionId)).ok).toBe(true);
    await settle(world);
    await eventually(async () => (await getOffer()).collected === '5000', 'collected again by card');
    const [{ stripe_charge_id: charge }] = await world.db.query(`SELECT stripe_charge_id FROM donations WHERE id = $1`, [third.donationId]);
    const dispute = await world.sandbox.control.openDispute(charge);
    await settle(world);
    await eventually(async () => (await statusOf(third.donationId)) === 'disputed', 'the dispute opened');
    expect(await getOffer()).toMatchObject({ collected: '5000' });
    await world.sandbox.control.closeDispute(dispute.id, 'lost');
    await settle(world);
    await eventually(async () => (await getOffer()).collected === '2000', 'the lost dispute reopened the pledge');
    const [reopen] = (await audit()).filter((a) => a.action === 'matching_offer.reopen' && a.details.donationId === third.donationId);
    expect(reopen.details).toMatchObject({ amount: '3000', reason: 'dispute_lost', collected: '2000' });
    await expectLedgerSound(world.db);
  });
  describe('obsolete sessions expired when the pledge is collected otherwise', () => {
    let c2: { id: string; slug: string };
    let offer2: string;
    const stripe = () => world.sandbox.stripe();
    const open2 = async (key: string, amount: string) => {
      const res = await byCard(finance, key, undefined, offer2, c2.id);
      expect({ status: res.status, amount: res.body.amount }).toEqual({ status: 201, amount });
      return res.body as { url: string; sessionId: string; donationId: string };
    };
    const offer2Now = async () => (await http().get(`${path(c2.id)}/${offer2}`).set('authorization', `Bearer ${viewer}`).expect(200)).body;
    const sessionStatus = async (id: string) => (await stripe().checkout.sessions.retrieve(id)).status;
    const expiredLines = async () => (await audit()).filter((a) => a.action === 'matching_offer.card_session_expired' && a.details.campaignId === c2.id);
    const payCard = async (s: { sessionId: string; donationId: string }) => {
      expect((await world.sandbox.control.paySession(s.sessionId)).ok).toBe(true);
      await settle(world);
      await eventually(async () => (await statusOf(s.donationId)) === 'succeeded', 'the sponsor\'s payment settled');
    };
    let s3: { url: string; sessionId: string; donationId: string };

    beforeAll(async () => {
      c2 = await createCampaign(world.api, org, { offerCoverFees: false });
      const created = await http().post(path(c2.id)).set('authorization', `Bearer ${finance}`)
        .send({ sponsorName: 'Olive Trust', ratioNumerator: 1, ratioDenominator: 1, cap: '500.00', currency: 'usd', endsAt: '2099-01-01T00:00:00Z' });
      expect(created.status).toBe(201);
      offer2 = created.body.id;
    });

    it('an offline collection expires the open sessions asking more than is owed: the sponsor\'s page refuses them, their donations end as any expired checkout', async () => {
      await give('30.00', 'Dalia', c2.slug);
      const s1 = await open2('exp-1', '3000');
      const s2 = await open2('exp-2', '3000');
      const offline = await http().post(`${path(c2.id)}/${offer2}/collect`).set('authorization', `Bearer ${finance}`).set('idempotency-key', 'exp-offline')
        .send({ receivedOn: new Date().toISOString().slice(0, 10), method: 'cheque', reference: 'Cheque 12' });
      expect(offline.status).toBe(201);
      expect(offline.body.offer).toMatchObject({ accrued: '3000', collected: '3000' });
      // Recorded in the collection's transaction; the worker expires them on Stripe (the sandbox's API shows it).
      expect((await world.db.query(`SELECT donation_id, owed::text FROM matching_card_expiries WHERE offer_id = $1 ORDER BY requested_at, donation_id`, [offer2]))
        .map((r: { donation_id: string }) => r.donation_id).sort()).toEqual([s1.donationId, s2.donationId].sort());
      for (const s of [s1, s2]) await eventually(async () => (await sessionStatus(s.sessionId)) === 'expired', 'the session expired on Stripe');
      for (const s of [s1, s2]) {
        // The sponsor's page refuses paying it (shown and posted), as the control API does.
        const shown = await fetch(s.url);
        expect(shown.status).toBe(410);
        expect(await shown.text()).toContain('This checkout has expired');
        const posted = await fetch(s.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'email=giving%40olive.example&card_number=4242424242424242&card_expiry=12%2F40&card_cvc=123' });
        expect(posted.status).toBe(410);
        await expect(world.sandbox.control.paySession(s.sessionId)).rejects.toThrow(/no longer open/);
        // Expiring it again is refused as Stripe does.
        await expect(stripe().checkout.sessions.expire(s.sessionId)).rejects.toThrow(/status of "expired"/);
      }
      // Stripe's checkout.session.expired webhook ends the pending donations like an ordinary expired checkout's.
      const ordinary = await startGift(world, c2.slug, { amount: 'other', customAmount: '15.00', donorName: 'Hala' });
      await stripe().checkout.sessions.expire(ordinary.sessionId);
      await settle(world);
      const ending = `SELECT status, settled_at, stripe_charge_id, refunded_amount::text FROM donations WHERE id = $1`;
      const [expected] = await world.db.query(ending, [ordinary.donationId]);
      expect(expected).toMatchObject({ status: 'expired', settled_at: null });
      for (const s of [s1, s2]) {
        await eventually(async () => (await statusOf(s.donationId)) === 'expired', 'the sponsor\'s donation expired');
        expect((await world.db.query(ending, [s.donationId]))[0]).toEqual(expected);
      }
      expect(await world.db.query(`SELECT * FROM matching_card_collections WHERE offer_id = $1`, [offer2])).toEqual([]);
      expect(await offer2Now()).toMatchObject({ accrued: '3000', collected: '3000' });
      expect(await world.db.query(`SELECT outcome, attempts FROM matching_card_expiries WHERE offer_id = $1`, [offer2])).toEqual([{ outcome: 'expired', attempts: 1 }, { outcome: 'expired', attempts: 1 }]);
      expect((await expiredLines()).map((a) => [a.actor, a.details]).sort((a, b) => (a[1] as { donationId: string }).donationId.localeCompare((b[1] as { donationId: string }).donationId))).toEqual(
        [s1, s2].sort((a, b) => a.donationId.localeCompare(b.donationId)).map((s) => ['system:matching', expect.objectContaining({ donationId: s.donationId, sessionId: s.sessionId, amount: '3000', owed: '0', outcome: 'expired' })]),
      );
      await expectLedgerSound(world.db);
    });

    it('a card payment expires the open sessions that no longer fit; one that still fits stays open and collects', async () => {
      await give('20.00', 'Elias', c2.slug);
      s3 = await open2('exp-3', '2000');
      await give('20.00', 'Fadi', c2.slug);
      const s4 = await open2('exp-4', '4000');
      await give('20.00', 'Ghada', c2.slug);
      const s5 = await open2('exp-5', '6000');
      // S4 paid: collected 70.00 of 90.00, 20.00 owed: S5 (60.00) no longer fits, S3 (20.00) does.
      await payCard(s4);
      expect(await offer2Now()).toMatchObject({ accrued: '9000', collected: '7000' });
      await eventually(async () => (await sessionStatus(s5.sessionId)) === 'expired', 'S5 expired on Stripe');
      await settle(world);
      await eventually(async () => (await statusOf(s5.donationId)) === 'expired', 'S5\'s donation expired');
      expect(await sessionStatus(s3.sessionId)).toBe('open');
      expect(await world.db.query(`SELECT donation_id FROM matching_card_expiries WHERE donation_id = ANY($1::uuid[])`, [[s3.donationId, s4.donationId]])).toEqual([]);
      expect((await expiredLines()).filter((a) => a.details.donationId === s5.donationId).map((a) => a.details)).toEqual([expect.objectContaining({ amount: '6000', owed: '2000', outcome: 'expired' })]);
    });

    it('a card payment that fills the pledge expires the other open session (found expired already: done, no second call)', async () => {
      const s6 = await open2('exp-6', '2000');
      // S3 stayed open and collects all of its 20.00: nothing owed then, so S6 (20.00) is to be expired.
      const expiries = world.worker!.get(MatchingExpiryRunner);
      await expiries.stop();
      await payCard(s3);
      const offer = await offer2Now();
      expect(offer).toMatchObject({ accrued: '9000', collected: '9000' });
      expect(await world.db.query(`SELECT amount::text, gift_amount::text FROM matching_card_collections WHERE donation_id = $1`, [s3.donationId])).toEqual([{ amount: '2000', gift_amount: '2000' }]);
      // Expired on Stripe before the worker's pass (another worker, a retry after a lost answer): its refusal is read back as done.
      await stripe().checkout.sessions.expire(s6.sessionId);
      expect(await expiries.runOnce()).toBe(1);
      expiries.start();
      expect(await expiries.runOnce()).toBe(0);
      await settle(world);
      await eventually(async () => (await statusOf(s6.donationId)) === 'expired', 'S6\'s donation expired');
      expect((await expiredLines()).filter((a) => a.details.donationId === s6.donationId).map((a) => a.details)).toEqual([expect.objectContaining({ amount: '2000', owed: '0', outcome: 'already_expired' })]);
      // The database keeps every expiry asked: none deleted.
      await expect(world.db.query(`DELETE FROM matching_card_expiries WHERE donation_id = $1`, [s6.donationId])).rejects.toThrow(/append-only/);
      await expectLedgerSound(world.db);
    });
  });
});
