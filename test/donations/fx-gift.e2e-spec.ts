import { jest } from '@jest/globals';
import request from 'supertest';
import { createCampaign, createOrganizationWithOwner, type TestOrganization } from '@ataa/testing';
import { donationRow, DonationWorld, eventually, expectLedgerSound, settle, startDonationWorld, startGift } from './donation-test-kit.js';

jest.setTimeout(120_000);

/**
 * Currencies (issue 15.4), end to end: the sandbox's platform account settles in USD at its fixed
 * test rate of 3.25 USD per KWD; a KWD campaign receives a 10.000 KWD gift.
 *   Stripe: 10000 fils -> 3250 cents; fee 2.9% of 3250 = 94.25 -> 94, + 30 = 124 cents; net 3126
 *   the campaign bears 124 / 3.25 = 381.538... -> 382 fils (half even); platform fee 2% = 200 fils
 *   campaign funds: 10000 - 382 - 200 = 9418 fils
 * A full refund at the same rate: Stripe -3250 cents, the campaign gets back 10000 - 200 fils
 * (the platform returns its fee, Stripe keeps its own).
 */
describe('a KWD gift on a USD-settling platform account', () => {
  let world: DonationWorld;
  let org: TestOrganization;
  let campaign: { id: string; slug: string };
  let donationId: string;
  const startedAt = new Date(Math.floor(Date.now() / 1000) * 1000 - 1_000);
  const operator = { authorization: 'Bearer development-operator-token-000000' };
  const http = () => request(world.apiUrl);
  const runNow = (body: Record<string, string> = {}) => eventually(async () => {
    const res = await http().post('/operator/reconciliation/runs').set(operator).send(body);
    if (res.status === 409 && res.body.code === 'reconciliation_running') return false;
    if (res.status !== 201) throw new Error(`run: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }, 'a reconciliation run');
  const balances = async () => Object.fromEntries(
    (await world.db.query(`SELECT account_code, currency, balance::text FROM ledger_account_balances WHERE account_code LIKE 'platform:%' OR account_code LIKE $1`, [`campaign:${campaign.id}:%`]))
      .map((r: { account_code: string; currency: string; balance: string }) => [`${r.account_code.replace(campaign.id, 'C')} ${r.currency}`, r.balance]),
  );

  beforeAll(async () => {
    world = await startDonationWorld({ env: { RECONCILIATION_GRACE_MS: '0' } });
    await world.sandbox.control.setSettlementCurrency('usd');
    org = await createOrganizationWithOwner(world.api);
    campaign = await createCampaign(world.api, org, { currency: 'kwd', goal: '5000000', suggestedAmounts: ['5000', '10000', '20000'], offerCoverFees: false });
  });
  afterAll(async () => world?.close());

  it('posts the gift in KWD, the Stripe balance and fee in USD, with the conversion at Stripe\'s rate', async () => {
    const gift = await startGift(world, campaign.slug, { amount: 'other', customAmount: '10.000' });
    donationId = gift.donationId;
    expect((await world.sandbox.control.paySession(gift.sessionId)).ok).toBe(true);
    await settle(world);

    const charge = (await world.sandbox.stripe().charges.list({ limit: 1, expand: ['data.balance_transaction'] })).data[0];
    expect(charge).toMatchObject({ amount: 10_000, currency: 'kwd', balance_transaction: { amount: 3_250, fee: 124, net: 3_126, currency: 'usd', exchange_rate: 3.25 } });
    expect(await donationRow(world.db, donationId)).toMatchObject({ status: 'succeeded', amount: '10000', currency: 'kwd', platform_fee: '200', processing_fee: '382' });
    const kinds = await world.db.query(`SELECT kind, currency FROM journal_entries WHERE metadata->>'donation_id' = $1 ORDER BY kind`, [donationId]);
    expect(kinds).toEqual([
      { kind: 'donation', currency: 'kwd' }, { kind: 'donation_fx', currency: 'kwd' }, { kind: 'platform_fee', currency: 'kwd' }, { kind: 'processing_fee', currency: 'kwd' },
    ]);
    expect(await balances()).toEqual({
      'campaign:C:funds kwd': '-9418',
      'platform:stripe_balance kwd': '0',
      'platform:stripe_balance usd': '3126',
      'platform:fx_conversion kwd': '9618',
      'platform:fx_conversion usd': '-3126',
      'platform:processing_fees usd': '0',
      'platform:fee_revenue kwd': '-200',
    });
    await expectLedgerSound(world.db);
  });

  it('the public report shows the fee in KWD with the rate used', async () => {
    const body = (await http().get(`/api/v1/public/campaigns/${campaign.slug}/report`).expect(200)).body;
    expect(body.report).toMatchObject({ currency: 'kwd', raised: '10000', fees: { processing: '382', platform: '200', total: '582' }, balance: '9418' });
    expect(body.feeExchange).toEqual([{ settlementCurrency: 'usd', rate: '3.25', fees: 1, settlementAmount: '124', amount: '382' }]);
    const page = (await http().get(`/c/${campaign.slug}/report`).query({ lang: 'en' }).expect(200)).text;
    expect(page).toContain('1 KWD &#x3D; 3.25 USD'); // handlebars escapes =
    expect(page).toMatch(/KWD\s0\.382 = \$1\.24/); // formatMoney (Intl puts a no-break space after the code)
    const ledger = (await http().get(`/api/v1/public/campaigns/${campaign.slug}/ledger`).query({ order: 'asc' }).expect(200)).body.entries;
    expect(ledger.map((e: { kind: string; amount: string; currency: string }) => [e.kind, e.amount, e.currency])).toEqual([
      ['donation', '10000', 'kwd'], ['platform_fee', '-200', 'kwd'], ['fee', '-382', 'kwd'],
    ]);
  });

  it('reconciliation compares in USD and finds no difference', async () => {
    const run = await runNow({ since: startedAt.toISOString() });
    // the gift (3250) and Stripe's fee (-124), both in USD
    expect(run).toMatchObject({ status: 'succeeded', stripeMovements: 2, matched: 2, inFlight: 0, differences: 0, error: null });
  });

  it('a full refund settles at its own balance transaction, balances per currency and reconciles', async () => {
    await http().post(`/api/v1/orgs/${org.orgId}/donations/${donationId}/refunds`).set({ authorization: `Bearer ${org.ownerToken}` }).send({ amount: '10000' }).expect(201);
    await settle(world);
    await eventually(async () => (await world.db.query(`SELECT 1 FROM journal_entries WHERE kind = 'refund_fx' AND campaign_id = $1`, [campaign.id])).length === 1, 'the refund converted');
    expect(await balances()).toMatchObject({
      // 9418 - 10000 (refund) + 200 (platform fee returned) = -382: the campaign bore Stripe's fee
      'campaign:C:funds kwd': '382',
      'platform:stripe_balance kwd': '0',
      'platform:stripe_balance usd': '-124',
      'platform:fx_conversion kwd': '-382',
      'platform:fx_conversion usd': '124',
      'platform:fee_revenue kwd': '0',
    });
    await expectLedgerSound(world.db);
    const run = await runNow({ since: startedAt.toISOString() });
    expect(run).toMatchObject({ status: 'succeeded', stripeMovements: 3, matched: 3, differences: 0, error: null });
  });
});
