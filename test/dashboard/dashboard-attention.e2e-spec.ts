import { jest } from '@jest/globals';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import {
  baseUrlOf, createCampaign, createOrganizationWithOwner, createTestEnvironment, signInToDashboard, startTestApi, TestEnvironment, TestOrganization,
} from '@ataa/testing';

jest.setTimeout(120_000);

/**
 * The home page's "needs attention" card lists, for the signed-in organization only: refunds that failed in a
 * close-out, payouts waiting for the operator's approval, open reconciliation differences with Stripe, and
 * campaigns ending soon. The states are arranged in their tables (each has its own flow tested elsewhere);
 * this checks what the page makes of them, and that another organization sees none of it.
 */
describe('dashboard home: needs attention (API, PostgreSQL)', () => {
  let env: TestEnvironment;
  let api: NestFastifyApplication;
  let db: pg.Client;
  let base: string;
  let org: TestOrganization;
  let other: TestOrganization;
  let campaign: { id: string; title: string };

  beforeAll(async () => {
    env = await createTestEnvironment();
    api = await startTestApi(env.config, { listen: true });
    base = await baseUrlOf(api);
    db = new pg.Client({ connectionString: env.database.url });
    await db.connect();
    org = await createOrganizationWithOwner(api, { name: 'Water Relief' });
    other = await createOrganizationWithOwner(api, { name: 'Other Charity' });
    campaign = await createCampaign(api, org, { title: 'Wells for Mafraq', currency: 'kwd', goal: '5000000', suggestedAmounts: ['5000'] });
    await createCampaign(api, other, { title: 'Other campaign' });
  }, 60_000);
  afterAll(async () => {
    await db?.end();
    await api?.close();
    await env?.cleanup();
  }, 60_000);

  it('shows nothing to attend to for a new organization', async () => {
    const home = await (await signInToDashboard(base, org.ownerEmail, org.ownerPassword)).get(`/dashboard/o/${org.orgId}`);
    expect(home.status).toBe(200);
    expect(home.text).toContain('Nothing needs your attention.');
    expect(home.text).not.toContain('data-testid="attention"');
  });

  it('lists failed close-out refunds, payouts awaiting approval and open differences, in English and Arabic, to that organization only', async () => {
    await db.query(
      `INSERT INTO campaign_closeouts (campaign_id, organization_id, funding_model, decision, reason, currency, goal_amount, raised_amount, status, total, refunded, failed)
       VALUES ($1, $2, 'all_or_nothing', 'refund_all', 'goal_missed', 'kwd', 5000000, 120000, 'refunding', 5, 3, 2)`, [campaign.id, org.orgId],
    );
    // 12.500 KWD: three decimals (Intl puts a no-break space after the code)
    await db.query(
      `INSERT INTO payouts (id, organization_id, campaign_id, currency, amount, status, purpose, requested_by, approval)
       VALUES ($1, $2, $3, 'kwd', 12500, 'pending_approval', 'Drilling', 'user:test', 'operator')`, [randomUUID(), org.orgId, campaign.id],
    );
    const [{ id: runId }] = (await db.query(
      `INSERT INTO reconciliation_runs (trigger, status, window_end, grace_ms, finished_at) VALUES ('operator', 'succeeded', now(), 0, now()) RETURNING id`,
    )).rows;
    for (const key of ['a', 'b', 'c']) {
      await db.query(
        `INSERT INTO reconciliation_differences (key, kind, ledger_kind, stripe_object_id, currency, campaign_id, occurred_at, first_run_id, last_run_id)
         VALUES ($1, 'missing_in_ledger', 'donation', $2, 'kwd', $3, now(), $4, $4)`, [`test:${key}`, `ch_${key}`, campaign.id, runId],
      );
    }

    const owner = await signInToDashboard(base, org.ownerEmail, org.ownerPassword);
    const home = await owner.get(`/dashboard/o/${org.orgId}`);
    expect(home.status).toBe(200);
    const card = /<ul class="dash-list" data-testid="attention">([\s\S]*?)<\/ul>/.exec(home.text)![1];
    const campaignPage = `/dashboard/o/${org.orgId}/campaigns/${campaign.id}`;
    expect(card).toContain(`<li data-kind="closeout-failed"><a href="${campaignPage}"><bdi>Wells for Mafraq</bdi></a> — 2 refunds failed in its close-out</li>`);
    expect(card).toContain(`<li data-kind="payout-awaiting-approval"><a href="/dashboard/o/${org.orgId}/payouts"><bdi>A payout of KWD\u00a012.500 awaits the platform’s approval</bdi></a></li>`);
    expect(card).toContain(`<li data-kind="reconciliation-differences"><a href="${campaignPage}"><bdi>Wells for Mafraq</bdi></a> — 3 open differences between the ledger and Stripe</li>`);

    // Arabic: the language's plural forms (2 = dual, 3 = few), digits as localeFor('ar') formats them
    expect((await owner.post('/dashboard/language').type('form').send({ language: 'ar', next: `/dashboard/o/${org.orgId}`, _csrf: /name="_csrf" value="([^"]+)"/.exec(home.text)![1] })).status).toBe(303);
    const arabic = await owner.get(`/dashboard/o/${org.orgId}`);
    expect(arabic.text).toContain('فشل استردادان في إغلاقها');
    expect(arabic.text).toContain('3 فروق مفتوحة بين السجل وStripe');

    // The other organization sees none of it.
    const otherHome = await (await signInToDashboard(base, other.ownerEmail, other.ownerPassword)).get(`/dashboard/o/${other.orgId}`);
    expect(otherHome.status).toBe(200);
    expect(otherHome.text).toContain('Nothing needs your attention.');
    expect(otherHome.text).not.toContain('Wells for Mafraq');
  });
});
