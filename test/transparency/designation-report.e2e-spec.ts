import { jest } from '@jest/globals';
import request from 'supertest';
import { createCampaign, createOrganizationWithOwner, type TestOrganization } from '@ataa/testing';
import { DonorPageService } from '@ataa/donors';
import { runVerifier } from '../../apps/verifier/src/main.js';
import { DonationWorld, enablePayouts, eventually, expectLedgerSound, settle, startDonationWorld, startGift } from '../donations/donation-test-kit.js';
import { inspectPdf } from '../notifications/pdf-inspect.js';
import { schemaGaps } from './openapi-shape.js';

jest.setTimeout(240_000);

/*
 * The report's money in and out per designation (issue 21, items 2 and 4), end to end: card gifts
 * paid on the Stripe sandbox to three declared designations, a zakat payout paid by the worker (it
 * draws first in, first out from the zakat gift), then
 *   - the report JSON's `designations` lines (kept by the database, recomputed by the verifier CLI
 *     from the entries alone: it compares them with the served report and prints its own lines),
 *   - the report page's "Money by designation" table in English and Arabic (none for a campaign
 *     that declared nothing),
 *   - every field of the report JSON documented in the OpenAPI schema, and nothing documented missing,
 *   - the donor's statement PDF naming the gift's designation and the payout entry that drew from it.
 */
