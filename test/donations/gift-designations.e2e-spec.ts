import { jest } from '@jest/globals';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { auditLedger } from '@ataa/ledger';
import { addMemberWithDetails, createCampaign, createOrganizationWithOwner, createTestEnvironment, startTestApi, TestEnvironment, TestOrganization } from '@ataa/testing';

jest.setTimeout(120_000);

/**
 * Designations on offline gifts and matching collections over REST (issue 21, items 2, 5 and 6):
 * the card gifts' rule (absent: the first declared; unknown: 422 unknown_designation, nothing
 * recorded), on a campaign that declared designations and on one that declared none.
 */
describe('designations of offline gifts and matching collections (API, PostgreSQL)', () => {
  let env: TestEnvironment;
  let app: NestFastifyApplication;
  let db: DataSource;
  let org: TestOrganization;
  let finance: string;
  let designated: { id: string; slug: string };
  let plain: { id: string; slug: string };
  const declared = [
    { code: 'zakat', labelEn: 'Zakat', labelAr: 'الزكاة', zakat: true },
    { code: 'water-well', labelEn: 'Water well', labelAr: 'بئر ماء' },
  ];
  const api = () => request(app.getHttpServer());
  const auth = () => ({ authorization: `Bearer ${finance}` });
  const yesterday = () => new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  const offline = (campaignId: string, body: Record<string, unknown>) => api().post(`/api/v1/orgs/${org.orgId}/campaigns/${campaignId}/offline-gifts`).set(auth())
    .send({ amount: '25', currency: 'usd', receivedOn: yesterday(), method: 'cash', reference: 'Cash book 3', donorName: 'Amal', ...body });
  /** What a refusal must leave untouched: journal entries, public entries, offline gifts and collections. */
  const footprint = async (campaignId: string) => (await db.query(
    `SELECT (SELECT count(*)::int FROM journal_entries WHERE campaign_id = $1) AS journal, (SELECT count(*)::int FROM public_ledger_entries WHERE campaign_id = $1) AS public,
            (SELECT count(*)::int FROM offline_gifts WHERE campaign_id = $1) AS gifts,
            (SELECT count(*)::int FROM matching_collections c JOIN matching_offers o ON o.id = c.offer_id WHERE o.campaign_id = $1) AS collections`, [campaignId],
  ))[0];
  const leafOf = async (campaignId: string, index: number) => (await db.query(`SELECT leaf_format, designation FROM public_ledger_entries WHERE campaign_id = $1 AND idx = $2`, [campaignId, index]))[0];

  beforeAll(async () => {
    env = await createTestEnvironment();
    app = await startTestApi(env.config);
    db = app.get(DataSource);
    org = await createOrganizationWithOwner(app);
    finance = (await addMemberWithDetails(app, org, 'finance')).accessToken;
    designated = await createCampaign(app, org, { title: 'Zakat and water', designations: declared });
    plain = await createCampaign(app, org, { title: 'Winter coats' });
  });
  afterAll(async () => {
    await app?.close();
    await env?.cleanup();
  });

  it('refuses an undeclared designation with 422 unknown_designation and records nothing', async () => {
    const before = await footprint(designated.id);
    for (const designation of ['school', 'general', 'Zakat']) {
      const res = await offline(designated.id, { designation });
      expect(res.status).toBe(422);
      expect(res.body).toMatchObject({ code: 'unknown_designation', field: 'designation', declared: ['zakat', 'water-well'] });
    }
    // Not text a designation could be: refused before anything is read.
    expect((await offline(designated.id, { designation: 'z'.repeat(41) })).status).toBe(400);
    expect((await offline(designated.id, { designation: 7 })).status).toBe(400);
    // A campaign that declared none takes only general (or nothing).
    const plainBefore = await footprint(plain.id);
    const zakat = await offline(plain.id, { designation: 'zakat' });
    expect(zakat.status).toBe(422);
    expect(zakat.body).toMatchObject({ code: 'unknown_designation', declared: [] });
    expect(await footprint(designated.id)).toEqual(before);
    expect(await footprint(plain.id)).toEqual(plainBefore);
  });

  it('records the chosen designation, or the first declared when none is given; a campaign without designations stays format 3', async () => {
    const well = await offline(designated.id, { designation: 'water-well', clientRequestId: 'well-1' });
    expect(well.status).toBe(201);
    expect(well.body.designation).toBe('water-well');
    expect(await leafOf(designated.id, well.body.publicIndex)).toEqual({ leaf_format: 4, designation: 'water-well' });
    const first = await offline(designated.id, {});
    expect(first.body.designation).toBe('zakat');
    expect(await leafOf(designated.id, first.body.publicIndex)).toEqual({ leaf_format: 4, designation: 'zakat' });
    // The same key with the same facts replays; with another designation it is another gift: 409.
    const again = await offline(designated.id, { designation: 'water-well', clientRequestId: 'well-1' });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(well.body.id);
    expect((await offline(designated.id, { designation: 'zakat', clientRequestId: 'well-1' })).body.code).toBe('idempotency_key_reused');

    for (const designation of [undefined, 'general']) {
      const res = await offline(plain.id, designation ? { designation } : {});
      expect(res.status).toBe(201);
      expect(res.body.designation).toBeNull();
      expect(await leafOf(plain.id, res.body.publicIndex)).toEqual({ leaf_format: 3, designation: null });
    }
    // Its postings carry it: the offline funds per designation.
    const balances = await db.query(
      `SELECT designation, -balance AS held FROM ledger_designation_balances WHERE account_code = $1 ORDER BY designation`, [`campaign:${designated.id}:offline_funds`],
    );
    expect(balances).toEqual([{ designation: 'water-well', held: '2500' }, { designation: 'zakat', held: '2500' }]);
    expect(await auditLedger(db.manager)).toEqual([]);
  });

  it('a matching collection takes a designation too: unknown is 422 with nothing collected; chosen, its gift goes there', async () => {
    const offer = await api().post(`/api/v1/orgs/${org.orgId}/campaigns/${designated.id}/matching-offers`).set(auth())
      .send({ sponsorName: 'Al-Noor Foundation', ratioNumerator: 1, ratioDenominator: 1, cap: '100', currency: 'usd', endsAt: new Date(Date.now() + 30 * 86_400_000).toISOString() });
    expect(offer.status).toBe(201);
    // A settled card gift accrued 40.00 of the sponsor's pledge (the settlement's accrual row; its trigger keeps the offer's figure).
    await db.query(`INSERT INTO matching_accruals (offer_id, donation_id, gift_amount, accrued, settled_at) VALUES ($1, gen_random_uuid(), 4000, 4000, now())`, [offer.body.id]);
    const collect = (body: Record<string, unknown>) => api().post(`/api/v1/orgs/${org.orgId}/campaigns/${designated.id}/matching-offers/${offer.body.id}/collect`).set(auth())
      .send({ receivedOn: yesterday(), method: 'bank_transfer', reference: 'Wire 77', ...body });

    const before = await footprint(designated.id);
    const unknown = await collect({ designation: 'school' });
    expect(unknown.status).toBe(422);
    expect(unknown.body.code).toBe('unknown_designation');
    expect(await footprint(designated.id)).toEqual(before);
    const [{ collected }] = await db.query(`SELECT collected::text FROM matching_offers WHERE id = $1`, [offer.body.id]);
    expect(collected).toBe('0');

    const made = await collect({ designation: 'water-well' });
    expect(made.status).toBe(201);
    expect(made.body.gift).toMatchObject({ designation: 'water-well', amount: '4000', donorName: 'Al-Noor Foundation' });
    const giftId: string = made.body.gift.id;
    const [row] = await db.query(`SELECT g.designation, g.amount::text, p.leaf_format, p.designation AS leaf_designation FROM offline_gifts g
      JOIN public_ledger_entries p ON p.campaign_id = g.campaign_id AND p.idx = g.public_index WHERE g.id = $1`, [giftId]);
    expect(row).toEqual({ designation: 'water-well', amount: '4000', leaf_format: 4, leaf_designation: 'water-well' });
    expect(await auditLedger(db.manager)).toEqual([]);
  });
});
