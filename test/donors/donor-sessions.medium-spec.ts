import { jest } from '@jest/globals';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { DonorPageService, DONOR_SESSION_PURPOSE } from '@ataa/donors';
import { deriveLinkKey, signLink } from '@ataa/privacy';
import { createTestEnvironment, startTestApi, TestEnvironment } from '@ataa/testing';

jest.setTimeout(90_000);

/**
 * Sign-in links and sessions of the donor page against PostgreSQL: every request queues the same
 * e-mail; a link starts exactly one session even when used concurrently; a session ends at sign-out
 * and at its expiry; a cookie signed for another session's row opens nothing.
 */
describe('donor sign-in links and sessions (PostgreSQL)', () => {
  let env: TestEnvironment;
  let api: NestFastifyApplication;
  let db: DataSource;
  let donors: DonorPageService;

  beforeAll(async () => {
    env = await createTestEnvironment();
    api = await startTestApi(env.configWith({ DONOR_SESSION_TTL_SECONDS: '600' }));
    db = api.get(DataSource);
    donors = api.get(DonorPageService);
  });
  afterAll(async () => {
    await api?.close();
    await env?.cleanup();
  });

  const latestLink = async (email: string) => (await db.query(`SELECT id, nonce, expires_at FROM donor_sign_in_links WHERE email = $1 ORDER BY requested_at DESC LIMIT 1`, [email]))[0];

  it('records a link and queues its e-mail for every address, lower-cased, expiring after 15 minutes', async () => {
    await donors.requestLink({ email: ' Known@Example.org ', language: 'ar' });
    const [row] = await db.query(`SELECT l.email, l.language, extract(epoch FROM l.expires_at - l.requested_at)::int AS ttl, o.kind, o.status
      FROM donor_sign_in_links l JOIN outbox o ON o.aggregate_id = l.id::text WHERE l.email = 'known@example.org'`);
    expect(row).toEqual({ email: 'known@example.org', language: 'ar', ttl: 900, kind: 'donor_sign_in', status: 'pending' });
  });

  it('starts exactly one session when the same link is used five times at once', async () => {
    await donors.requestLink({ email: 'race@example.org', language: 'en' });
    const link = await latestLink('race@example.org');
    const token = donors.linkToken({ id: link.id, nonce: link.nonce, expiresAt: link.expires_at });
    const results = await Promise.all(Array.from({ length: 5 }, () => donors.signIn(token)));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok).map((r) => (r as { reason: string }).reason)).toEqual(['link_used', 'link_used', 'link_used', 'link_used']);
    const winner = results.find((r) => r.ok) as { cookie: string; session: { email: string; expiresAt: Date } };
    expect(winner.session.email).toBe('race@example.org');
    // the session lasts DONOR_SESSION_TTL_SECONDS (600 here)
    expect(Math.round((winner.session.expiresAt.getTime() - Date.now()) / 1000)).toBeGreaterThan(590);
    expect(await donors.session(winner.cookie)).toMatchObject({ email: 'race@example.org' });
  });

  it('ends a session at sign-out and at its expiry; a cookie re-signed for another row or nonce opens nothing', async () => {
    await donors.requestLink({ email: 'out@example.org', language: 'en' });
    const link = await latestLink('out@example.org');
    const signed = await donors.signIn(donors.linkToken({ id: link.id, nonce: link.nonce, expiresAt: link.expires_at }));
    if (!signed.ok) throw new Error(signed.reason);
    const session = (await donors.session(signed.cookie))!;
    const key = deriveLinkKey(env.config.AUTH_SECRET!);
    const expiresAt = Math.floor(session.expiresAt.getTime() / 1000);
    // a cookie with the right key but another nonce (an older session of the row, a guess) is refused
    expect(await donors.session(signLink(key, { purpose: DONOR_SESSION_PURPOSE, subject: link.id, expiresAt, nonce: 'f'.repeat(32) }))).toBeNull();
    // the link's own token is not a session
    expect(await donors.session(donors.linkToken({ id: link.id, nonce: link.nonce, expiresAt: link.expires_at }))).toBeNull();
    // expiry: the row's session is moved into the past (the cookie, signed with the old expiry, no longer matches either)
    await db.query(`UPDATE donor_sign_in_links SET session_expires_at = now() - interval '1 second' WHERE id = $1`, [link.id]);
    expect(await donors.session(signed.cookie)).toBeNull();
    await db.query(`UPDATE donor_sign_in_links SET session_expires_at = $2 WHERE id = $1`, [link.id, session.expiresAt]);
    expect(await donors.session(signed.cookie)).not.toBeNull();
    await donors.signOut(session);
    expect(await donors.session(signed.cookie)).toBeNull();
    const [row] = await db.query(`SELECT signed_out_at FROM donor_sign_in_links WHERE id = $1`, [link.id]);
    expect(row.signed_out_at).toBeInstanceOf(Date);
  });
});
