import { jest } from '@jest/globals';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { generateSync } from 'otplib';
import pg from 'pg';
import request from 'supertest';
import {
  addMemberWithDetails, baseUrlOf, createOrganizationWithOwner, createTestEnvironment, csrfOf, postDashboardForm, setAuthRateLimits, signInToDashboard,
  startTestApi, TestEnvironment, TestOrganization, type DashboardAgent,
} from '@ataa/testing';

jest.setTimeout(120_000);

const SECURITY = '/dashboard/account/security';
const CODE_PAGE = '/dashboard/sign-in/code';

/** The code an authenticator app shows `offsetSteps` periods from now (computed here with otplib, as the app would). */
const codeAt = (secret: string, offsetSteps = 0) => generateSync({ secret, epoch: Math.floor(Date.now() / 1000) + offsetSteps * 30 });
/** Six digits that are none of the codes around now. */
function wrongCode(secret: string): string {
  const near = new Set([-2, -1, 0, 1, 2].map((o) => codeAt(secret, o)));
  for (let n = 123456; ; n = (n + 7919) % 1_000_000) {
    const candidate = String(n).padStart(6, '0');
    if (!near.has(candidate)) return candidate;
  }
}

/**
 * Two-factor sign-in on the dashboard and the REST login, over HTTP against PostgreSQL and Redis:
 * enrolment (QR as inline SVG, the key in text, a code confirms, ten recovery codes shown once, the
 * secret stored sealed), the second step of a sign-in (not a session; wrong and replayed codes
 * refused; a recovery code works once), the REST login's `totp_required`, turning it off and new
 * recovery codes (password or code), the second-factor rate limit, CSRF, and
 * REQUIRE_TOTP_FOR_PAYOUT_OWNERS (owners of an organization with payouts enabled must enrol first).
 */
