// Seeds a demo organization through the public API and pages, idempotently: a second start logs in
// as the demo owner and finds the organization, the campaigns and their history instead of making
// them again. Uses only HTTP (the API, the dashboard's and the campaign page's forms, the Stripe
// sandbox's test control API and the mail catcher), so it exercises the paths an organization would.
export const DEMO = {
  email: 'demo@ataa.local',
  password: 'demo-password-1234',
  organization: 'Demo Water Trust',
  campaignSlug: 'clean-water-for-al-noor',
  arabicCampaignSlug: 'water-tanks-for-jahra',
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

// The second campaign: Arabic, in Kuwaiti dinars (3 decimals: 1 KWD = 1000 fils).
const ARABIC_CAMPAIGN = {
  title: 'خزانات مياه لأسر الجهراء',
  slug: DEMO.arabicCampaignSlug,
  summary: 'خزانات مياه نظيفة لمئة أسرة في الجهراء.',
  story: '# لماذا\nتنتظر الأسر صهاريج المياه أياماً في الصيف. خزان لكل بيت يغيّر ذلك.\n\n# أين يذهب كل فلس\nكل تبرع ورسم واسترداد ودفعة مسجّل في السجل العام لهذه الحملة.',
  currency: 'kwd',
  goal: '5000000',
  suggestedAmounts: ['5000', '10000', '25000'],
  fundingModel: 'flexible',
  language: 'ar',
};

/**
 * The demo's history, in days from its start (HISTORY_DAYS ago): gifts spread over six weeks, one
 * refunded, one payout. Amounts are typed as a donor types them (major units).
 */
const HISTORY_DAYS = 42;
const HISTORY = [
  { day: 0, slug: DEMO.campaignSlug, amount: '100.00', name: 'Layla Haddad', email: 'layla@example.org', message: 'For the well. Thank you!' },
  { day: 3, slug: DEMO.campaignSlug, amount: '25.00', name: 'Omar Saleh', email: 'omar@example.org' },
  { day: 8, slug: DEMO.campaignSlug, amount: '50.00', name: 'Grace Okafor', email: 'grace@example.org', anonymous: true },
  { day: 10, slug: DEMO.arabicCampaignSlug, amount: '15.000', name: 'مريم العنزي', email: 'mariam@example.org', message: 'بالتوفيق' },
  { day: 13, slug: DEMO.campaignSlug, amount: '250.00', name: 'Daniel Weber', email: 'daniel@example.org', message: 'Clean water is a right.' },
  { day: 16, slug: DEMO.campaignSlug, amount: '40.00', name: 'Sara Lind', email: 'sara@example.org', refund: true },
  { day: 19, slug: DEMO.campaignSlug, amount: '75.00', name: 'Yusuf Demir', email: 'yusuf@example.org' },
  { day: 24, slug: DEMO.arabicCampaignSlug, amount: '7.500', name: 'خالد الرشيدي', email: 'khaled@example.org' },
  { day: 27, slug: DEMO.campaignSlug, amount: '30.00', name: 'Aisha Bello', email: 'aisha@example.org' },
  { day: 31, slug: DEMO.campaignSlug, amount: '120.00', name: 'Noor Khan', email: 'noor@example.org', message: 'From our school class.' },
  { day: 35, slug: DEMO.arabicCampaignSlug, amount: '25.250', name: 'فاطمة الكندري', email: 'fatima@example.org', anonymous: true },
  { day: 37, slug: DEMO.campaignSlug, amount: '60.00', name: 'Lucas Martin', email: 'lucas@example.org' },
  { day: 39, slug: DEMO.arabicCampaignSlug, amount: '10.000', name: 'Ahmed Ali', email: 'ahmed@example.org' },
  { day: 40, slug: DEMO.campaignSlug, amount: '45.00', name: 'Hana Sato', email: 'hana@example.org' },
  { day: 41, slug: DEMO.campaignSlug, amount: '35.00', name: 'Mateo Rossi', email: 'mateo@example.org', message: 'Keep going!' },
];
const REFUND_DAY = 18;
const PAYOUT = { day: 38, amount: '30000', purpose: 'Drilling survey for the well' };

class SeedError extends Error {}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function call(apiBase, method, path, { token, body, headers = {} } = {}) {
  const res = await fetch(`${apiBase}${path}`, {
    method,
    headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
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

async function until(check, what, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new SeedError(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

/** A browser's view of one site's forms: cookies kept, redirects not followed, the form's CSRF token read. */
function browser(base) {
  const cookies = new Map();
  const request = async (method, path, form) => {
    const res = await fetch(`${base}${path}`, {
      method,
      redirect: 'manual',
      headers: { ...(cookies.size ? { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') } : {}), ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      body: form ? new URLSearchParams(form).toString() : undefined,
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair.indexOf('=');
      cookies.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim());
    }
    return { status: res.status, location: res.headers.get('location'), text: await res.text() };
  };
  const csrfOf = (html) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  return {
    get: (path) => request('GET', path),
    /** Opens `page`, then posts `fields` with its CSRF token to `action`. */
    async submit(page, action, fields) {
      const opened = await request('GET', page);
      const csrf = csrfOf(opened.text);
      if (opened.status !== 200 || !csrf) throw new SeedError(`${page}: HTTP ${opened.status}, no form`);
      return request('POST', action, { _csrf: csrf, ...fields });
    },
  };
}

async function ownerToken(apiBase, say) {
  const login = await call(apiBase, 'POST', '/api/v1/auth/login', { body: { email: DEMO.email, password: DEMO.password } });
  if (login.status === 200) return login.body.accessToken;
  const signup = await call(apiBase, 'POST', '/api/v1/auth/signup', { body: { email: DEMO.email, password: DEMO.password, displayName: 'Demo Owner' } });
  expect(signup, [201], 'demo sign-up');
  say('demo seed: created the demo owner');
  return signup.body.accessToken;
}

/**
 * Verifies the demo owner's address as a person would: the dashboard's "send the link again", the
 * e-mail the worker sends (read from the mail catcher through `mailbox`), the link's page and its form.
 */
async function verifyEmail(apiBase, mailbox, say) {
  const dashboard = browser(apiBase);
  const signIn = await dashboard.submit('/dashboard/sign-in', '/dashboard/sign-in', { email: DEMO.email, password: DEMO.password });
  if (signIn.status !== 303) throw new SeedError(`dashboard sign-in: HTTP ${signIn.status}`);
  const page = await dashboard.get('/dashboard/organizations');
  if (!page.text.includes('action="/dashboard/verify-email/resend"')) return;
  if (!mailbox) {
    say('demo seed: no mail catcher to read the verification link from; the demo address stays unverified');
    return;
  }
  const before = new Set((await mailbox()).map((m) => m.id));
  const resent = await dashboard.submit('/dashboard/organizations', '/dashboard/verify-email/resend', {});
  if (resent.status !== 200) throw new SeedError(`verification e-mail: HTTP ${resent.status}`);
  const link = await until(async () => {
    const mail = (await mailbox()).find((m) => !before.has(m.id) && m.to.some((to) => to.toLowerCase() === DEMO.email) && /\/dashboard\/verify-email\?token=/.test(m.text ?? ''));
    return mail && /\/dashboard\/verify-email\?token=[^\s>)"]+/.exec(mail.text)[0];
  }, 'the verification e-mail');
  const verified = await dashboard.submit(link, '/dashboard/verify-email', { token: decodeURIComponent(new URL(link, apiBase).searchParams.get('token')) });
  if (verified.status !== 200 || !verified.text.includes('data-testid="verified"')) throw new SeedError(`verifying the address: HTTP ${verified.status}`);
  say('demo seed: verified the demo address (through the e-mailed link)');
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
async function onboard(apiBase, sandbox, token, orgId, say) {
  const account = expect(await call(apiBase, 'GET', `/api/v1/orgs/${orgId}/stripe/account`, { token }), [200], 'read Stripe account');
  if (account.chargesEnabled && account.payoutsEnabled) return;
  const created = expect(await call(apiBase, 'POST', `/api/v1/orgs/${orgId}/stripe/account`, { token, body: { country: 'US' } }), [200, 201], 'create Stripe account');
  if (!sandbox) return;
  const res = await sandbox.control('POST', `/accounts/${encodeURIComponent(created.stripeAccountId)}/complete_onboarding`).catch(() => null);
  if (!res) {
    say('demo seed: the sandbox did not complete onboarding (is SANDBOX_TEST_MODE on?); payouts stay disabled');
    return;
  }
  expect(await call(apiBase, 'POST', `/api/v1/orgs/${orgId}/stripe/account/sync`, { token, body: {} }), [200], 'sync Stripe account');
  say('demo seed: connected the demo organization to the Stripe sandbox');
}

async function demoCampaign(apiBase, token, orgId, definition, say) {
  const query = new URLSearchParams({ q: definition.title, limit: '100' });
  const list = expect(await call(apiBase, 'GET', `/api/v1/orgs/${orgId}/campaigns?${query}`, { token }), [200], 'list campaigns');
  let campaign = (list.items ?? []).find((c) => c.slug === definition.slug);
  if (!campaign) {
    campaign = expect(await call(apiBase, 'POST', `/api/v1/orgs/${orgId}/campaigns`, { token, body: definition }), [201], `create campaign ${definition.slug}`);
    say(`demo seed: created the campaign ${definition.slug}`);
  }
  if (campaign.status === 'draft') {
    campaign = expect(await call(apiBase, 'POST', `/api/v1/orgs/${orgId}/campaigns/${campaign.id}/publish`, { token, body: {} }), [200], `publish campaign ${definition.slug}`);
  }
  return campaign;
}

/** The sandbox's test control API (null without a sandbox or when it is not in test mode). */
function sandboxControl(sandboxBase) {
  if (!sandboxBase) return null;
  return {
    async control(method, path, body) {
      const res = await fetch(`${sandboxBase}/_sandbox${path}`, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
      const json = await res.json().catch(() => null);
      if (!res.ok) throw new SeedError(`sandbox ${path}: HTTP ${res.status} ${json?.error?.code ?? ''}`.trim());
      return json;
    },
  };
}

/** A donor's gift through the campaign page's form and the sandbox's payment page: answers the donation id. */
async function give(apiBase, sandbox, gift) {
  const donor = browser(apiBase);
  const res = await donor.submit(`/c/${gift.slug}`, `/c/${gift.slug}/donate`, {
    amount: 'other', customAmount: gift.amount, donorName: gift.name, donorEmail: gift.email,
    ...(gift.anonymous ? { anonymous: 'on' } : {}), ...(gift.message ? { publicMessage: gift.message } : {}),
  });
  const sessionId = res.status === 303 ? /cs_test_[A-Za-z0-9_]+/.exec(res.location ?? '')?.[0] : null;
  if (!sessionId) throw new SeedError(`gift to ${gift.slug}: HTTP ${res.status}`);
  const paid = await sandbox.control('POST', `/checkout/sessions/${sessionId}/pay`, { card: '4242424242424242', email: gift.email, name: gift.name });
  if (!paid.ok) throw new SeedError(`gift to ${gift.slug}: the sandbox declined it`);
  return paid.session.client_reference_id;
}

/** Waits until the webhooks have settled the donation (the worker processes them); answers it. */
const settled = (apiBase, token, orgId, donationId) => until(async () => {
  const res = await call(apiBase, 'GET', `/api/v1/orgs/${orgId}/donations/${donationId}`, { token });
  return res.status === 200 && res.body.status !== 'pending' && res.body;
}, `donation ${donationId} to settle (is the worker running?)`);

/**
 * The demo's history. DEMO ONLY, through the sandbox's clock: the ledger posts a gift, refund or
 * payout at the time Stripe's objects say it happened (charge.created, refund.created,
 * transfer.created), never at a time we make up. So the seed sets the sandbox's clock back
 * HISTORY_DAYS (POST /_sandbox/clock/rewind, test mode only, refused once the sandbox holds anything
 * newer), makes each gift, the refund and the payout as the clock moves forward through the
 * weeks, and finally moves the clock to now. Everything goes through the API, the webhooks and the
 * worker as it would in production: entries balance, are appended in the order they happened and
 * are chained into the public log as usual. Only the dates come from a clock that was set back.
 * When the sandbox cannot be set back (it already holds newer objects), the gifts are made today.
 */
async function makeHistory(ctx, campaigns, rewound, say) {
  const { apiBase, sandbox, token, orgId } = ctx;
  let day = 0;
  const moveTo = async (target) => {
    if (rewound && target > day) await sandbox.control('POST', '/clock/advance', { days: target - day });
    day = Math.max(day, target);
  };
  const bySlug = new Map(campaigns.map((c) => [c.slug, c]));
  let refundable = null;
  let paidOut = false;
  let refunded = null;
  const made = [];
  for (const gift of HISTORY) {
    if (!paidOut && gift.day > PAYOUT.day) {
      await moveTo(PAYOUT.day);
      paidOut = await payout(ctx, bySlug.get(DEMO.campaignSlug), say);
    }
    if (refundable && gift.day > REFUND_DAY) {
      await moveTo(REFUND_DAY);
      await settled(apiBase, token, orgId, refundable);
      expect(await call(apiBase, 'POST', `/api/v1/orgs/${orgId}/donations/${refundable}/refunds`, {
        token, headers: { 'idempotency-key': `demo-seed-refund-${refundable}` }, body: { reason: 'requested_by_customer' },
      }), [201], 'refund');
      refunded = refundable;
      refundable = null;
    }
    await moveTo(gift.day);
    const donationId = await give(apiBase, sandbox, gift);
    made.push(donationId);
    if (gift.refund) refundable = donationId;
  }
  await moveTo(HISTORY_DAYS);
  for (const donationId of made) await settled(apiBase, token, orgId, donationId);
  if (refunded) await until(async () => (await settled(apiBase, token, orgId, refunded)).status === 'refunded', 'the refund to succeed');
  say(`demo seed: made ${HISTORY.length} gifts${rewound ? ` over ${HISTORY_DAYS / 7} weeks` : ' (dated today: the sandbox could not be set back)'}, a refund and a payout`);
}

/** The payout: requested by the owner, approved by the operator unless under the threshold, made by the worker. */
async function payout(ctx, campaign, say) {
  const { apiBase, token, orgId, operatorToken } = ctx;
  // Its funds must be known settled before they count as available.
  await until(async () => {
    const funds = await call(apiBase, 'GET', `/api/v1/orgs/${orgId}/campaigns/${campaign.id}/funds`, { token });
    return funds.status === 200 && BigInt(funds.body.available) >= BigInt(PAYOUT.amount);
  }, 'the demo campaign\'s funds to be available');
  let made = expect(await call(apiBase, 'POST', `/api/v1/orgs/${orgId}/campaigns/${campaign.id}/payouts`, {
    token, body: { amount: PAYOUT.amount, currency: campaign.currency, purpose: PAYOUT.purpose },
  }), [201], 'payout request');
  if (made.status === 'pending_approval') {
    if (!operatorToken) {
      say('demo seed: the payout waits for an operator\'s approval (no OPERATOR_TOKEN)');
      return true;
    }
    made = expect(await call(apiBase, 'POST', `/operator/payouts/${made.id}/approve`, { token: operatorToken, body: {} }), [200, 201], 'payout approval');
  }
  await until(async () => {
    const p = await call(apiBase, 'GET', `/api/v1/orgs/${orgId}/payouts/${made.id}`, { token });
    if (p.status === 200 && p.body.status === 'failed') throw new SeedError(`payout failed: ${p.body.failureCode}`);
    return p.status === 200 && p.body.status === 'paid';
  }, 'the payout to be paid (is the worker running?)');
  return true;
}

/** Whether the demo campaigns already have gifts (the history is made once). */
async function hasHistory(apiBase, token, orgId) {
  const list = expect(await call(apiBase, 'GET', `/api/v1/orgs/${orgId}/donations?limit=1`, { token }), [200], 'list donations');
  return (list.items ?? []).length > 0;
}

/**
 * Seeds the demo. `mailbox`: answers the mail catcher's messages ({ id, to, text }), to verify the
 * demo address; `operatorToken`: approves the demo payout. Answers what `npm start` prints (null
 * when the seed stopped; it says why).
 */
export async function seedDemo({ apiBase, sandboxBase, publicBase = apiBase, say, mailbox, operatorToken }) {
  const sandbox = sandboxControl(sandboxBase);
  let rewound = false;
  try {
    const token = await ownerToken(apiBase, say);
    await verifyEmail(apiBase, mailbox, say);
    const orgId = await demoOrganization(apiBase, token, say);
    const history = sandbox ? !(await hasHistory(apiBase, token, orgId)) : false;
    if (history) {
      // Before onboarding: the connected account is then as old as the history.
      rewound = await sandbox.control('POST', '/clock/rewind', { to: Math.floor(Date.now() / 1000) - HISTORY_DAYS * 86_400 }).then(() => true, () => false);
    }
    await onboard(apiBase, sandbox, token, orgId, say);
    const campaign = await demoCampaign(apiBase, token, orgId, CAMPAIGN, say);
    const arabic = await demoCampaign(apiBase, token, orgId, ARABIC_CAMPAIGN, say);
    if (history) await makeHistory({ apiBase, sandbox, token, orgId, operatorToken }, [campaign, arabic], rewound, say);
    return {
      email: DEMO.email, password: DEMO.password, orgId, campaignId: campaign.id,
      campaignUrl: `${publicBase}/c/${campaign.slug}`, ledgerUrl: `${publicBase}/c/${campaign.slug}/ledger`,
      arabicCampaignUrl: `${publicBase}/c/${arabic.slug}`, dashboardUrl: `${publicBase}/dashboard/o/${orgId}`,
    };
  } catch (error) {
    // The platform still runs without its demo data; say why the seed stopped.
    say(`demo seed failed: ${error instanceof SeedError ? error.message : error?.message ?? error}`);
    return null;
  } finally {
    // Whatever happened, the sandbox's clock ends at now (a set-back clock would date new gifts in the past).
    if (rewound) {
      const state = await sandbox.control('GET', '/state').catch(() => null);
      if (state?.clock_offset < 0) await sandbox.control('POST', '/clock/advance', { seconds: -state.clock_offset }).catch(() => undefined);
    }
  }
}
