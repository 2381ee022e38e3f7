import { jest } from '@jest/globals';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import pg from 'pg';
import request from 'supertest';
import { createTestEnvironment, signUpUser, startTestApi, TestEnvironment, uniqueEmail, TEST_PASSWORD } from '@ataa/testing';

// Jest reads testTimeout only from the top-level config, not from a project: set it here.
jest.setTimeout(60_000);

describe('accounts: sign-up, login, refresh, logout, password change', () => {
  let env: TestEnvironment;
  let app: NestFastifyApplication;
  let db: pg.Client;
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    env = await createTestEnvironment();
    app = await startTestApi(env.config);
    db = new pg.Client({ connectionString: env.database.url });
    await db.connect();
  }, 60_000);
  afterAll(async () => {
    await db?.end();
    await app?.close();
    await env?.cleanup();
  }, 60_000);

  it('signs up, stores an argon2id hash (OWASP parameters), and the access token works', async () => {
    const email = uniqueEmail();
    const res = await http().post('/api/v1/auth/signup').set('x-forwarded-for', '203.0.113.1').send({ email: email.toUpperCase(), password: TEST_PASSWORD, displayName: 'أمينة' }).expect(201);
    expect(res.body).toMatchObject({ tokenType: 'Bearer', expiresIn: 900, user: { email, displayName: 'أمينة' } });
    expect(res.body.accessToken).toMatch(/^ataa_at_/);
    expect(res.body.refreshToken).toMatch(/^ataa_rt_/);
    const row = (await db.query('SELECT password_hash FROM users WHERE email = $1', [email])).rows[0];
    expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$/);
    const params = Object.fromEntries(row.password_hash.split('$')[3].split(',').map((kv: string) => kv.split('=')));
    expect(params).toEqual({ m: '19456', t: '2', p: '1' });
    expect(row.password_hash).not.toContain(TEST_PASSWORD);
    const me = await http().get('/api/v1/auth/me').set('authorization', `Bearer ${res.body.accessToken}`).expect(200);
    expect(me.body).toMatchObject({ email, displayName: 'أمينة' });
    // tokens are stored as hashes only
    const sessions = await db.query('SELECT access_token_hash FROM sessions');
    expect(JSON.stringify(sessions.rows)).not.toContain(res.body.accessToken);
    const refresh = await db.query('SELECT token_hash FROM refresh_tokens');
    expect(JSON.stringify(refresh.rows)).not.toContain(res.body.refreshToken);
  });

  it('refuses a taken e-mail with a generic error and creates nothing', async () => {
    const user = await signUpUser(app);
    const before = (await db.query('SELECT count(*)::int AS n FROM users')).rows[0].n;
    const res = await http().post('/api/v1/auth/signup').set('x-forwarded-for', '203.0.113.2').send({ email: user.email, password: 'another long password' }).expect(400);
    expect(res.body.code).toBe('signup_failed');
    expect(res.body.detail).not.toMatch(/exist|taken|registered/i);
    expect((await db.query('SELECT count(*)::int AS n FROM users')).rows[0].n).toBe(before);
  });

  it.each([
    ['a short password', { email: 'a@example.org', password: 'short' }],
    ['a bad e-mail', { email: 'not-an-email', password: TEST_PASSWORD }],
    ['an unknown field', { email: 'b@example.org', password: TEST_PASSWORD, role: 'owner' }],
    ['a wrong type', { email: 'c@example.org', password: 123456789012345 }],
  ])('rejects sign-up with %s', async (_label, body) => {
    const res = await http().post('/api/v1/auth/signup').set('x-forwarded-for', '203.0.113.3').send(body).expect(400);
    expect(res.body.code).toBe('validation_failed');
  });

  it('answers a wrong password and an unknown e-mail identically', async () => {
    const user = await signUpUser(app);
    const wrong = await http().post('/api/v1/auth/login').send({ email: user.email, password: 'wrong password!!' }).expect(401);
    const unknown = await http().post('/api/v1/auth/login').send({ email: uniqueEmail(), password: 'wrong password!!' }).expect(401);
    expect(wrong.body).toEqual(unknown.body);
    expect(wrong.body.code).toBe('invalid_credentials');
    const ok = await http().post('/api/v1/auth/login').send({ email: user.email.toUpperCase(), password: user.password }).expect(200);
    expect(ok.body.accessToken).toMatch(/^ataa_at_/);
  });

  it('rate-limits failed logins per address and e-mail (10 per minute, then 429)', async () => {
    const user = await signUpUser(app);
    const ip = '203.0.113.50';
    for (let i = 0; i < 10; i++) {
      await http().post('/api/v1/auth/login').set('x-forwarded-for', ip).send({ email: user.email, password: `wrong-${i}-password` }).expect(401);
    }
    const limited = await http().post('/api/v1/auth/login').set('x-forwarded-for', ip).send({ email: user.email, password: user.password }).expect(429);
    expect(limited.body.code).toBe('rate_limited');
    // another address is not affected
    await http().post('/api/v1/auth/login').set('x-forwarded-for', '203.0.113.51').send({ email: user.email, password: user.password }).expect(200);
  });

  it('rate-limits sign-ups per address', async () => {
    const ip = '203.0.113.60';
    let status = 0;
    let body: { code?: string } = {};
    for (let i = 0; i < 21 && status !== 429; i++) {
      const res = await http().post('/api/v1/auth/signup').set('x-forwarded-for', ip).send({ email: 'x', password: 'y' });
      status = res.status;
      body = res.body;
    }
    expect(status).toBe(429);
    expect(body.code).toBe('rate_limited');
  });

  describe('with the default configuration (no proxy trusted)', () => {
    let direct: NestFastifyApplication;
    beforeAll(async () => {
      // '' reads as unset: TRUST_PROXY takes its default, false.
      direct = await startTestApi(env.configWith({ TRUST_PROXY: '' }));
    }, 60_000);
    afterAll(async () => direct?.close());

    it('a faked X-Forwarded-For does not escape the login limit', async () => {
      const user = await signUpUser(app);
      for (let i = 0; i < 10; i++) {
        await request(direct.getHttpServer()).post('/api/v1/auth/login').set('x-forwarded-for', `198.18.0.${i}`).send({ email: user.email, password: `wrong-${i}-password` }).expect(401);
      }
      const limited = await request(direct.getHttpServer()).post('/api/v1/auth/login').set('x-forwarded-for', '198.18.0.99').send({ email: user.email, password: user.password }).expect(429);
      expect(limited.body.code).toBe('rate_limited');
    });

    it('a faked X-Forwarded-For does not escape the sign-up limit', async () => {
      const statuses: number[] = [];
      let body: { code?: string } = {};
      for (let i = 0; i < 21 && !statuses.includes(429); i++) {
        const res = await request(direct.getHttpServer()).post('/api/v1/auth/signup').set('x-forwarded-for', `198.18.1.${i}`).send({ email: 'x', password: 'y' });
        statuses.push(res.status);
        body = res.body;
      }
      expect(statuses).toContain(429);
      expect(body.code).toBe('rate_limited');
    });
  });

  describe('per account, from any address', () => {
    let strict: NestFastifyApplication;
    const login = (email: string, password: string, ip: string) =>
      request(strict.getHttpServer()).post('/api/v1/auth/login').set('x-forwarded-for', ip).send({ email, password });
    beforeAll(async () => {
      strict = await startTestApi(env.configWith({ LOGIN_FAILURES_PER_ACCOUNT: '3', LOGIN_FAILURE_WINDOW_SECONDS: '3' }));
    }, 60_000);
    afterAll(async () => strict?.close());

    it('locks an e-mail after failures from many addresses: even the right password gets 429 until the window passes', async () => {
      const user = await signUpUser(app);
      for (let i = 0; i < 3; i++) {
        // the normalized e-mail is counted, whatever its case
        const res = await login(i % 2 ? user.email.toUpperCase() : user.email, `wrong-${i}-password`, `192.0.2.${10 + i}`);
        expect(res.status).toBe(401);
      }
      const locked = await login(user.email, user.password, '192.0.2.20');
      expect(locked.status).toBe(429);
      expect(locked.body).toMatchObject({ code: 'rate_limited', retryAfterSeconds: expect.any(Number) });
      expect(locked.headers['retry-after']).toBe(String(locked.body.retryAfterSeconds));
      // an unknown e-mail gets the same lock: it tells nothing about which accounts exist
      const stranger = uniqueEmail();
      for (let i = 0; i < 3; i++) expect((await login(stranger, 'wrong password!!', `192.0.2.${30 + i}`)).status).toBe(401);
      expect((await login(stranger, 'wrong password!!', '192.0.2.40')).body.code).toBe('rate_limited');
      // Refused attempts do not extend the lock: polling with the right password gets in once the
      // window after the last failure has passed.
      let status = 429;
      for (let i = 0; i < 60 && status === 429; i++) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        status = (await login(user.email, user.password, `192.0.2.${50 + (i % 100)}`)).status;
      }
      expect(status).toBe(200);
    });

    it('counts concurrent guesses: no more than the limit are judged', async () => {
      const user = await signUpUser(app);
      const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => login(user.email, `wrong-${i}-password`, `192.0.2.${200 + i}`)));
      expect(answers.map((r) => r.status).sort()).toEqual([401, 401, 401, 429, 429, 429, 429, 429]);
    });

    it('right passwords do not use up the allowance', async () => {
      const user = await signUpUser(app);
      for (let i = 0; i < 5; i++) expect((await login(user.email, user.password, `192.0.2.${150 + i}`)).status).toBe(200);
      expect((await login(user.email, 'wrong password!!', '192.0.2.160')).status).toBe(401);
      expect((await login(user.email, user.password, '192.0.2.161')).status).toBe(200);
    });
  });

  it('rotates refresh tokens; a reused refresh token ends the session', async () => {
    const user = await signUpUser(app);
    const first = await http().post('/api/v1/auth/refresh').send({ refreshToken: user.refreshToken }).expect(200);
    expect(first.body.refreshToken).not.toBe(user.refreshToken);
    // the old access token was replaced
    await http().get('/api/v1/auth/me').set('authorization', `Bearer ${user.accessToken}`).expect(401);
    await http().get('/api/v1/auth/me').set('authorization', `Bearer ${first.body.accessToken}`).expect(200);
    const reuse = await http().post('/api/v1/auth/refresh').send({ refreshToken: user.refreshToken }).expect(401);
    expect(reuse.body.code).toBe('invalid_token');
    // the theft response: the whole session is gone, including the newest tokens
    await http().get('/api/v1/auth/me').set('authorization', `Bearer ${first.body.accessToken}`).expect(401);
    await http().post('/api/v1/auth/refresh').send({ refreshToken: first.body.refreshToken }).expect(401);
  });

  it('logs out: access and refresh tokens stop working', async () => {
    const user = await signUpUser(app);
    await http().post('/api/v1/auth/logout').set('authorization', `Bearer ${user.accessToken}`).expect(204);
    await http().get('/api/v1/auth/me').set('authorization', `Bearer ${user.accessToken}`).expect(401);
    await http().post('/api/v1/auth/refresh').send({ refreshToken: user.refreshToken }).expect(401);
  });

  it('expired access tokens are refused', async () => {
    const user = await signUpUser(app);
    await db.query(`UPDATE sessions SET access_expires_at = now() - interval '1 second' WHERE user_id = $1`, [user.userId]);
    const res = await http().get('/api/v1/auth/me').set('authorization', `Bearer ${user.accessToken}`).expect(401);
    expect(res.body.code).toBe('invalid_token');
    await http().post('/api/v1/auth/refresh').send({ refreshToken: user.refreshToken }).expect(200);
  });

  it('changes the password: other sessions end, the old password stops working', async () => {
    const user = await signUpUser(app);
    const other = await http().post('/api/v1/auth/login').send({ email: user.email, password: user.password }).expect(200);
    await http().post('/api/v1/auth/password').set('authorization', `Bearer ${user.accessToken}`).send({ currentPassword: 'not the password', newPassword: 'a brand new passphrase' }).expect(400);
    const changed = await http().post('/api/v1/auth/password').set('authorization', `Bearer ${user.accessToken}`).send({ currentPassword: user.password, newPassword: 'a brand new passphrase' }).expect(200);
    await http().get('/api/v1/auth/me').set('authorization', `Bearer ${other.body.accessToken}`).expect(401);
    await http().get('/api/v1/auth/me').set('authorization', `Bearer ${user.accessToken}`).expect(401);
    await http().get('/api/v1/auth/me').set('authorization', `Bearer ${changed.body.accessToken}`).expect(200);
    await http().post('/api/v1/auth/login').send({ email: user.email, password: user.password }).expect(401);
    await http().post('/api/v1/auth/login').send({ email: user.email, password: 'a brand new passphrase' }).expect(200);
  });

  it('needs a bearer token on user routes', async () => {
    const res = await http().post('/api/v1/orgs').send({ name: 'x' }).expect(401);
    expect(res.body.code).toBe('unauthorized');
    await http().get('/api/v1/auth/me').set('authorization', 'Bearer ataa_at_forged').expect(401);
  });
});