describe('dashboard two-factor sign-in (API, PostgreSQL, Redis)', () => {
  let env: TestEnvironment;
  let api: NestFastifyApplication;
  let strict: NestFastifyApplication;
  let db: pg.Client;
  let base: string;
  let strictBase: string;

  beforeAll(async () => {
    env = await createTestEnvironment();
    api = await startTestApi(env.config, { listen: true });
    base = await baseUrlOf(api);
    // A second API on the same database with the payout-owner rule on.
    strict = await startTestApi(env.configWith({ REQUIRE_TOTP_FOR_PAYOUT_OWNERS: 'true' }), { listen: true });
    strictBase = await baseUrlOf(strict);
    db = new pg.Client({ connectionString: env.database.url });
    await db.connect();
  }, 60_000);
  afterAll(async () => {
    await db?.end();
    await strict?.close();
    await api?.close();
    await env?.cleanup();
  }, 60_000);

  /** Turns two-factor sign-in on through the pages, as a person would; returns the key and the recovery codes. */
  async function enrol(agent: DashboardAgent): Promise<{ secret: string; codes: string[]; enrolCode: string }> {
    await postDashboardForm(agent, SECURITY, `${SECURITY}/enrol/start`, {}).then((r) => expect([r.status, r.headers.location]).toEqual([303, `${SECURITY}/enrol`]));
    const page = await agent.get(`${SECURITY}/enrol`).expect(200);
    const secret = /data-testid="secret">([A-Z2-7 ]+)</.exec(page.text)![1].replace(/ /g, '');
    const enrolCode = codeAt(secret);
    const done = await agent.post(`${SECURITY}/enrol`).type('form').send({ _csrf: csrfOf(page.text), code: enrolCode });
    expect(done.status).toBe(200);
    const codes = [...done.text.matchAll(/data-testid="recovery-code">([a-z0-9-]+)</g)].map((m) => m[1]);
    return { secret, codes, enrolCode };
  }

  /** The password step: answers 303 to the code page with the challenge cookie and no session. */
  async function passwordStep(target: string, email: string, password: string): Promise<DashboardAgent> {
    const agent = request.agent(target);
    const res = await postDashboardForm(agent, '/dashboard/sign-in', '/dashboard/sign-in', { email, password });
    expect([res.status, res.headers.location]).toEqual([303, CODE_PAGE]);
    const cookies = String(res.headers['set-cookie']);
    expect(cookies).toMatch(/ataa_2fa=ataa_2fa_[A-Za-z0-9_-]{43}; Path=\/dashboard\/sign-in\/code; Expires=[^;]+; HttpOnly; SameSite=Lax/);
    expect(cookies).not.toContain('ataa_session=');
    return agent;
  }
  const secondStep = (agent: DashboardAgent, code: string) => postDashboardForm(agent, CODE_PAGE, CODE_PAGE, { code });
  const restLogin = (email: string, password: string, totpCode?: string) =>
    request(base).post('/api/v1/auth/login').send({ email, password, ...(totpCode === undefined ? {} : { totpCode }) });

  it('enrolment: QR code (inline SVG) and key, a wrong code refused, a current code turns it on and shows ten recovery codes once; the secret is sealed', async () => {
    const org = await createOrganizationWithOwner(api);
    const agent = await signInToDashboard(base, org.ownerEmail, org.ownerPassword);
    const home = await agent.get(SECURITY).expect(200);
    expect(home.headers['cache-control']).toBe('no-store');
    expect(home.text).toContain(`href="${SECURITY}" data-testid="account-security"`); // in the account menu
    expect(home.text).toContain('data-testid="set-up"');
    // Every change is a POST with the CSRF token.
    const forged = await agent.post(`${SECURITY}/enrol/start`).type('form').send({});
    expect(forged.status).toBe(403);
    expect(forged.text).toContain('The form expired');
    expect((await db.query(`SELECT totp_pending_secret FROM users WHERE id = $1`, [org.ownerUserId])).rows[0].totp_pending_secret).toBeNull();

    await postDashboardForm(agent, SECURITY, `${SECURITY}/enrol/start`, {}).then((r) => expect(r.status).toBe(303));
    const page = await agent.get(`${SECURITY}/enrol`).expect(200);
    expect(page.text).toMatch(/<svg role="img" aria-label="QR code to add your account to an authenticator app"/);
    expect(page.text).not.toMatch(/<img|<script/);
    const secret = /data-testid="secret">([A-Z2-7 ]+)</.exec(page.text)![1].replace(/ /g, '');
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const pending = (await db.query(`SELECT totp_pending_secret, totp_secret, totp_enabled_at FROM users WHERE id = $1`, [org.ownerUserId])).rows[0];
    expect(pending.totp_pending_secret).toMatch(/^v1\./);
    expect(pending.totp_pending_secret).not.toContain(secret);
    expect(pending.totp_enabled_at).toBeNull();

    const wrong = await agent.post(`${SECURITY}/enrol`).type('form').send({ _csrf: csrfOf(page.text), code: wrongCode(secret) });
    expect(wrong.status).toBe(400);
    expect(wrong.text).toContain('data-testid="form-error"');
    expect(wrong.text).toContain('The code is not right');
    expect((await db.query(`SELECT totp_enabled_at FROM users WHERE id = $1`, [org.ownerUserId])).rows[0].totp_enabled_at).toBeNull();
    expect(Number((await db.query(`SELECT count(*) AS n FROM recovery_codes WHERE user_id = $1`, [org.ownerUserId])).rows[0].n)).toBe(0);

    const done = await agent.post(`${SECURITY}/enrol`).type('form').send({ _csrf: csrfOf(page.text), code: codeAt(secret) });
    expect(done.status).toBe(200);
    expect(done.headers['cache-control']).toBe('no-store');
    const codes = [...done.text.matchAll(/data-testid="recovery-code">([a-z0-9-]+)</g)].map((m) => m[1]);
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);

    const stored = (await db.query(`SELECT totp_secret, totp_pending_secret, totp_enabled_at, totp_last_step FROM users WHERE id = $1`, [org.ownerUserId])).rows[0];
    expect(stored.totp_secret).toMatch(/^v1\./);
    expect(stored.totp_secret).not.toContain(secret);
    expect(stored.totp_pending_secret).toBeNull();
    expect(stored.totp_enabled_at).not.toBeNull();
    expect(Number(stored.totp_last_step)).toBeGreaterThan(0);
    const hashes = (await db.query(`SELECT code_hash FROM recovery_codes WHERE user_id = $1`, [org.ownerUserId])).rows.map((r) => r.code_hash as string);
    expect(hashes).toHaveLength(10);
    for (const code of codes) expect(JSON.stringify(hashes)).not.toContain(code.replace(/-/g, ''));

    const after = await agent.get(SECURITY).expect(200);
    expect(after.text).toContain('Two-factor sign-in is on');
    expect(after.text).toContain('Unused recovery codes: 10 of 10.');
    expect(after.text).not.toContain('recovery-code"'); // shown once only
    // The set-up page is gone once it is on; starting again is refused.
    await agent.get(`${SECURITY}/enrol`).expect(303).expect('location', SECURITY);
    const again = await postDashboardForm(agent, SECURITY, `${SECURITY}/enrol/start`, {});
    expect(again.status).toBe(409);
    expect(again.text).toContain('Two-factor sign-in is already on.');
  });

  it('sign-in takes two steps: no session after the password; wrong and replayed codes refused; a current code, then a recovery code once', async () => {
    const org = await createOrganizationWithOwner(api);
    const first = await signInToDashboard(base, org.ownerEmail, org.ownerPassword);
    const { secret, codes, enrolCode } = await enrol(first);
    await postDashboardForm(first, SECURITY, '/dashboard/sign-out', {}).then((r) => expect(r.status).toBe(303));

    const sessionsBefore = Number((await db.query(`SELECT count(*) AS n FROM sessions WHERE user_id = $1`, [org.ownerUserId])).rows[0].n);
    const agent = await passwordStep(base, org.ownerEmail, org.ownerPassword);
    // Half signed in is not signed in: no session row, the dashboard still sends to sign-in.
    await agent.get('/dashboard').expect(303).expect('location', '/dashboard/sign-in');
    await agent.get(`/dashboard/o/${org.orgId}`).expect(303).expect('location', '/dashboard/sign-in');
    expect(Number((await db.query(`SELECT count(*) AS n FROM sessions WHERE user_id = $1`, [org.ownerUserId])).rows[0].n)).toBe(sessionsBefore);
    const [challenge] = (await db.query(`SELECT token_hash, extract(epoch FROM expires_at - created_at)::float AS ttl FROM sign_in_challenges WHERE user_id = $1`, [org.ownerUserId])).rows;
    expect(challenge.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(Math.abs(challenge.ttl - 300)).toBeLessThan(5); // minutes, not a session's month

    const page = await agent.get(CODE_PAGE).expect(200);
    expect(page.text).toContain('Enter your sign-in code');
    const wrong = await secondStep(agent, wrongCode(secret));
    expect(wrong.status).toBe(401);
    expect(wrong.text).toContain('The code is not right, or was already used.');
    expect(String(wrong.headers['set-cookie'] ?? '')).not.toContain('ataa_session=');
    // The code used to confirm the set-up cannot be used again (its time step is spent).
    expect((await secondStep(agent, enrolCode)).status).toBe(401);
    // Without CSRF: refused.
    expect((await agent.post(CODE_PAGE).type('form').send({ code: codeAt(secret, 1) })).status).toBe(403);

    const next = codeAt(secret, 1); // the app's next code (one step ahead is accepted for clock drift)
    const ok = await secondStep(agent, next);
    expect([ok.status, ok.headers.location]).toEqual([303, '/dashboard']);
    expect(String(ok.headers['set-cookie'])).toMatch(/ataa_session=ataa_ps_/);
    expect(String(ok.headers['set-cookie'])).toMatch(/ataa_2fa=; Path=\/dashboard\/sign-in\/code; Max-Age=0/);
    await agent.get(SECURITY).expect(200);
    // The challenge was used once.
    expect((await db.query(`SELECT used_at FROM sign_in_challenges WHERE user_id = $1`, [org.ownerUserId])).rows[0].used_at).not.toBeNull();

    // Replay: the same code in another sign-in (still inside its window) is refused.
    const replay = await passwordStep(base, org.ownerEmail, org.ownerPassword);
    expect((await secondStep(replay, next)).status).toBe(401);
    // A recovery code works (any case, with spaces) ...
    const recovered = await secondStep(replay, codes[0].toUpperCase().replace(/-/g, ' '));
    expect([recovered.status, recovered.headers.location]).toEqual([303, '/dashboard']);
    expect((await replay.get(SECURITY).expect(200)).text).toContain('Unused recovery codes: 9 of 10.');
    // ... once.
    const twice = await passwordStep(base, org.ownerEmail, org.ownerPassword);
    expect((await secondStep(twice, codes[0])).status).toBe(401);
    expect((await secondStep(twice, codes[1])).status).toBe(303);

    // No challenge cookie: the code page sends back to the password; a post is refused with why.
    const stranger = request.agent(base);
    await stranger.get(CODE_PAGE).expect(303).expect('location', '/dashboard/sign-in');
    const signInPage = await stranger.get('/dashboard/sign-in').expect(200);
    const orphan = await stranger.post(CODE_PAGE).type('form').send({ _csrf: csrfOf(signInPage.text), code: codeAt(secret, 1) });
    expect(orphan.status).toBe(401);
    expect(orphan.text).toContain('Enter your e-mail and password again.');
  });

  it('a challenge takes five wrong codes, then the password step must be done again', async () => {
    const org = await createOrganizationWithOwner(api);
    const { secret, codes } = await enrol(await signInToDashboard(base, org.ownerEmail, org.ownerPassword));
    const agent = await passwordStep(base, org.ownerEmail, org.ownerPassword);
    for (let i = 0; i < 5; i += 1) expect((await secondStep(agent, wrongCode(secret))).status).toBe(401);
    const spent = await secondStep(agent, codes[0]);
    expect(spent.status).toBe(401);
    expect(spent.text).toContain('Enter your e-mail and password again.');
    expect(Number((await db.query(`SELECT count(*) AS n FROM recovery_codes WHERE user_id = $1 AND used_at IS NOT NULL`, [org.ownerUserId])).rows[0].n)).toBe(0);
  });

  it('wrong second-factor codes are rate-limited per account (429), even for the right code, like failed logins', async () => {
    const org = await createOrganizationWithOwner(api);
    const { secret } = await enrol(await signInToDashboard(base, org.ownerEmail, org.ownerPassword));
    setAuthRateLimits(api, { secondFactorFailuresPerAccount: { limit: 2, windowSeconds: 600 } });
    try {
      const agent = await passwordStep(base, org.ownerEmail, org.ownerPassword);
      expect((await secondStep(agent, wrongCode(secret))).status).toBe(401);
      expect((await restLogin(org.ownerEmail, org.ownerPassword, wrongCode(secret))).status).toBe(401); // the API counts too
      const limited = await secondStep(agent, codeAt(secret, 1));
      expect(limited.status).toBe(429);
      expect(limited.headers['retry-after']).toMatch(/^\d+$/);
      expect(limited.text).toContain('Too many attempts.');
      expect((await restLogin(org.ownerEmail, org.ownerPassword, codeAt(secret, 1))).body.code).toBe('rate_limited');
    } finally {
      setAuthRateLimits(api, { secondFactorFailuresPerAccount: { limit: 10, windowSeconds: 900 } });
    }
  });

  it('REST login: 401 totp_required without a code, invalid_totp_code for a wrong one, tokens with a current or recovery code', async () => {
    const org = await createOrganizationWithOwner(api);
    const { secret, codes } = await enrol(await signInToDashboard(base, org.ownerEmail, org.ownerPassword));
    const missing = await restLogin(org.ownerEmail, org.ownerPassword);
    expect(missing.status).toBe(401);
    expect(missing.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(missing.body.code).toBe('totp_required');
    expect(missing.body).not.toHaveProperty('accessToken');
    // The password is checked first: a wrong one says nothing about two-factor sign-in.
    expect((await restLogin(org.ownerEmail, 'a wrong password!')).body.code).toBe('invalid_credentials');
    expect((await restLogin(org.ownerEmail, org.ownerPassword, wrongCode(secret))).body.code).toBe('invalid_totp_code');
    expect((await restLogin(org.ownerEmail, org.ownerPassword, 'x'.repeat(65))).status).toBe(400); // validated
    const ok = await restLogin(org.ownerEmail, org.ownerPassword, codeAt(secret, 1));
    expect(ok.status).toBe(200);
    expect(ok.body.accessToken).toMatch(/^ataa_at_/);
    expect((await restLogin(org.ownerEmail, org.ownerPassword, codeAt(secret, 1))).body.code).toBe('invalid_totp_code'); // replayed
    expect((await restLogin(org.ownerEmail, org.ownerPassword, codes[3])).status).toBe(200);
    expect((await restLogin(org.ownerEmail, org.ownerPassword, codes[3])).body.code).toBe('invalid_totp_code');
    // Accounts without two-factor sign-in log in as before.
    const plain = await createOrganizationWithOwner(api);
    expect((await restLogin(plain.ownerEmail, plain.ownerPassword)).status).toBe(200);
  });

  it('new recovery codes and turning it off need the password or a code; the old codes stop working', async () => {
    const org = await createOrganizationWithOwner(api);
    const agent = await signInToDashboard(base, org.ownerEmail, org.ownerPassword);
    const { codes } = await enrol(agent);

    const refused = await postDashboardForm(agent, SECURITY, `${SECURITY}/recovery-codes`, { password: 'not the password', code: '' });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('data-testid="regenerate-error"');
    expect(refused.text).toContain('The password or code is not right.');
    expect((await postDashboardForm(agent, SECURITY, `${SECURITY}/recovery-codes`, {})).status).toBe(400); // neither given

    const fresh = await postDashboardForm(agent, SECURITY, `${SECURITY}/recovery-codes`, { password: org.ownerPassword });
    expect(fresh.status).toBe(200);
    const newCodes = [...fresh.text.matchAll(/data-testid="recovery-code">([a-z0-9-]+)</g)].map((m) => m[1]);
    expect(newCodes).toHaveLength(10);
    expect(newCodes).not.toContain(codes[0]);
    expect((await restLogin(org.ownerEmail, org.ownerPassword, codes[0])).body.code).toBe('invalid_totp_code');

    const keep = await postDashboardForm(agent, SECURITY, `${SECURITY}/disable`, { password: 'not the password' });
    expect(keep.status).toBe(400);
    expect(keep.text).toContain('data-testid="disable-error"');
    expect((await db.query(`SELECT totp_enabled_at FROM users WHERE id = $1`, [org.ownerUserId])).rows[0].totp_enabled_at).not.toBeNull();
    expect((await agent.post(`${SECURITY}/disable`).type('form').send({ password: org.ownerPassword })).status).toBe(403); // no CSRF

    // A recovery code proves it too.
    const off = await postDashboardForm(agent, SECURITY, `${SECURITY}/disable`, { code: newCodes[0] });
    expect([off.status, off.headers.location]).toEqual([303, `${SECURITY}?done=disabled`]);
    expect((await agent.get(off.headers.location).expect(200)).text).toContain('Two-factor sign-in is off.');
    const row = (await db.query(`SELECT totp_secret, totp_enabled_at FROM users WHERE id = $1`, [org.ownerUserId])).rows[0];
    expect(row).toEqual({ totp_secret: null, totp_enabled_at: null });
    expect(Number((await db.query(`SELECT count(*) AS n FROM recovery_codes WHERE user_id = $1`, [org.ownerUserId])).rows[0].n)).toBe(0);
    await signInToDashboard(base, org.ownerEmail, org.ownerPassword); // the password alone again
    expect((await restLogin(org.ownerEmail, org.ownerPassword)).status).toBe(200);
  });

  it('REQUIRE_TOTP_FOR_PAYOUT_OWNERS: an owner of an organization with payouts enabled must enrol first; other members and organizations are not held', async () => {
    const paying = await createOrganizationWithOwner(api, { name: 'Paid Out' });
    await db.query(`UPDATE organizations SET stripe_account_id = 'acct_test_2fa', payouts_enabled = true, charges_enabled = true WHERE id = $1`, [paying.orgId]);
    const admin = await addMemberWithDetails(api, paying, 'admin');
    const quiet = await createOrganizationWithOwner(api, { name: 'No Payouts' });

    // The setting off (the default): nobody is held.
    const relaxed = await signInToDashboard(base, paying.ownerEmail, paying.ownerPassword);
    await relaxed.get(`/dashboard/o/${paying.orgId}`).expect(200);

    const owner = await signInToDashboard(strictBase, paying.ownerEmail, paying.ownerPassword);
    for (const path of [`/dashboard/o/${paying.orgId}`, `/dashboard/o/${paying.orgId}/campaigns`, `/dashboard/o/${paying.orgId}/campaigns/new`]) {
      await owner.get(path).expect(303).expect('location', `${SECURITY}?required=payouts`);
    }
    const explained = await owner.get(`${SECURITY}?required=payouts`).expect(200);
    expect(explained.text).toContain('data-testid="totp-required"');
    expect(explained.text).toContain('so its owners must turn on two-factor sign-in');
    // Posting is held too (nothing created).
    const form = await owner.get(SECURITY);
    const held = await owner.post(`/dashboard/o/${paying.orgId}/campaigns/new`).type('form').send({ _csrf: csrfOf(form.text), title: 'Held' });
    expect([held.status, held.headers.location]).toEqual([303, `${SECURITY}?required=payouts`]);
    expect(Number((await db.query(`SELECT count(*) AS n FROM campaigns WHERE organization_id = $1`, [paying.orgId])).rows[0].n)).toBe(0);

    // An admin is not an owner; an organization without payouts does not hold its owner.
    await (await signInToDashboard(strictBase, admin.email, admin.password)).get(`/dashboard/o/${paying.orgId}`).expect(200);
    await (await signInToDashboard(strictBase, quiet.ownerEmail, quiet.ownerPassword)).get(`/dashboard/o/${quiet.orgId}`).expect(200);

    // Once enrolled, the organization's pages open.
    await enrol(owner);
    await owner.get(`/dashboard/o/${paying.orgId}`).expect(200);
    expect((await owner.get(SECURITY).expect(200)).text).not.toContain('data-testid="totp-required"');
  });
});
