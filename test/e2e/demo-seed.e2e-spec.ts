import { jest } from '@jest/globals';
import { startSmtpSink, type SmtpSink } from '@ataa/testing';
import { startDonationWorld, DonationWorld, expectLedgerSound } from '../donations/donation-test-kit.js';
// The seed script is plain JavaScript run by `npm start`; the test drives the same module.
// @ts-expect-error -- no type declarations for the script
import { DEMO, seedDemo } from '../../scripts/seed-demo.js';

jest.setTimeout(240_000);

const DAY = 86_400_000;

/**
 * `npm start`'s demo seed against a real API, worker, Stripe sandbox and SMTP server: a verified
 * owner, a connected organization, two campaigns (one Arabic in KWD) with weeks of gifts, a refund
 * and a paid payout, all through the API, the pages and the webhooks; a second run adds nothing.
 */
describe('demo seed (npm start)', () => {
  let smtp: SmtpSink;
  let world: DonationWorld;
  const messages: string[] = [];
  const say = (m: string) => messages.push(m);
  const seed = () => seedDemo({
    apiBase: world.apiUrl, sandboxBase: world.sandbox.url, say, operatorToken: world.config.OPERATOR_TOKEN,
    mailbox: async () => smtp.messages.map((m, i) => ({ id: String(i), to: m.envelope.to, text: m.parsed.text ?? '' })),
  });
  const counts = async () => (await world.db.query(
    `SELECT (SELECT count(*)::int FROM organizations WHERE name = $1) AS orgs,
            (SELECT count(*)::int FROM campaigns WHERE slug IN ($2, $3) AND status = 'published') AS campaigns,
            (SELECT count(*)::int FROM organizations WHERE name = $1 AND charges_enabled AND payouts_enabled) AS connected,
            (SELECT count(*)::int FROM donations) AS donations,
            (SELECT count(*)::int FROM donation_refunds) AS refunds,
            (SELECT count(*)::int FROM payouts) AS payouts,
            (SELECT count(*)::int FROM journal_entries) AS entries`,
    [DEMO.organization, DEMO.campaignSlug, DEMO.arabicCampaignSlug],
  ))[0];
  let first: Record<string, string>;

  beforeAll(async () => {
    smtp = await startSmtpSink();
    world = await startDonationWorld({ env: { SMTP_URL: smtp.url } });
    first = await seed();
  });
  afterAll(async () => {
    await world?.close();
    await smtp?.close();
  });

  it('creates a verified owner and a connected organization with two published campaigns', async () => {
    expect(messages.filter((m) => m.includes('failed') || m.includes('could not'))).toEqual([]);
    expect(first).toMatchObject({
      email: DEMO.email, campaignUrl: `${world.apiUrl}/c/${DEMO.campaignSlug}`, ledgerUrl: `${world.apiUrl}/c/${DEMO.campaignSlug}/ledger`,
      arabicCampaignUrl: `${world.apiUrl}/c/${DEMO.arabicCampaignSlug}`, dashboardUrl: `${world.apiUrl}/dashboard/o/${first.orgId}`,
    });
    const [user] = await world.db.query(`SELECT email_verified_at FROM users WHERE email = $1`, [DEMO.email]);
    expect(user.email_verified_at).not.toBeNull();
    const page = await fetch(first.campaignUrl);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Clean water for Al-Noor');
    const arabic = await fetch(first.arabicCampaignUrl);
    expect(arabic.status).toBe(200);
    expect(await arabic.text()).toMatch(/<html[^>]*lang="ar"[^>]*dir="rtl"|<html[^>]*dir="rtl"[^>]*lang="ar"/);
    const [kwd] = await world.db.query(`SELECT currency, language FROM campaigns WHERE slug = $1`, [DEMO.arabicCampaignSlug]);
    expect(kwd).toEqual({ currency: 'kwd', language: 'ar' });
  });

  it('gives the demo weeks of gifts in both currencies, dated by the sandbox clock, then sets that clock back to now', async () => {
    const gifts = await world.db.query(`SELECT currency, settled_at, amount::text FROM donations WHERE settled_at IS NOT NULL ORDER BY settled_at`);
    expect(gifts.length).toBeGreaterThanOrEqual(12);
    const ages = gifts.map((g: { settled_at: Date }) => (Date.now() - g.settled_at.getTime()) / DAY);
    expect(Math.max(...ages)).toBeGreaterThan(35);
    expect(Math.min(...ages)).toBeLessThan(2);
    // Several distinct weeks, and days within the dashboard's 30-day chart.
    expect(new Set(ages.map((a: number) => Math.floor(a / 7))).size).toBeGreaterThanOrEqual(5);
    expect(ages.filter((a: number) => a < 30).length).toBeGreaterThanOrEqual(6);
    // KWD gifts in fils (3 decimals): 15.000, 7.500, 25.250, 10.000.
    expect(gifts.filter((g: { currency: string }) => g.currency === 'kwd').map((g: { amount: string }) => g.amount).sort()).toEqual(['10000', '15000', '25250', '7500']);
    // The ledger dates each entry from Stripe's objects: the gifts' entries are as old as the gifts.
    const [oldest] = await world.db.query(`SELECT min(occurred_at) AS at FROM journal_entries WHERE kind = 'donation'`);
    expect(Date.now() - oldest.at.getTime()).toBeGreaterThan(35 * DAY);
    const state = await (await fetch(`${world.sandbox.url}/_sandbox/state`)).json();
    expect(state.clock_offset).toBe(0);
    await expectLedgerSound(world.db);
  });

  it('has a refunded gift and a paid payout on the public ledger', async () => {
    const refunds = await world.db.query(`SELECT r.status, d.status AS donation FROM donation_refunds r JOIN donations d ON d.id = r.donation_id`);
    expect(refunds).toEqual([{ status: 'succeeded', donation: 'refunded' }]);
    const payouts = await world.db.query(`SELECT status, amount::text, currency FROM payouts`);
    expect(payouts).toEqual([{ status: 'paid', amount: '30000', currency: 'usd' }]);
    const kinds = (await world.db.query(`SELECT DISTINCT kind FROM public_ledger_entries`)).map((r: { kind: string }) => r.kind);
    expect(kinds).toEqual(expect.arrayContaining(['donation', 'refund', 'payout']));
    const ledger = await fetch(first.ledgerUrl);
    expect(ledger.status).toBe(200);
  });

  it('a second run finds everything and adds nothing', async () => {
    const before = await counts();
    expect(before).toMatchObject({ orgs: 1, campaigns: 2, connected: 1, refunds: 1, payouts: 1 });
    const second = await seed();
    expect(second).toEqual(first);
    expect(await counts()).toEqual(before);
  });
});
