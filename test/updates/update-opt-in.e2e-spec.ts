import { jest } from '@jest/globals';
import request from 'supertest';
import { createCampaign, createOrganizationWithOwner } from '@ataa/testing';
import { donationRow, DonationWorld, startDonationWorld, startGift } from '../donations/donation-test-kit.js';

jest.setTimeout(90_000);

/**
 * The opt-in on the hosted donation form: an unticked box in the page's language; ticked, the gift
 * is stored with `updates_opt_in` (and the page's language); unticked, without; a value other than
 * the checkbox's is refused like any other bad field. Real sandbox and API.
 */
describe('updates opt-in at checkout', () => {
  let world: DonationWorld;
  let campaign: { slug: string };

  beforeAll(async () => {
    world = await startDonationWorld({ worker: false });
    const org = await createOrganizationWithOwner(world.api);
    campaign = await createCampaign(world.api, org, {});
  });
  afterAll(async () => world?.close());

  it('shows the box unticked, in English and Arabic', async () => {
    const en = await request(world.apiUrl).get(`/c/${campaign.slug}?lang=en`).expect(200);
    expect(en.text).toMatch(/<input type="checkbox" id="updatesOptIn" name="updatesOptIn" value="on"><label for="updatesOptIn">E-mail me this campaign&#x27;s updates/);
    const ar = await request(world.apiUrl).get(`/c/${campaign.slug}?lang=ar`).expect(200);
    expect(ar.text).toContain('<label for="updatesOptIn">أرسلوا لي تحديثات هذه الحملة');
  });

  it('stores the choice with the gift, in the language of the page', async () => {
    const ticked = await startGift(world, campaign.slug, { donorEmail: 'hala@example.org', updatesOptIn: 'on', locale: 'ar' });
    expect(await donationRow(world.db, ticked.donationId)).toMatchObject({ updates_opt_in: true, locale: 'ar' });
    const unticked = await startGift(world, campaign.slug, { donorEmail: 'sami@example.org' });
    expect(await donationRow(world.db, unticked.donationId)).toMatchObject({ updates_opt_in: false });
  });

  it('refuses another value for the box, recording nothing', async () => {
    const [{ n: before }] = await world.db.query(`SELECT count(*)::int AS n FROM donations`);
    const agent = request.agent(world.apiUrl);
    const page = await agent.get(`/c/${campaign.slug}`).expect(200);
    const token = /name="_csrf" value="([^"]+)"/.exec(page.text)![1];
    const refused = await agent.post(`/c/${campaign.slug}/donate`).type('form').send({ _csrf: token, amount: '25', donorEmail: 'x@example.org', updatesOptIn: 'yes please' });
    expect(refused.status).toBe(400);
    const [{ n: after }] = await world.db.query(`SELECT count(*)::int AS n FROM donations`);
    expect(after).toBe(before);
  });
});
