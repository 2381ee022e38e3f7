import { startDonationWorld, DonationWorld } from '../donations/donation-test-kit.js';
// The seed script is plain JavaScript run by `npm start`; the test drives the same module.
// @ts-expect-error -- no type declarations for the script
import { DEMO, seedDemo } from '../../scripts/seed-demo.js';

/** `npm start`'s demo seed against a real API and Stripe sandbox: complete, and idempotent. */
describe('demo seed (npm start)', () => {
  let world: DonationWorld;
  const messages: string[] = [];
  const say = (m: string) => messages.push(m);

  beforeAll(async () => {
    world = await startDonationWorld({ worker: false });
  }, 60_000);
  afterAll(async () => world?.close());

  it('creates a connected demo organization with a published campaign, and a second run finds them', async () => {
    const first = await seedDemo({ apiBase: world.apiUrl, sandboxBase: world.sandbox.url, say });
    expect(first).toMatchObject({ email: DEMO.email, campaignUrl: `${world.apiUrl}/c/${DEMO.campaignSlug}` });
    expect(messages.filter((m) => m.includes('failed'))).toEqual([]);

    const page = await fetch(first.campaignUrl);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Clean water for Al-Noor');

    const second = await seedDemo({ apiBase: world.apiUrl, sandboxBase: world.sandbox.url, say });
    expect(second).toEqual(first);

    const counts = await world.db.query(
      `SELECT (SELECT count(*)::int FROM organizations WHERE name = $1) AS orgs,
              (SELECT count(*)::int FROM campaigns WHERE slug = $2 AND status = 'published') AS campaigns,
              (SELECT count(*)::int FROM organizations WHERE name = $1 AND charges_enabled AND payouts_enabled) AS connected`,
      [DEMO.organization, DEMO.campaignSlug],
    );
    expect(counts[0]).toEqual({ orgs: 1, campaigns: 1, connected: 1 });
  });
});
