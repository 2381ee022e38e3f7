import { jest } from '@jest/globals';
import { INestApplicationContext } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import pg from 'pg';
import request from 'supertest';
import {
  baseUrlOf, createOrganizationWithOwner, createTestEnvironment, setAuthRateLimits, SmtpSink, startSmtpSink, startTestApi, startTestWorker,
  TestEnvironment, uniqueEmail,
} from '@ataa/testing';

jest.setTimeout(120_000);

const PUBLIC_BASE_URL = 'http://dashboard.test';
const PASSWORD = 'correct horse battery';

/**
 * The dashboard's account flows over HTTP, with the worker mailing the links over real SMTP: sign up
 * -> verification mail -> verify -> sign in -> create organization -> home; password reset (old
 * password refused, link single-use and expiring); CSRF; rate limits; another organization's home.
 */
describe('dashboard accounts (API, worker, SMTP, PostgreSQL, Redis)', () => {
  let env: TestEnvironment;
  let sink: SmtpSink;
  let api: NestFastifyApplication;
  let worker: INestApplicationContext;
  let db: pg.Client;
  let base: string;

  beforeAll(async () => {
    env = await createTestEnvironment();
    sink = await startSmtpSink();
    api = await startTestApi(env.configWith({ PUBLIC_BASE_URL }), { listen: true });
    base = await baseUrlOf(api);
    worker = await startTestWorker(env.configWith({ SMTP_URL: sink.url, MAIL_FROM: 'Ataa <team@ataa.test>', PUBLIC_BASE_URL }));
    db = new pg.Client({ connectionString: env.database.url });
    await db.connect();
  }, 60_000);
  afterAll(async () => {
    await db?.end();
    await worker?.close();
    await api?.close();
    await sink?.close();
    await env?.cleanup();
  }, 60_000);

  const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1];
  /** A browser-like visitor: cookies kept, each form opened before it is posted. */
  async function post(agent: ReturnType<typeof request.agent>, formPath: string, action: string, fields: Record<string, string>) {
    const page = await agent.get(formPath);
    return agent.post(action).type('form').send({ _csrf: csrfOf(page.text), ...fields });
  }
  async function linkIn(email: string, path: string, count = 1): Promise<string> {
    const deadline = Date.now() + 45_000;
    for (;;) {
      const mails = sink.messages.filter((m) => m.envelope.to.includes(email) && (m.parsed.text ?? '').includes(path));
      if (mails.length >= count) {
        const link = new RegExp(`(http://dashboard\\.test${path}\\?token=\\S+)`).exec(mails[count - 1].parsed.text ?? '')![1];
        return link.replace(PUBLIC_BASE_URL, '');
      }
      if (Date.now() > deadline) throw new Error(`no mail with ${path} to ${email}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  /** Opens an e-mailed link's page, then presses its button (the token travels in the POST). */
  async function useLink(agent: ReturnType<typeof request.agent>, link: string, fields: Record<string, string> = {}) {
    const page = await agent.get(link);
    const action = new URL(link, base).pathname;
    const token = new URL(link, base).searchParams.get('token')!;
    const answer = await agent.post(action).type('form').send({ _csrf: page.status === 200 ? csrfOf(page.text) : '', token, ...fields });
    return { page, answer };
  }

  it('sign up -> verification mail -> verify -> sign in -> create organization -> home', async () => {
    const email = uniqueEmail('signup');
    const browser = request.agent(base);
    const signUp = await post(browser, '/dashboard/sign-up', '/dashboard/sign-up', { displayName: 'Amina', email, password: PASSWORD });
    expect(signUp.status).toBe(303);
    const cookie = String(signUp.headers['set-cookie']);
    expect(cookie).toMatch(/ataa_session=ataa_ps_[^;]+; Path=\/dashboard; Expires=[^;]+; HttpOnly; SameSite=Lax/);
    // no organization yet, and the address is not confirmed: creating one is refused
    await browser.get('/dashboard').expect(303).expect('location', '/dashboard/organizations/new');
    const early = await post(browser, '/dashboard/organizations/new', '/dashboard/organizations/new', { name: 'Too early' });
    expect(early.status).toBe(403);
    expect(early.text).toContain('Confirm your e-mail address first.');
    // the banner names the address the link went to (isolated: an address is left-to-right inside Arabic text)
    expect(early.text).toContain(`<p data-testid="verify-banner">Confirm your e-mail address: we sent a link to <bdi>${email}</bdi>.</p>`);

    const link = await linkIn(email, '/dashboard/verify-email');
    const [tokenRow] = (await db.query(`SELECT token_hash FROM account_tokens WHERE email = $1`, [email])).rows;
    expect(JSON.stringify(tokenRow)).not.toContain(new URL(link, base).searchParams.get('token'));
    const outbox = (await db.query(`SELECT kind, payload FROM outbox WHERE kind = 'email_verification'`)).rows;
    expect(JSON.stringify(outbox)).not.toContain('ataa_ev_');

    // The link is opened in another browser (no session): the page POSTs the token.
    const other = request.agent(base);
    const { page, answer } = await useLink(other, link);
    expect(page.status).toBe(200);
    expect(page.text).toContain(email);
    expect(answer.status).toBe(200);
    expect(answer.text).toContain('data-testid="verified"');
    expect((await useLink(other, link)).page.status).toBe(410); // once

    await post(browser, '/dashboard/organizations/new', '/dashboard/sign-out', {}).then((r) => expect(r.status).toBe(303));
    await browser.get('/dashboard').expect(303).expect('location', '/dashboard/sign-in');
    const signIn = await post(browser, '/dashboard/sign-in', '/dashboard/sign-in', { email, password: PASSWORD });
    expect(signIn.status).toBe(303);
    // a country not on the list is refused, the name kept
    const badCountry = await post(browser, '/dashboard/organizations/new', '/dashboard/organizations/new', { name: 'جمعية النور', country: 'XX' });
    expect(badCountry.status).toBe(400);
    expect(badCountry.text).toContain('Choose a country from the list.');
    expect(badCountry.text).toContain('value="جمعية النور"');
    const created = await post(browser, '/dashboard/organizations/new', '/dashboard/organizations/new', { name: 'جمعية النور', country: 'JO' });
    expect(created.status).toBe(303);
    expect((await db.query(`SELECT country FROM organizations WHERE id = $1`, [created.headers.location.split('/').pop()])).rows).toEqual([{ country: 'JO' }]);
    const home = await browser.get(created.headers.location).expect(200);
    expect(home.headers['content-type']).toMatch(/text\/html/);
    expect(home.text).toContain('<bdi>جمعية النور</bdi>');
    expect(home.text).toContain('data-testid="chart"');
    expect(home.text).toContain('data-testid="no-gifts"');
    // the language switch: a form, remembered
    const switched = await post(browser, created.headers.location, '/dashboard/language', { language: 'ar', next: created.headers.location });
    expect(switched.status).toBe(303);
    const arabic = await browser.get(created.headers.location).expect(200);
    expect(arabic.text).toMatch(/<html lang="ar" dir="rtl">/);
  });

  it('password reset: mailed link sets a new password once; the old password and every session stop working', async () => {
    const email = uniqueEmail('reset');
    const owner = request.agent(base);
    expect((await post(owner, '/dashboard/sign-up', '/dashboard/sign-up', { displayName: 'Omar', email, password: PASSWORD })).status).toBe(303);
    await owner.get('/dashboard/organizations/new').expect(200);

    const asker = request.agent(base);
    const asked = await post(asker, '/dashboard/reset-password', '/dashboard/reset-password/request', { email });
    expect(asked.text).toContain('data-testid="reset-sent"');
    // an unknown address gets the same answer and no mail
    const unknown = await post(asker, '/dashboard/reset-password', '/dashboard/reset-password/request', { email: uniqueEmail('nobody') });
    expect(unknown.text).toContain('data-testid="reset-sent"');

    const link = await linkIn(email, '/dashboard/reset-password');
    const tooShort = await useLink(asker, link, { password: 'short' });
    expect(tooShort.answer.status).toBe(400);
    const { answer } = await useLink(asker, link, { password: 'a brand new passphrase' });
    expect(answer.status).toBe(200);
    expect(answer.text).toContain('data-testid="reset-done"');
    expect((await useLink(asker, link, { password: 'yet another passphrase' })).answer.status).toBe(410);

    // the session opened at sign-up is over; the old password is refused, the new one works
    await owner.get('/dashboard').expect(303).expect('location', '/dashboard/sign-in');
    const old = await post(request.agent(base), '/dashboard/sign-in', '/dashboard/sign-in', { email, password: PASSWORD });
    expect(old.status).toBe(401);
    expect(old.text).toContain('The e-mail or password is incorrect.');
    expect((await post(request.agent(base), '/dashboard/sign-in', '/dashboard/sign-in', { email, password: 'a brand new passphrase' })).status).toBe(303);
    // the API enforces the same account: its login takes the new password
    await request(base).post('/api/v1/auth/login').send({ email, password: 'a brand new passphrase' }).expect(200);

    // an expired link does not work
    await post(asker, '/dashboard/reset-password', '/dashboard/reset-password/request', { email });
    const second = await linkIn(email, '/dashboard/reset-password', 2);
    await db.query(`UPDATE account_tokens SET expires_at = created_at + interval '1 millisecond' WHERE purpose = 'password_reset' AND email = $1 AND used_at IS NULL`, [email]);
    const expired = await useLink(asker, second, { password: 'expired link passphrase' });
    expect(expired.page.status).toBe(410);
    expect(expired.answer.status).toBe(410);
  });

  it('refuses a form without its CSRF token, changing nothing', async () => {
    const email = uniqueEmail('csrf');
    const visitor = request.agent(base);
    await visitor.get('/dashboard/sign-up').expect(200);
    const refused = await visitor.post('/dashboard/sign-up').type('form').send({ displayName: 'X', email, password: PASSWORD });
    expect(refused.status).toBe(403);
    expect(refused.text).toContain('The form expired.');
    expect((await db.query(`SELECT 1 FROM users WHERE email = $1`, [email])).rows).toEqual([]);
  });

  it('limits failed sign-ins per address and e-mail like the API (429 page with Retry-After)', async () => {
    setAuthRateLimits(api, { loginFailuresPerIpAndEmail: { limit: 2, windowSeconds: 60 } });
    const email = uniqueEmail('limited');
    const visitor = request.agent(base);
    for (let i = 0; i < 2; i++) expect((await post(visitor, '/dashboard/sign-in', '/dashboard/sign-in', { email, password: 'wrong password!' })).status).toBe(401);
    const limited = await post(visitor, '/dashboard/sign-in', '/dashboard/sign-in', { email, password: 'wrong password!' });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.text).toContain('Too many attempts.');
    setAuthRateLimits(api, { loginFailuresPerIpAndEmail: { limit: 10, windowSeconds: 60 } });
  });

  it('limits password-reset requests per e-mail address', async () => {
    setAuthRateLimits(api, { passwordResetsPerEmail: { limit: 1, windowSeconds: 600 } });
    const email = uniqueEmail('reset-limit');
    const visitor = request.agent(base);
    expect((await post(visitor, '/dashboard/reset-password', '/dashboard/reset-password/request', { email })).status).toBe(200);
    expect((await post(visitor, '/dashboard/reset-password', '/dashboard/reset-password/request', { email })).status).toBe(429);
    setAuthRateLimits(api, { passwordResetsPerEmail: { limit: 3, windowSeconds: 3600 } });
  });

  it("another organization's home is a 404 page in the dashboard's style; unknown dashboard paths too", async () => {
    const other = await createOrganizationWithOwner(api, { name: 'Someone else' });
    const email = uniqueEmail('stranger');
    const visitor = request.agent(base);
    expect((await post(visitor, '/dashboard/sign-up', '/dashboard/sign-up', { displayName: 'Stranger', email, password: PASSWORD })).status).toBe(303);
    for (const path of [`/dashboard/o/${other.orgId}`, `/dashboard/o/${other.orgId}/donations`, '/dashboard/o/not-a-uuid', '/dashboard/no-such-page']) {
      const page = await visitor.get(path).expect(404);
      expect(page.headers['content-type']).toMatch(/text\/html/);
      expect(page.text).toContain('data-testid="error-404"');
      expect(page.text).not.toContain('Someone else');
    }
  });
});
