import request from 'supertest';
import { LedgerService, campaignFundsAccount } from '@ataa/ledger';
import { addMember, createCampaign, createOrganizationWithOwner } from '@ataa/testing';
import { CampaignPagesController } from '../../apps/api/src/campaign-pages/campaign-pages.controller.js';
import { CSRF_TOKEN_LIFETIME_MS, deriveCsrfKey, mintCsrfToken } from '../../apps/api/src/campaign-pages/csrf-token.js';
import { donationRow, DonationWorld, eventually, expectLedgerSound, settle, startDonationWorld, startGift, submitDonationForm } from './donation-test-kit.js';

/**
 * The real path end to end: the hosted page's form, Stripe Checkout on the sandbox, signed webhooks
 * to the API's inbox, the worker posting the ledger; refunds through the API; disputes.
 */
import { jest } from '@jest/globals';

jest.setTimeout(60_000);

describe('donations end to end (real sandbox, API, worker, PostgreSQL, Redis)', () => {
  let world: DonationWorld;
  let org: Awaited<ReturnType<typeof createOrganizationWithOwner>>;
  let campaign: { id: string; slug: string };
  let financeToken: string;
  let viewerToken: string;
  let adminToken: string;
  let ledger: LedgerService;

  beforeAll(async () => {
    world = await startDonationWorld();
    org = await createOrganizationWithOwner(world.api);
    campaign = await createCampaign(world.api, org, { offerCoverFees: true, allowAnonymous: true });
    financeToken = await addMember(world.api, org, 'finance');
    viewerToken = await addMember(world.api, org, 'viewer');
    adminToken = await addMember(world.api, org, 'admin');
    ledger = world.api.get(LedgerService);
  });
  afterAll(async () => world?.close());

  it('renders the campaign page with the form, CSRF token and sharing tags', async () => {
    const res = await request(world.apiUrl).get(`/c/${campaign.slug}`).expect(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.text).toContain('name="_csrf"');
    expect(res.text).toContain('property="og:title"');
    expect(res.text).toContain('name="twitter:card"');
    expect(res.text).toMatch(/<label for="donorEmail">/);
    expect(res.text).toContain('id="coverFees"');
    await request(world.apiUrl).get('/c/no-such-campaign').expect(404);
    // The rendered page is cached, but a change to the campaign row shows on the next request, even one made by hand in SQL.
    await world.db.query(`UPDATE campaigns SET summary = 'Clean water, now for two villages' WHERE id = $1`, [campaign.id]);
    const changed = await request(world.apiUrl).get(`/c/${campaign.slug}`).expect(200);
    expect(changed.text).toContain('Clean water, now for two villages');
  });

  it('refuses the form without a valid CSRF token, and bad amounts with a 400 page', async () => {
    const forged = await request(world.apiUrl).post(`/c/${campaign.slug}/donate`).type('form').send({ _csrf: 'x', amount: '50', donorEmail: 'a@example.org' });
    expect(forged.status).toBe(403);
    for (const amount of ['0', '-5', '12.345', 'abc', '1000000000']) {
      const res = await submitDonationForm(world, campaign.slug, { amount: 'other', customAmount: amount, donorEmail: 'a@example.org' });
      expect(res.status).toBe(400);
      expect(res.text).toContain('role="alert"');
    }
    const [{ n }] = await world.db.query(`SELECT count(*)::int AS n FROM donations`);
    expect(n).toBe(0);
  });

  it('gives every new visitor their own signed CSRF token, keeps a returning one, and refuses forged, missing, swapped or expired tokens', async () => {
    const tokenOf = (res: request.Response) => /name="_csrf" value="([^"]+)"/.exec(res.text)?.[1] ?? '';
    const first = await request(world.apiUrl).get(`/c/${campaign.slug}`).expect(200);
    const second = await request(world.apiUrl).get(`/c/${campaign.slug}`).expect(200);
    const [a, b] = [tokenOf(first), tokenOf(second)];
    expect(a).toMatch(/^[A-Za-z0-9_-]{22}\.[0-9a-z]+\.[A-Za-z0-9_-]{43}$/);
    expect(b).not.toBe(a);
    // The cookie is the token (double submit), scoped and flagged as before.
    expect(first.headers['set-cookie']).toEqual([`ataa_csrf=${a}; Path=/c; HttpOnly; SameSite=Lax`]);
    const returning = await request(world.apiUrl).get(`/c/${campaign.slug}`).set('cookie', `ataa_csrf=${a}`).expect(200);
    expect(tokenOf(returning)).toBe(a);
    expect(returning.headers['set-cookie']).toBeUndefined();

    const key = deriveCsrfKey(world.config.AUTH_SECRET!);
    const expired = mintCsrfToken(key, Date.now() - CSRF_TOKEN_LIFETIME_MS - 1000);
    const madeUp = `${'A'.repeat(22)}.${Math.floor(Date.now() / 1000).toString(36)}.${'B'.repeat(43)}`;
    const fields = { amount: 'other', customAmount: '25.00', donorEmail: 'forger@example.org' };
    const attempts: [string | null, string | undefined][] = [
      [a, undefined], // no token in the form
      [null, a], // no cookie
      [a, b], // another visitor's token
      [madeUp, madeUp], // well-formed, not signed by us
      [expired, expired], // signed, too old
    ];
    for (const [cookie, token] of attempts) {
      const post = request(world.apiUrl).post(`/c/${campaign.slug}/donate`).type('form');
      if (cookie !== null) void post.set('cookie', `ataa_csrf=${cookie}`);
      const res = await post.send(token === undefined ? fields : { _csrf: token, ...fields });
      expect(res.status).toBe(403);
      expect(res.text).toContain('The form expired. Please try again.');
    }
    const [{ n }] = await world.db.query(`SELECT count(*)::int AS n FROM donations`);
    expect(n).toBe(0);
  });

  it('a gift paid on Checkout lands once in the ledger with the exact Stripe fee and platform fee', async () => {
    // The page as it is before the gift, rendered once and then served from the render cache.
    const before = await request(world.apiUrl).get(`/c/${campaign.slug}`).expect(200);
    expect(before.text).toMatch(/data-testid="donor-count">0</);
    const pages = world.api.get(CampaignPagesController).rendered;
    const cached = pages.size;
    await request(world.apiUrl).get(`/c/${campaign.slug}`).expect(200);
    expect(pages.size).toBe(cached);
    const { donationId, sessionId } = await startGift(world, campaign.slug, { amount: 'other', customAmount: '100.00', publicMessage: 'For the well' });
    expect(sessionId).toMatch(/^cs_/);
    expect((await donationRow(world.db, donationId)).status).toBe('pending');
    const paid = await world.sandbox.control.paySession(sessionId);
    expect(paid.ok).toBe(true);
    await settle(world);
    const row = await donationRow(world.db, donationId);
    // 100.00 USD: Stripe 2.9% + 0.30 = 3.20; platform 2% = 2.00; campaign nets 94.80
    expect(row).toMatchObject({ status: 'succeeded', amount: '10000', processing_fee: '320', platform_fee: '200' });
    const totals = await ledger.campaignTotals(campaign.id);
    expect(totals).toMatchObject({ raised: 10_000n, processingFees: 320n, platformFees: 200n, available: 9_480n, donationsCount: 1 });
    expect(await ledger.balanceOf(campaignFundsAccount(campaign.id), 'usd')).toBe(9_480n);
    await expectLedgerSound(world.db);

    const thanks = await request(world.apiUrl).get(`/c/${campaign.slug}/thanks?donation=${donationId}`).expect(200);
    expect(thanks.text).toContain('data-state="succeeded"');
    const page = await request(world.apiUrl).get(`/c/${campaign.slug}`).expect(200);
    // The next request after the gift was posted shows it: new total, count and gift.
    expect(page.text).toContain('For the well');
    expect(page.text).toMatch(/data-testid="donor-count">1</);
    expect(page.text).toMatch(/data-testid="raised">\$100\.00</);
  });

  it('a donor covering fees is charged the gross-up and the campaign nets the chosen amount', async () => {
    const { donationId, sessionId } = await startGift(world, campaign.slug, { amount: 'other', customAmount: '100', coverFees: 'on', anonymous: 'on' });
    await world.sandbox.control.paySession(sessionId);
    await settle(world);
    const row = await donationRow(world.db, donationId);
    // gross 105.47: Stripe fee round(305.863)+30 = 336, platform fee round(210.94) = 211, net 10000
    expect(row).toMatchObject({ status: 'succeeded', amount: '10547', chosen_amount: '10000', covered_fees: '547', processing_fee: '336', platform_fee: '211' });
    expect(BigInt(row.amount) - BigInt(row.processing_fee) - BigInt(row.platform_fee)).toBe(10_000n);
    const page = await request(world.apiUrl).get(`/c/${campaign.slug}`).expect(200);
    expect(page.text).not.toContain('layla@example.org');
    await expectLedgerSound(world.db);
  });

  it('lists donations for members with filters and cursor pagination; other organizations get 404', async () => {
    const first = await request(world.apiUrl).get(`/api/v1/orgs/${org.orgId}/donations?limit=1&status=succeeded`).set('authorization', `Bearer ${viewerToken}`).expect(200);
    expect(first.body.items).toHaveLength(1);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await request(world.apiUrl).get(`/api/v1/orgs/${org.orgId}/donations?limit=1&status=succeeded&cursor=${first.body.nextCursor}`).set('authorization', `Bearer ${viewerToken}`).expect(200);
    expect(second.body.items).toHaveLength(1);
    expect(second.body.items[0].id).not.toBe(first.body.items[0].id);
    const other = await createOrganizationWithOwner(world.api);
    await request(world.apiUrl).get(`/api/v1/orgs/${other.orgId}/donations/${first.body.items[0].id}`).set('authorization', `Bearer ${other.ownerToken}`).expect(404);
    await request(world.apiUrl).get(`/api/v1/orgs/${org.orgId}/donations?bogus=1`).set('authorization', `Bearer ${viewerToken}`).expect(400);
  });

  it('refunds through the API: viewers and admins may not, over-refunds and concurrent excess are refused, partial then full', async () => {
    const { donationId, sessionId } = await startGift(world, campaign.slug, { amount: 'other', customAmount: '40.00' });
    await world.sandbox.control.paySession(sessionId);
    await settle(world);
    const url = `/api/v1/orgs/${org.orgId}/donations/${donationId}/refunds`;
    await request(world.apiUrl).post(url).set('authorization', `Bearer ${viewerToken}`).send({ amount: '100' }).expect(403);
    // Refunds are the finance role's (and owners'); admins manage campaigns.
    const byAdmin = await request(world.apiUrl).post(url).set('authorization', `Bearer ${adminToken}`).send({ amount: '100' });
    expect(byAdmin.status).toBe(403);
    expect(byAdmin.body.code).toBe('forbidden_role');
    const tooMuch = await request(world.apiUrl).post(url).set('authorization', `Bearer ${financeToken}`).send({ amount: '4001' });
    expect(tooMuch.status).toBe(409);
    expect(tooMuch.body.code).toBe('refund_exceeds_remaining');
    // Two concurrent partial refunds of 25.00 on a 40.00 gift: exactly one succeeds.
    const both = await Promise.all([1, 2].map(() => request(world.apiUrl).post(url).set('authorization', `Bearer ${financeToken}`).send({ amount: '2500' })));
    expect(both.map((r) => r.status).sort()).toEqual([201, 409]);
    const keyed = await request(world.apiUrl).post(url).set('authorization', `Bearer ${financeToken}`).set('idempotency-key', 'rest-1').send({});
    expect(keyed.status).toBe(201);
    expect(keyed.body.amount).toBe('1500');
    const replay = await request(world.apiUrl).post(url).set('authorization', `Bearer ${financeToken}`).set('idempotency-key', 'rest-1').send({});
    expect(replay.body.id).toBe(keyed.body.id);
    // One audit entry per refund, written with the refund request: the replay adds none.
    const audited = await world.db.query(`SELECT actor, details FROM audit_log WHERE action = 'donation.refund' AND target_id = $1 ORDER BY seq`, [donationId]);
    expect(audited.map((a: { details: { amount: string } }) => a.details.amount)).toEqual(['2500', '1500']);
    expect(audited.filter((a: { details: { refundId: string } }) => a.details.refundId === keyed.body.id)).toHaveLength(1);
    expect(new Set(audited.map((a: { actor: string }) => a.actor)).size).toBe(1);
    await settle(world);
    const row = await donationRow(world.db, donationId);
    expect(row).toMatchObject({ status: 'refunded', refunded_amount: '4000' });
    const refunds = await world.db.query(`SELECT count(*)::int AS n FROM journal_entries WHERE kind = 'refund' AND metadata->>'donation_id' = $1`, [donationId]);
    expect(refunds[0].n).toBe(2);
    await expectLedgerSound(world.db);
  });

  it('a refund made in Stripe (dashboard) is seen by webhook and reverses the gift', async () => {
    const { donationId, sessionId } = await startGift(world, campaign.slug, { amount: 'other', customAmount: '20.00' });
    await world.sandbox.control.paySession(sessionId);
    await settle(world);
    const row = await donationRow(world.db, donationId);
    await world.sandbox.stripe().refunds.create({ charge: row.stripe_charge_id, amount: 500 });
    await settle(world);
    expect(await donationRow(world.db, donationId)).toMatchObject({ status: 'partially_refunded', refunded_amount: '500' });
    await expectLedgerSound(world.db);
  });

  it('a dispute withdraws the amount and the fee; winning it reinstates both', async () => {
    const { donationId, sessionId } = await startGift(world, campaign.slug, { amount: 'other', customAmount: '30.00' });
    await world.sandbox.control.paySession(sessionId);
    await settle(world);
    const before = (await ledger.campaignTotals(campaign.id))!;
    const dispute = await world.sandbox.control.openDispute((await donationRow(world.db, donationId)).stripe_charge_id);
    await settle(world);
    expect(await donationRow(world.db, donationId)).toMatchObject({ status: 'disputed', disputed_amount: '3000' });
    expect((await ledger.campaignTotals(campaign.id))!.available).toBe(before.available - 3_000n);
    expect(await ledger.balanceOf('platform:dispute_losses', 'usd')).toBe(1_500n);
    await world.sandbox.control.closeDispute(dispute.id, 'won');
    await settle(world);
    expect(await donationRow(world.db, donationId)).toMatchObject({ status: 'dispute_won', disputed_amount: '0' });
    expect((await ledger.campaignTotals(campaign.id))!.available).toBe(before.available);
    expect(await ledger.balanceOf('platform:dispute_losses', 'usd')).toBe(0n);
    await expectLedgerSound(world.db);
  });
});
