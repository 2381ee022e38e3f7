// Seeds a demo organization with a published campaign through the public API, idempotently: a
// second start logs in as the demo owner and finds the organization and the campaign instead of
// creating them again. Uses only HTTP, so it exercises the same paths an organization would.
export const DEMO = {
  email: 'demo@ataa.local',
  password: 'demo-password-1234',
  organization: 'Demo Water Trust',
  campaignSlug: 'clean-water-for-al-noor',
};

const CAMPAIGN = {
  title: 'Clean water for Al-Noor',
  slug: DEMO.campaignSlug,
  summary: 'A well and a filtration plant for a village of 1,200 people.',
  story: '# Why\nThe nearest safe water is **6 km** away. A well and a filtration plant change that.\n\n# Where every cent goes\nEvery gift, fee, refund and payout is on this campaign\'s public ledger, which anyone can verify.',
  currency: 'usd',
  goal: '2500000',
  suggestedAmounts: ['2500', '5000', '10000'],
  fundingModel: 'flexible',
};

class SeedError extends Error {}

async function call(apiBase, method, path, { token, body } = {}) {
  const res = await fetch(`${apiBase}${path}`, {
    method,
    headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = { raw: text }; }
  return { status: res.status, body: json };
}

function expect(res, statuses, what) {
  if (!statuses.includes(res.status)) throw new SeedError(`${what}: HTTP ${res.status} ${res.body?.code ?? ''} ${res.body?.detail ?? ''}`.trim());
  return res.body;
}

async function ownerToken(apiBase, say) {
  const login = await call(apiBase, 'POST', '/api/v1/auth/login', { body: { email: DEMO.email, password: DEMO.password } });
  if (login.status === 200) return login.body.accessToken;
  const signup = await call(apiBase, 'POST', '/api/v1/auth/signup', { body: { email: DEMO.email, password: DEMO.password, displayName: 'Demo Owner' } });
  expect(signup, [201], 'demo sign-up');
  say('demo seed: created the demo owner');
  return signup.body.accessToken;
}

async function demoOrganization(apiBase, token, say) {
  const list = expect(await call(apiBase, 'GET', '/api/v1/orgs', { token }), [200], 'list organizations');
  const found = list.find((o) => o.name === DEMO.organization);
  if (found) return found.id;
  const created = expect(await call(apiBase, 'POST', '/api/v1/orgs', { token, body: { name: DEMO.organization } }), [201], 'create organization');
  say('demo seed: created the demo organization');
  return created.id;
}

/** Connects the organization to the sandbox's Stripe and completes onboarding, so payouts work in the demo. */
async function onboard(apiBase, sandboxBase, token, orgId, say) {
  const account = expect(await call(apiBase, 'GET', `/api/v1/orgs/${orgId}/stripe/account`, { token }), [200], 'read Stripe account');
  if (account.chargesEnabled && account.payoutsEnabled) return;
  const created = expect(await call(apiBase, 'POST', `/api/v1/orgs/${orgId}/stripe/account`, { token, body: { country: 'US' } }), [200, 201], 'create Stripe account');
  if (!sandboxBase) return;
  const res = await fetch(`${sandboxBase}/_sandbox/accounts/${encodeURIComponent(created.stripeAccountId)}/complete_onboarding`, { method: 'POST' }).catch(() => null);
  if (!res?.ok) {
    say('demo seed: the sandbox did not complete onboarding (is SANDBOX_TEST_MODE on?); payouts stay disabled');
    return;
  }
  expect(await call(apiBase, 'POST', `/api/v1/orgs/${orgId}/stripe/account/sync`, { token, body: {} }), [200], 'sync Stripe account');
  say('demo seed: connected the demo organization to the Stripe sandbox');
}

async function demoCampaign(apiBase, token, orgId, say) {
  const query = new URLSearchParams({ q: CAMPAIGN.title, limit: '100' });
  const list = expect(await call(apiBase, 'GET', `/api/v1/orgs/${orgId}/campaigns?${query}`, { token }), [200], 'list campaigns');
  let campaign = (list.items ?? []).find((c) => c.slug === DEMO.campaignSlug);
  if (!campaign) {
    campaign = expect(await call(apiBase, 'POST', `/api/v1/orgs/${orgId}/campaigns`, { token, body: CAMPAIGN }), [201], 'create campaign');
    say('demo seed: created the demo campaign');
  }
  if (campaign.status === 'draft') {
    campaign = expect(await call(apiBase, 'POST', `/api/v1/orgs/${orgId}/campaigns/${campaign.id}/publish`, { token, body: {} }), [200], 'publish campaign');
    say('demo seed: published the demo campaign');
  }
  return campaign;
}

export async function seedDemo({ apiBase, sandboxBase, publicBase = apiBase, say }) {
  try {
    const token = await ownerToken(apiBase, say);
    const orgId = await demoOrganization(apiBase, token, say);
    await onboard(apiBase, sandboxBase, token, orgId, say);
    const campaign = await demoCampaign(apiBase, token, orgId, say);
    return { email: DEMO.email, password: DEMO.password, orgId, campaignId: campaign.id, campaignUrl: `${publicBase}/c/${campaign.slug}` };
  } catch (error) {
    // The platform still runs without its demo data; say why the seed stopped.
    say(`demo seed failed: ${error instanceof SeedError ? error.message : error?.message ?? error}`);
    return null;
  }
}