describe('report: money by designation (API, worker, Stripe sandbox, verifier CLI)', () => {
  let world: DonationWorld;
  let org: TestOrganization;
  let campaign: { id: string; slug: string };
  let plain: { id: string; slug: string };
  let zakatGift: string;
  let payoutEntry: string;
  const http = () => request(world.apiUrl);
  const owner = () => ({ authorization: `Bearer ${org.ownerToken}` });
  const give = async (slug: string, amount: string, fields: Record<string, string>) => {
    const gift = await startGift(world, slug, { amount: 'other', customAmount: amount, ...fields });
    // Funds available at once (the sandbox's card for that), so the payout can be made.
    expect((await world.sandbox.control.paySession(gift.sessionId, { card: '4000000000000077' })).ok).toBe(true);
    await settle(world);
    await eventually(async () => (await world.db.query(`SELECT status FROM donations WHERE id = $1`, [gift.donationId]))[0].status === 'succeeded', `gift of ${amount}`);
    return gift.donationId;
  };

  beforeAll(async () => {
    world = await startDonationWorld();
    org = await createOrganizationWithOwner(world.api);
    campaign = await createCampaign(world.api, org, {
      offerCoverFees: false,
      designations: [
        { code: 'general', labelEn: 'Where most needed', labelAr: 'حيث الحاجة أكبر' },
        { code: 'zakat', labelEn: 'Zakat', labelAr: 'الزكاة', zakat: true },
        { code: 'water-well', labelEn: 'Water well in Al-Mafraq', labelAr: 'بئر ماء في المفرق' },
      ],
    });
    plain = await createCampaign(world.api, org, { offerCoverFees: false });
    await enablePayouts(world, org, '1000000');
    zakatGift = await give(campaign.slug, '100.00', { designation: 'zakat', donorName: 'Amal', donorEmail: 'amal@example.org' });
    await give(campaign.slug, '50.00', { designation: 'general', donorName: 'Omar', donorEmail: 'omar@example.org' });
    await give(campaign.slug, '30.00', { designation: 'water-well', donorName: 'Huda', donorEmail: 'huda@example.org' });
    await give(plain.slug, '20.00', { donorName: 'Sara', donorEmail: 'sara@example.org' });
    const payout = (await http().post(`/api/v1/orgs/${org.orgId}/campaigns/${campaign.id}/payouts`).set(owner())
      .send({ amount: '4000', currency: 'usd', purpose: 'Zakat parcels', designation: 'zakat' }).expect(201)).body;
    await eventually(async () => (await http().get(`/api/v1/orgs/${org.orgId}/payouts/${payout.id}`).set(owner()).expect(200)).body.status === 'paid', 'the payout to be paid', 30_000);
    await settle(world);
    [{ idx: payoutEntry }] = await world.db.query(`SELECT idx::text AS idx FROM public_ledger_entries WHERE campaign_id = $1 AND kind = 'payout'`, [campaign.id]);
  });
  afterAll(async () => {
    await world?.close();
  });

  it('lists money in and out per designation in the report JSON; the lines add up to the balance', async () => {
    const { report } = (await http().get(`/api/v1/public/campaigns/${campaign.slug}/report`).expect(200)).body;
    expect(report.designations.map((d: { designation: string }) => d.designation)).toEqual(['general', 'water-well', 'zakat']);
    const line = (code: string) => report.designations.find((d: { designation: string }) => d.designation === code);
    expect(line('zakat')).toMatchObject({ gifts: '10000', giftCount: 1, offline: '0', refunds: '0', disputes: '0', paidOut: '-4000' });
    expect(line('general')).toMatchObject({ gifts: '5000', giftCount: 1, paidOut: '0' });
    expect(line('water-well')).toMatchObject({ gifts: '3000', giftCount: 1, paidOut: '0' });
    // Each gift's fees stay in its designation: what is left is gifts + fees + payouts there.
    for (const d of report.designations) {
      expect(BigInt(d.fees)).toBeLessThan(0n);
      expect(BigInt(d.left)).toBe(BigInt(d.gifts) + BigInt(d.offline) + BigInt(d.fees) + BigInt(d.refunds) + BigInt(d.disputes) + BigInt(d.paidOut));
    }
    expect(report.designations.reduce((s: bigint, d: { left: string }) => s + BigInt(d.left), 0n).toString()).toBe(report.balance);
    const plainReport = (await http().get(`/api/v1/public/campaigns/${plain.slug}/report`).expect(200)).body.report;
    expect(plainReport.designations).toEqual([expect.objectContaining({ designation: 'general', gifts: '2000', left: plainReport.balance })]);
  });

  it('the verifier CLI recomputes the lines from the entries (it compares the served report) and prints its own per designation', async () => {
    const out: string[] = [];
    const code = await runVerifier([`${world.apiUrl}/c/${campaign.slug}`], { out: (l) => out.push(l), err: (l) => out.push(l) });
    const text = out.join('\n');
    expect(text).toContain('report totals recomputed from the entries match');
    expect(code).toBe(0);
    expect(text).toMatch(/designation zakat: gifts 10000, paid out 4000 /);
    expect(text).toMatch(/designation water-well: gifts 3000, paid out 0 /);
  });

  it('documents every field of the report JSON in the OpenAPI schema (matching included), and nothing documented is missing', async () => {
    const doc = (await http().get('/docs/openapi.json').expect(200)).body;
    const schema = doc.paths['/api/v1/public/campaigns/{slug}/report'].get.responses['200'].content['application/json'].schema;
    const body = (await http().get(`/api/v1/public/campaigns/${campaign.slug}/report`).expect(200)).body;
    expect(body).toHaveProperty('matching', null);
    expect(schemaGaps(doc, schema, body)).toEqual([]);
    // A matching section as the report serves one (the matching e2e makes a real one): its shape is documented too.
    const matching = { collected: '100', collectedByCard: '0', pledged: '0', notice: 'n', offers: [{ sponsorName: 'S', ratio: '1:1', cap: '100', startsAt: 'x', endsAt: 'y', accrued: '100', collected: '100', collections: [{ kind: 'offline', amount: '100', entry: 3, voided: false, reopened: '0' }] }] };
    expect(schemaGaps(doc, schema, { ...body, matching })).toEqual([]);
    // The checker itself: an undocumented field is found.
    expect(schemaGaps(doc, schema, { ...body, report: { ...body.report, surprise: 1 } })).toEqual(['$.report.surprise is not in the schema']);
  });

  it('shows a "Money by designation" table on the report page in English and Arabic; none for a campaign that declared nothing', async () => {
    const en = (await http().get(`/c/${campaign.slug}/report?lang=en`).expect(200)).text;
    expect(en).toContain('<h2 id="designations-heading">Money by designation</h2>');
    const row = (html: string, code: string) => html.match(new RegExp(`<tr data-designation="${code}">(.*?)</tr>`, 's'))?.[1] ?? '';
    expect(row(en, 'zakat')).toContain('<bdi>Zakat</bdi> <small>(zakat-eligible)</small>');
    expect(row(en, 'zakat')).toContain('$100.00');
    expect(row(en, 'zakat')).toContain('$40.00');
    expect(row(en, 'zakat')).toContain('<small>1 gift</small>');
    expect(row(en, 'water-well')).toContain('Water well in Al-Mafraq');
    expect(row(en, 'general')).toContain('Where most needed');
    const ar = (await http().get(`/c/${campaign.slug}/report?lang=ar`).expect(200)).text;
    expect(ar).toContain('الأموال حسب الوجهة');
    expect(row(ar, 'zakat')).toContain('<bdi>الزكاة</bdi> <small>(مؤهلة للزكاة)</small>');
    expect(row(ar, 'zakat')).toMatch(/<small>عدد التبرعات: [1١]<\/small>/);
    const none = (await http().get(`/c/${plain.slug}/report?lang=en`).expect(200)).text;
    expect(none).not.toContain('designations-heading');
  });

  it('a relabelled designation shows on the report page once its cached labels expire (read at most once a second); the money lines stay', async () => {
    const row = (html: string, code: string) => html.match(new RegExp(`<tr data-designation="${code}">(.*?)</tr>`, 's'))?.[1] ?? '';
    const page = async () => (await http().get(`/c/${campaign.slug}/report?lang=en`).expect(200)).text;
    expect(row(await page(), 'water-well')).toContain('Water well in Al-Mafraq');
    const { version } = (await http().get(`/api/v1/orgs/${org.orgId}/campaigns/${campaign.id}`).set(owner()).expect(200)).body;
    await http().patch(`/api/v1/orgs/${org.orgId}/campaigns/${campaign.id}`).set(owner()).send({
      version,
      designations: [
        { code: 'general', labelEn: 'Where most needed', labelAr: 'حيث الحاجة أكبر' },
        { code: 'zakat', labelEn: 'Zakat', labelAr: 'الزكاة', zakat: true },
        { code: 'water-well', labelEn: 'Water wells in Al-Mafraq', labelAr: 'آبار ماء في المفرق' },
      ],
    }).expect(200);
    await eventually(async () => row(await page(), 'water-well').includes('Water wells in Al-Mafraq'), 'the new label on the report page', 10_000);
    const after = await page();
    expect(row(after, 'water-well')).toContain('$30.00');
    expect(row(after, 'zakat')).toContain('$100.00');
  });

  it("the donor's statement PDF names the gift's designation and the payout entry that drew from it", async () => {
    const donors = world.api.get(DonorPageService);
    const session = { id: 's', email: 'amal@example.org', language: 'en' as const, expiresAt: new Date(Date.now() + 60_000), nonce: 'n' };
    const year = new Date().getUTCFullYear();
    const period = { kind: 'calendar' as const, start: new Date(Date.UTC(year, 0, 1)), end: new Date(Date.UTC(year + 1, 0, 1)), fromDay: `${year}-01-01`, toDay: `${year}-12-31` };
    const statement = await donors.statement(session, period, 'en');
    expect(statement.gifts).toBe(1);
    const text = inspectPdf(statement.pdf).texts.join(' ');
    expect(text).toContain('zakat');
    expect(text).toContain(`payout entry ${payoutEntry} ($40.00)`);
    const [gift] = await donors.gifts(session);
    expect(gift.id).toBe(zakatGift);
    await expectLedgerSound(world.db);
  });
});
