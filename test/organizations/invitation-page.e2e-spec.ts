import { jest } from '@jest/globals';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import pg from 'pg';
import request from 'supertest';
import { AuthService } from '@ataa/organizations';
import {
  createOrganizationWithOwner, createTestEnvironment, signUpUser, startTestApi, TEST_PASSWORD, TestEnvironment, TestOrganization, uniqueEmail,
} from '@ataa/testing';

jest.setTimeout(60_000);

/** The invitee's server-rendered accept page: /invitations/accept (outside /api/v1), CSRF-protected form. */
describe('invitation accept page', () => {
  let env: TestEnvironment;
  let app: NestFastifyApplication;
  let db: pg.Client;
  let org: TestOrganization;
  const http = () => request(app.getHttpServer());
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  beforeAll(async () => {
    env = await createTestEnvironment();
    // A small per-account lock so the test reaches it quickly.
    app = await startTestApi(env.configWith({ LOGIN_FAILURES_PER_ACCOUNT: '3' }));
    db = new pg.Client({ connectionString: env.database.url });
    await db.connect();
    org = await createOrganizationWithOwner(app, { name: 'جمعية الأمل — Amal' });
  }, 60_000);
  afterAll(async () => {
    await db?.end();
    await app?.close();
    await env?.cleanup();
  }, 60_000);

  async function invite(email: string, role: string, language?: 'en' | 'ar'): Promise<{ id: string; token: string }> {
    const res = await http().post(`/api/v1/orgs/${org.orgId}/invitations`).set(bearer(org.ownerToken)).send({ email, role, ...(language ? { language } : {}) }).expect(201);
    return { id: res.body.id, token: res.body.token };
  }

  /** Opens the page like a browser (cookies kept) and returns the form's CSRF token. */
  async function openPage(token: string, query = '') {
    const agent = request.agent(app.getHttpServer());
    const page = await agent.get(`/invitations/accept?token=${encodeURIComponent(token)}${query}`);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1];
    return { agent, page, csrf };
  }

  async function submit(token: string, fields: Record<string, string>) {
    const { agent, page, csrf } = await openPage(token);
    expect(page.status).toBe(200);
    expect(csrf).toBeTruthy();
    const mode = /name="mode" value="(signin|signup)"/.exec(page.text)![1];
    return agent.post('/invitations/accept').type('form').send({ _csrf: csrf!, token, mode, ...fields });
  }

  const invitationRow = async (id: string) => (await db.query(`SELECT accepted_at, accepted_by, revoked_at FROM invitations WHERE id = $1`, [id])).rows[0];
  const usersWith = async (email: string) => (await db.query(`SELECT id, display_name FROM users WHERE email = $1`, [email])).rows as { id: string; display_name: string | null }[];
  const liveSessions = async (userId: string) => (await db.query(`SELECT count(*)::int AS n FROM sessions WHERE user_id = $1 AND revoked_at IS NULL`, [userId])).rows[0].n as number;

  it('shows the invitation (organization, role, invited address, expiry) with a sign-in form for an existing account', async () => {
    const user = await signUpUser(app);
    const { token } = await invite(user.email, 'admin');
    const { page, csrf } = await openPage(token);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.text).toContain('<html lang="en" dir="ltr">');
    // The organization's name is isolated (bdi) wherever it is shown, and with FSI/PDI in the title.
    expect(page.text).toContain('<h1 id="invitation-title">Join <bdi>جمعية الأمل — Amal</bdi></h1>');
    expect(page.text).toContain('<title>Join \u2068جمعية الأمل — Amal\u2069</title>');
    expect(page.text).toContain('<dd data-testid="organization"><bdi>جمعية الأمل — Amal</bdi></dd>');
    expect(page.text).toMatch(/data-testid="role">Admin — manages campaigns</);
    expect(page.text).toContain(`value="${user.email}"`);
    expect(page.text).toContain('name="password"');
    expect(page.text).not.toContain('name="displayName"');
    expect(page.text).toContain('Sign in and accept');
    expect(page.text).not.toMatch(/<script(?![^>]*\ssrc=)/); // no inline scripts
    expect(csrf).toBeTruthy();
    // The CSRF secret's cookie is scoped to the page.
    expect(String(page.headers['set-cookie'])).toMatch(/ataa_csrf=[^;]+;.*Path=\/invitations/);
  });

  it('an existing user signs in on the page and accepts: confirmation, membership, no session left behind', async () => {
    const user = await signUpUser(app);
    const { id, token } = await invite(user.email, 'finance');
    const sessionsBefore = await liveSessions(user.userId);
    const res = await submit(token, { email: user.email.toUpperCase(), password: TEST_PASSWORD });
    expect(res.status).toBe(200);
    expect(res.text).toContain('You are now <bdi>a finance member</bdi> of <bdi>جمعية الأمل — Amal</bdi>.');
    expect(res.text).toContain('handle refunds and payouts');
    expect(res.text).toContain('href="/docs"');
    expect((await invitationRow(id)).accepted_by).toBe(user.userId);
    const orgs = await http().get('/api/v1/orgs').set(bearer(user.accessToken)).expect(200);
    expect(orgs.body).toEqual([expect.objectContaining({ id: org.orgId, role: 'finance' })]);
    // The page signed in only to accept: the session it opened is ended.
    expect(await liveSessions(user.userId)).toBe(sessionsBefore);

    // The link works once.
    const again = await http().get(`/invitations/accept?token=${token}`);
    expect(again.status).toBe(409);
    expect(again.text).toContain('was already accepted');
    expect(again.text).not.toContain('name="password"');
  });

  it('a new user signs up on the page (name and password) and accepts', async () => {
    const email = uniqueEmail('newcomer');
    const { id, token } = await invite(email, 'viewer');
    const { page } = await openPage(token);
    expect(page.text).toContain('Create your account to accept');
    expect(page.text).toContain('name="displayName"');
    expect(page.text).toContain('autocomplete="new-password"');

    const short = await submit(token, { email, displayName: 'Huda', password: 'short' });
    expect(short.status).toBe(400);
    expect(short.text).toContain('at least 12 characters');
    expect(await usersWith(email)).toEqual([]);

    const res = await submit(token, { email, displayName: 'هدى Huda', password: TEST_PASSWORD });
    expect(res.status).toBe(200);
    expect(res.text).toContain('You are now <bdi>a viewer</bdi> of <bdi>جمعية الأمل — Amal</bdi>.');
    const [user] = await usersWith(email);
    expect(user.display_name).toBe('هدى Huda');
    expect((await invitationRow(id)).accepted_by).toBe(user.id);
    expect(await liveSessions(user.id)).toBe(0);
    const login = await http().post('/api/v1/auth/login').send({ email, password: TEST_PASSWORD }).expect(200);
    const orgs = await http().get('/api/v1/orgs').set(bearer(login.body.accessToken)).expect(200);
    expect(orgs.body).toEqual([expect.objectContaining({ id: org.orgId, role: 'viewer' })]);
  });

  it('a wrong password shows the form again with an error (401); nothing is accepted or created', async () => {
    const user = await signUpUser(app);
    const { id, token } = await invite(user.email, 'admin');
    const res = await submit(token, { email: user.email, password: 'not the right password' });
    expect(res.status).toBe(401);
    expect(res.text).toContain('The e-mail or password is incorrect.');
    expect(res.text).toContain('role="alert"');
    expect(res.text).toContain('name="password"');
    expect(res.text).not.toContain('not the right password');
    expect((await invitationRow(id)).accepted_at).toBeNull();

    // Signing in with an address that has no account creates none.
    const stranger = uniqueEmail('stranger');
    const other = await submit(token, { email: stranger, password: TEST_PASSWORD });
    expect(other.status).toBe(401);
    expect(await usersWith(stranger)).toEqual([]);
    expect((await invitationRow(id)).accepted_at).toBeNull();
  });

  it('repeated failures lock the account (429 with Retry-After, a friendly message), even for the right password', async () => {
    const user = await signUpUser(app);
    const { id, token } = await invite(user.email, 'viewer');
    for (let i = 0; i < 3; i++) expect((await submit(token, { email: user.email, password: `wrong password ${i}` })).status).toBe(401);
    const locked = await submit(token, { email: user.email, password: TEST_PASSWORD });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    expect(locked.text).toContain('Too many attempts. Please wait a few minutes, then try again.');
    expect((await invitationRow(id)).accepted_at).toBeNull();
  });

  it('someone signed in with another account cannot accept (403, the service refuses); sign-up is only for the invited address', async () => {
    const invitee = uniqueEmail('invitee');
    const { id, token } = await invite(invitee, 'admin');
    const other = await signUpUser(app);
    // Signed in as someone else (the right password of another account): MembersService.accept refuses.
    const { agent, csrf } = await openPage(token);
    // Ending the page's session is slowed down: the answer must still come only after it (it once
    // came first on a refusal, and this count saw 2 sessions when the logout lost the race).
    const auth = app.get(AuthService);
    const logout = auth.logout.bind(auth);
    let logouts = 0;
    const slowLogout = jest.spyOn(auth, 'logout').mockImplementation(async (sessionId) => {
      logouts++;
      await new Promise((resolve) => setTimeout(resolve, 250));
      return logout(sessionId);
    });
    let asOther: request.Response;
    try {
      asOther = await agent.post('/invitations/accept').type('form').send({ _csrf: csrf!, token, mode: 'signin', email: other.email, password: TEST_PASSWORD });
    } finally {
      slowLogout.mockRestore();
    }
    expect(logouts).toBe(1);
    expect(asOther.status).toBe(403);
    expect(asOther.text).toContain('This invitation was sent to another e-mail address.');
    expect((await invitationRow(id)).accepted_at).toBeNull();
    expect(await liveSessions(other.userId)).toBe(1);

    const signUpElsewhere = uniqueEmail('elsewhere');
    const { agent: agent2, csrf: csrf2 } = await openPage(token);
    const res = await agent2.post('/invitations/accept').type('form').send({ _csrf: csrf2!, token, mode: 'signup', email: signUpElsewhere, displayName: 'X', password: TEST_PASSWORD });
    expect(res.status).toBe(403);
    expect(await usersWith(signUpElsewhere)).toEqual([]);
  });

  it('a missing or wrong CSRF token gets 403 and changes nothing', async () => {
    const user = await signUpUser(app);
    const { id, token } = await invite(user.email, 'admin');
    const bare = await http().post('/invitations/accept').type('form').send({ token, mode: 'signin', email: user.email, password: TEST_PASSWORD });
    expect(bare.status).toBe(403);
    expect(bare.text).toContain('The form expired. Please try again.');
    const { agent } = await openPage(token);
    const forged = await agent.post('/invitations/accept').type('form').send({ _csrf: 'forged', token, mode: 'signin', email: user.email, password: TEST_PASSWORD });
    expect(forged.status).toBe(403);
    expect((await invitationRow(id)).accepted_at).toBeNull();
    expect(await liveSessions(user.userId)).toBe(1);
  });

  it('unknown, expired, revoked and used tokens get a clear page with 404, 410, 410 and 409, and nothing else', async () => {
    for (const bad of ['', '?token=', '?token=ataa_inv_nope', `?token=${'x'.repeat(2000)}`]) {
      const res = await http().get(`/invitations/accept${bad}`);
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.text).toContain('This invitation link is not valid.');
      expect(res.text).not.toContain('Amal');
      expect(res.text).not.toContain('name="_csrf"');
    }
    const posted = await http().post('/invitations/accept').type('form').send({ token: 'ataa_inv_nope', mode: 'signin', email: 'a@example.org', password: 'x' });
    expect(posted.status).toBe(404);

    const expired = await invite(uniqueEmail('late'), 'viewer');
    await db.query(`UPDATE invitations SET expires_at = now() - interval '1 minute' WHERE id = $1`, [expired.id]);
    const late = await http().get(`/invitations/accept?token=${expired.token}`);
    expect(late.status).toBe(410);
    expect(late.text).toContain('has expired');

    const revoked = await invite(uniqueEmail('revoked'), 'viewer');
    await http().delete(`/api/v1/orgs/${org.orgId}/invitations/${revoked.id}`).set(bearer(org.ownerToken)).expect(204);
    const withdrawn = await http().get(`/invitations/accept?token=${revoked.token}`);
    expect(withdrawn.status).toBe(410);
    expect(withdrawn.text).toContain('was withdrawn');

    // Revoked between opening the page and submitting the form: the POST shows the same page.
    const racing = await invite(uniqueEmail('racing'), 'viewer');
    const { agent, csrf } = await openPage(racing.token);
    await http().delete(`/api/v1/orgs/${org.orgId}/invitations/${racing.id}`).set(bearer(org.ownerToken)).expect(204);
    const late2 = await agent.post('/invitations/accept').type('form').send({ _csrf: csrf!, token: racing.token, mode: 'signup', email: 'x@example.org', displayName: 'X', password: TEST_PASSWORD });
    expect(late2.status).toBe(410);
    expect(await usersWith('x@example.org')).toEqual([]);
  });

  it("speaks the invitation's language (Arabic, right to left) over the browser's, unless the visitor switches (?lang=); else English", async () => {
    const arabic = await invite(uniqueEmail('ar'), 'admin', 'ar');
    const ar = await http().get(`/invitations/accept?token=${arabic.token}`).set('accept-language', 'en-US,en;q=0.9').expect(200);
    expect(ar.text).toContain('<html lang="ar" dir="rtl">');
    // the visitor's own choice (the language switch on every public page) wins
    const switched = await http().get(`/invitations/accept?token=${arabic.token}&lang=en`).expect(200);
    expect(switched.text).toContain('<html lang="en" dir="ltr">');
    expect(ar.text).toContain('انضم إلى <bdi>جمعية الأمل — Amal</bdi>');
    expect(ar.text).toContain('مشرف');

    const plain = await invite(uniqueEmail('plain'), 'viewer');
    const asked = await http().get(`/invitations/accept?token=${plain.token}&lang=ar`).expect(200);
    expect(asked.text).toContain('<html lang="ar" dir="rtl">');
    const byDefault = await http().get(`/invitations/accept?token=${plain.token}&lang=fr`).expect(200);
    expect(byDefault.text).toContain('<html lang="en" dir="ltr">');
  });

  it('the JSON API stays at /api/v1/invitations/accept; other /invitations paths are not pages', async () => {
    const user = await signUpUser(app);
    const { token } = await invite(user.email, 'viewer');
    const unauthenticated = await http().post('/api/v1/invitations/accept').send({ token }).expect(401);
    expect(unauthenticated.headers['content-type']).toMatch(/^application\/problem\+json/);
    const accepted = await http().post('/api/v1/invitations/accept').set(bearer(user.accessToken)).send({ token }).expect(200);
    expect(accepted.body).toMatchObject({ organizationId: org.orgId, role: 'viewer' });
    await http().get('/invitations/other').expect(404);
    await http().get('/api/v1/invitations/accept').expect(404);
  });
});
