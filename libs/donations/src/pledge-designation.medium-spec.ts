import { jest } from '@jest/globals';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import {
  createCampaign, createOrganizationWithOwner, createTestEnvironment, startTestApi, startTestSandbox, TestEnvironment, TestOrganization, TestSandbox,
} from '@ataa/testing';
import { PledgeRepository } from './persistence/pledge.repository.js';
import { PledgesService } from './pledges.service.js';

jest.setTimeout(60_000);

/**
 * A pledge keeps the donor's designation (issue 21, item 2): checked when pledging (an undeclared
 * one is 422 with no pledge written), stored on the pledge, and copied onto the gift its charge
 * reserves at the close-out, which then settles like any gift in that designation.
 */
describe('pledges and designations (PostgreSQL + Stripe sandbox)', () => {
  let env: TestEnvironment;
  let sandbox: TestSandbox;
  let app: NestFastifyApplication;
  let db: DataSource;
  let org: TestOrganization;
  let campaign: { id: string; slug: string };
  const input = (designation?: string) => ({ amount: '40', coverFees: false, donorName: 'Huda', donorEmail: 'huda@example.org', anonymous: false, publicMessage: null, designation });

  beforeAll(async () => {
    env = await createTestEnvironment();
    sandbox = await startTestSandbox();
    app = await startTestApi(env.configWith({ ...sandbox.env(), ALL_OR_NOTHING_PLEDGES: 'true' }));
    db = app.get(DataSource);
    org = await createOrganizationWithOwner(app);
    campaign = await createCampaign(app, org, {
      fundingModel: 'all_or_nothing', goal: '10000', endsAt: new Date(Date.now() + 3_600_000).toISOString(),
      designations: [{ code: 'general', labelEn: 'Where most needed', labelAr: 'حيث الحاجة أكبر' }, { code: 'zakat', labelEn: 'Zakat', labelAr: 'الزكاة', zakat: true }],
    });
  });
  afterAll(async () => {
    await app?.close();
    await sandbox?.close();
    await env?.cleanup();
  });

  it('refuses an undeclared designation with 422, writing no pledge', async () => {
    await expect(app.get(PledgesService).start(campaign.slug, input('school'))).rejects.toMatchObject({ code: 'unknown_designation', status: 422 });
    expect(await db.query(`SELECT count(*)::int AS n FROM pledges WHERE campaign_id = $1`, [campaign.id])).toEqual([{ n: 0 }]);
  });

  it('stores the chosen designation (default: the first declared) and reserves the charge as a gift to it', async () => {
    const zakat = await app.get(PledgesService).start(campaign.slug, input('zakat'));
    const plain = await app.get(PledgesService).start(campaign.slug, input());
    const rows: { id: string; designation: string }[] = await db.query(`SELECT id, designation FROM pledges WHERE campaign_id = $1 ORDER BY seq`, [campaign.id]);
    expect(rows).toEqual([{ id: zakat.pledgeId, designation: 'zakat' }, { id: plain.pledgeId, designation: 'general' }]);

    // The card saved (what setup_intent.succeeded records), then the close-out reserves the charge.
    const repository = app.get(PledgeRepository);
    expect(await repository.markPledged(zakat.pledgeId, 'seti_test', 'cus_test', 'pm_test')).toBe(true);
    const pledge = (await repository.find(zakat.pledgeId))!;
    const donationId = await db.transaction((m) => repository.reserveCharge(m, pledge, '77777777-7777-4777-8777-777777777777'));
    const [gift] = await db.query(`SELECT designation, amount::text, status FROM donations WHERE id = $1`, [donationId]);
    expect(gift).toEqual({ designation: 'zakat', amount: '4000', status: 'pending' });
  });
});
