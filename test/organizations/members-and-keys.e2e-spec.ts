import { jest } from '@jest/globals';
import { getQueueToken } from '@nestjs/bullmq';
import { INestApplicationContext } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Queue } from 'bullmq';
import pg from 'pg';
import request from 'supertest';
import { OutboxRelay, ReceiptDeliveryService } from '@ataa/notifications';
import { QUEUES } from '@ataa/queue';
import {
  addMemberWithDetails, createApiKey, createOrganizationWithOwner, createTestEnvironment, ReceivedMail, signUpUser, SmtpSink, startSmtpSink, startTestApi,
  startTestWorker, TestEnvironment, TestOrganization, uniqueEmail,
} from '@ataa/testing';

const PUBLIC_BASE_URL = 'https://give.ataa.test';

// Jest reads testTimeout only from the top-level config, not from a project: set it here.
jest.setTimeout(60_000);

describe('organizations, memberships, invitations, API keys and the audit log', () => {
  let env: TestEnvironment;
  let app: NestFastifyApplication;
  let db: pg.Client;
  let org: TestOrganization;
  let sink: SmtpSink;
  let worker: INestApplicationContext;
  const http = () => request(app.getHttpServer());
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const mailsTo = (email: string) => sink.messages.filter((m) => m.envelope.to.includes(email));
  const until = async <T>(what: string, probe: () => Promise<T | undefined | null | false>): Promise<T> => {
    for (let i = 0; i < 300; i++) {
      const value = await probe();
      if (value) return value;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`timed out waiting for ${what}`);
  };
  const outboxOf = async (invitationId: string) =>
    (await db.query(`SELECT id, status FROM outbox WHERE kind = 'invitation' AND aggregate_id = $1`, [invitationId])).rows as { id: string; status: string }[];
  const linkIn = (mail: ReceivedMail) => {
    const found = /https?:\/\/\S+\/invitations\/accept\?token=\S+/.exec(mail.parsed.text ?? '');
    if (!found) throw new Error('no accept link in the text body');
    return new URL(found[0]);
  };

  beforeAll(async () => {
    env = await createTestEnvironment();
    sink = await startSmtpSink();
    app = await startTestApi(env.config);
    // The worker relays the outbox and sends invitation e-mails to this test's SMTP server.
    worker = await startTestWorker(env.configWith({ SMTP_URL: sink.url, MAIL_FROM: 'Ataa <team@ataa.test>', PUBLIC_BASE_URL }));
    db = new pg.Client({ connectionString: env.database.url });
    await db.connect();
    org = await createOrganizationWithOwner(app, { name: 'جمعية الأمل — Amal' });
  }, 60_000);
  afterAll(async () => {
    await db?.end();
    await worker?.close();
    await app?.close();
    await sink?.close();
    await env?.cleanup();
  }, 60_000);

  it('the creator owns the organization; the name (Arabic, RTL) is kept intact', async () => {
    const mine = await http().get('/api/v1/orgs').set(bearer(org.ownerToken)).expect(200);
    expect(mine.body).toEqual([expect.objectContaining({ id: org.orgId, name: 'جمعية الأمل — Amal', role: 'owner', chargesEnabled: false, payoutsEnabled: false })]);
    const members = await http().get(`/api/v1/orgs/${org.orgId}/members`).set(bearer(org.ownerToken)).expect(200);
    expect(members.body).toEqual([expect.objectContaining({ email: org.ownerEmail, role: 'owner' })]);
  });

  it('invites by e-mail; the invitee accepts once with the token; the token is stored hashed', async () => {
    const email = uniqueEmail('invitee');
    const invite = await http().post(`/api/v1/orgs/${org.orgId}/invitations`).set(bearer(org.ownerToken)).send({ email: email.toUpperCase(), role: 'finance' }).expect(201);
    expect(invite.body).toMatchObject({ email, role: 'finance', status: 'pending' });
    expect(invite.body.token).toMatch(/^ataa_inv_/);
    expect(JSON.stringify((await db.query('SELECT * FROM invitations')).rows)).not.toContain(invite.body.token);

    // someone else signed in cannot use it, and learns nothing
    const stranger = await signUpUser(app);
    const refused = await http().post('/api/v1/invitations/accept').set(bearer(stranger.accessToken)).send({ token: invite.body.token }).expect(404);
    expect(refused.body.code).toBe('invitation_not_found');

    const invitee = await signUpUser(app, { email });
    const accepted = await http().post('/api/v1/invitations/accept').set(bearer(invitee.accessToken)).send({ token: invite.body.token }).expect(200);
    expect(accepted.body).toMatchObject({ organizationId: org.orgId, role: 'finance' });
    const again = await http().post('/api/v1/invitations/accept').set(bearer(invitee.accessToken)).send({ token: invite.body.token }).expect(404);
    expect(again.body.code).toBe('invitation_not_found');
    const list = await http().get(`/api/v1/orgs/${org.orgId}/invitations`).set(bearer(org.ownerToken)).expect(200);
    expect(list.body.find((i: { id: string }) => i.id === invite.body.id)).toMatchObject({ status: 'accepted' });
    expect(JSON.stringify(list.body)).not.toContain(invite.body.token);
  });

  it('e-mails the invitation (written with it, sent by the worker): one e-mail whose link accepts it; a duplicate relay sends nothing more', async () => {
    const email = uniqueEmail('mailed');
    const invite = await http().post(`/api/v1/orgs/${org.orgId}/invitations`).set(bearer(org.ownerToken)).send({ email, role: 'admin' }).expect(201);
    const [row] = await outboxOf(invite.body.id);
    expect(row).toBeDefined();

    const [mail] = await until('the invitation e-mail', async () => mailsTo(email).length > 0 && mailsTo(email));
    expect(mail.envelope.to).toEqual([email]);
    expect(mail.parsed.from?.value).toEqual([{ address: 'team@ataa.test', name: 'Ataa' }]);
    expect(mail.parsed.subject).toBe(`${org.ownerEmail} invited you to join جمعية الأمل — Amal on Ataa`);
    expect(mail.parsed.messageId).toBe(`<${row.id}.invitation@ataa.test>`);
    expect(mail.parsed.headers.get('x-ataa-invitation-id')).toBe(invite.body.id);
    const html = String(mail.parsed.html);
    const text = mail.parsed.text ?? '';
    for (const body of [html, text]) {
      expect(body).toContain('جمعية الأمل — Amal');
      expect(body).toContain(org.ownerEmail);
      expect(body).toContain('Admin — manages campaigns');
    }
    const expiry = new Date(invite.body.expiresAt).toLocaleDateString('en-US', { year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC' });
    expect(text).toContain(`Expires: \u2068${expiry}`);

    // The link is built from PUBLIC_BASE_URL, the same in both bodies, and its token accepts the invitation.
    const link = linkIn(mail);
    expect(link.origin).toBe(PUBLIC_BASE_URL);
    expect(html).toContain(`href="${link.toString().replace(/=/g, '&#x3D;')}"`);
    const token = link.searchParams.get('token')!;
    expect(token).toBe(invite.body.token);
    expect(JSON.stringify((await db.query('SELECT * FROM outbox')).rows)).not.toContain(token);
    const invitee = await signUpUser(app, { email });
    const accepted = await http().post('/api/v1/invitations/accept').set(bearer(invitee.accessToken)).send({ token }).expect(200);
    expect(accepted.body).toMatchObject({ organizationId: org.orgId, role: 'admin' });

    // A duplicate relay (the row relayed again after its job was gone, e.g. a relay that died before
    // recording it): the job runs again and finds the message sent.
    await until('the outbox row sent', async () => (await outboxOf(invite.body.id))[0].status === 'sent');
    const queue = worker.get<Queue>(getQueueToken(QUEUES.notifications), { strict: false });
    const first = await until('the first job completed', async () => (await (await queue.getJob(row.id))?.isCompleted()) && queue.getJob(row.id));
    expect(first?.returnvalue).toBe('sent');
    await first!.remove();
    await db.query(`UPDATE outbox SET relayed_at = NULL WHERE id = $1`, [row.id]);
    expect(await worker.get(OutboxRelay, { strict: false }).relayPending()).toBeGreaterThanOrEqual(0);
    const second = await until('the duplicate job completed', async () => (await (await queue.getJob(row.id))?.isCompleted()) && queue.getJob(row.id));
    expect(second?.returnvalue).toBe('already_done');
    const [{ relay_count }] = (await db.query(`SELECT relay_count FROM outbox WHERE id = $1`, [row.id])).rows;
    expect(relay_count).toBe(2);
    expect(mailsTo(email)).toHaveLength(1);
  });

  it('an invitation delivered by several workers at once is e-mailed once, in Arabic when asked', async () => {
    const email = uniqueEmail('raced');
    const invite = await http().post(`/api/v1/orgs/${org.orgId}/invitations`).set(bearer(org.ownerToken)).send({ email, role: 'viewer', language: 'ar' }).expect(201);
    const [row] = await outboxOf(invite.body.id);
    const delivery = worker.get(ReceiptDeliveryService, { strict: false });
    // The worker's own job races these three: whoever locks the outbox row first sends.
    const outcomes = await Promise.all([delivery.deliver(row.id), delivery.deliver(row.id), delivery.deliver(row.id)]);
    expect(outcomes.filter((o) => o === 'sent').length).toBeLessThanOrEqual(1);
    expect(outcomes.every((o) => o === 'sent' || o === 'already_done')).toBe(true);
    await until('the outbox row sent', async () => (await outboxOf(invite.body.id))[0].status === 'sent');
    const queue = worker.get<Queue>(getQueueToken(QUEUES.notifications), { strict: false });
    await until('the job completed', async () => (await queue.getJob(row.id))?.isCompleted());
    const mails = mailsTo(email);
    expect(mails).toHaveLength(1);
    expect(mails[0].parsed.subject).toBe(`دعاك ${org.ownerEmail} للانضمام إلى جمعية الأمل — Amal على منصة عطاء`);
    expect(String(mails[0].parsed.html)).toContain('<html lang="ar" dir="rtl">');
    expect(linkIn(mails[0]).searchParams.get('token')).toBe(invite.body.token);
  });

  it('a revoked or expired invitation cannot be accepted', async () => {
    const email = uniqueEmail('late');
    const invitee = await signUpUser(app, { email });
    const revoked = await http().post(`/api/v1/orgs/${org.orgId}/invitations`).set(bearer(org.ownerToken)).send({ email, role: 'viewer' }).expect(201);
    await http().delete(`/api/v1/orgs/${org.orgId}/invitations/${revoked.body.id}`).set(bearer(org.ownerToken)).expect(204);
    await http().post('/api/v1/invitations/accept').set(bearer(invitee.accessToken)).send({ token: revoked.body.token }).expect(404);
    const expired = await http().post(`/api/v1/orgs/${org.orgId}/invitations`).set(bearer(org.ownerToken)).send({ email, role: 'viewer' }).expect(201);
    await db.query(`UPDATE invitations SET expires_at = now() - interval '1 minute' WHERE id = $1`, [expired.body.id]);
    await http().post('/api/v1/invitations/accept').set(bearer(invitee.accessToken)).send({ token: expired.body.token }).expect(404);
    expect((await db.query('SELECT count(*)::int AS n FROM memberships WHERE user_id = $1', [invitee.userId])).rows[0].n).toBe(0);
  });

  it('owners change roles and remove members; the last owner stays', async () => {
    const member = await addMemberWithDetails(app, org, 'viewer');
    const changed = await http().patch(`/api/v1/orgs/${org.orgId}/members/${member.membershipId}`).set(bearer(org.ownerToken)).send({ role: 'admin' }).expect(200);
    expect(changed.body).toMatchObject({ role: 'admin', email: member.email });
    const ownerMembership = (await http().get(`/api/v1/orgs/${org.orgId}/members`).set(bearer(org.ownerToken))).body.find((m: { role: string }) => m.role === 'owner');
    const last = await http().patch(`/api/v1/orgs/${org.orgId}/members/${ownerMembership.id}`).set(bearer(org.ownerToken)).send({ role: 'viewer' }).expect(409);
    expect(last.body.code).toBe('last_owner');
    await http().delete(`/api/v1/orgs/${org.orgId}/members/${ownerMembership.id}`).set(bearer(org.ownerToken)).expect(409);
    const bad = await http().patch(`/api/v1/orgs/${org.orgId}/members/${member.membershipId}`).set(bearer(org.ownerToken)).send({ role: 'superuser' }).expect(400);
    expect(bad.body.code).toBe('validation_failed');
    await http().delete(`/api/v1/orgs/${org.orgId}/members/${member.membershipId}`).set(bearer(org.ownerToken)).expect(204);
    // removed: the organization no longer exists for them
    await http().get(`/api/v1/orgs/${org.orgId}`).set(bearer(member.accessToken)).expect(404);
  });

  it('API keys: shown once, stored hashed, scoped by role, revocable', async () => {
    const created = await http().post(`/api/v1/orgs/${org.orgId}/api-keys`).set(bearer(org.ownerToken)).send({ name: 'CI export', role: 'viewer' }).expect(201);
    const key: string = created.body.key;
    expect(key).toMatch(/^ataa_key_/);
    expect(created.body).toMatchObject({ name: 'CI export', role: 'viewer', prefix: key.slice(0, 17), revokedAt: null });
    const stored = (await db.query('SELECT * FROM api_keys WHERE id = $1', [created.body.id])).rows[0];
    expect(JSON.stringify(stored)).not.toContain(key);
    const listed = await http().get(`/api/v1/orgs/${org.orgId}/api-keys`).set(bearer(org.ownerToken)).expect(200);
    expect(JSON.stringify(listed.body)).not.toContain(key);

    // the key reads as a viewer ...
    await http().get(`/api/v1/orgs/${org.orgId}/campaigns`).set('x-api-key', key).expect(200);
    // ... but cannot act as an admin or owner
    expect((await http().post(`/api/v1/orgs/${org.orgId}/campaigns`).set('x-api-key', key).send({ title: 'x', currency: 'usd', goal: '1000' }).expect(403)).body.code).toBe('forbidden_role');
    await http().post(`/api/v1/orgs/${org.orgId}/api-keys`).set('x-api-key', key).send({ name: 'escalate', role: 'admin' }).expect(403);
    // an admin key manages campaigns
    const adminKey = await createApiKey(app, org, 'admin');
    await http().post(`/api/v1/orgs/${org.orgId}/campaigns`).set('x-api-key', adminKey).send({ title: 'By key', currency: 'usd', goal: '100000' }).expect(201);
    // API keys cannot be owner keys
    expect((await http().post(`/api/v1/orgs/${org.orgId}/api-keys`).set(bearer(org.ownerToken)).send({ name: 'root', role: 'owner' }).expect(400)).body.code).toBe('validation_failed');
    // a key only opens its own organization
    const other = await createOrganizationWithOwner(app);
    await http().get(`/api/v1/orgs/${other.orgId}/campaigns`).set('x-api-key', key).expect(404);

    await http().delete(`/api/v1/orgs/${org.orgId}/api-keys/${created.body.id}`).set(bearer(org.ownerToken)).expect(204);
    expect((await http().get(`/api/v1/orgs/${org.orgId}/campaigns`).set('x-api-key', key).expect(401)).body.code).toBe('unauthorized');
    await http().get(`/api/v1/orgs/${org.orgId}/campaigns`).set('x-api-key', 'ataa_key_made_up').expect(401);
  });

  it('records who did what in the audit log, readable by owners and admins only; it cannot be rewritten', async () => {
    const admin = await addMemberWithDetails(app, org, 'admin');
    const finance = await addMemberWithDetails(app, org, 'finance');
    const log = await http().get(`/api/v1/orgs/${org.orgId}/audit-log`).set(bearer(admin.accessToken)).expect(200);
    const actions = log.body.items.map((e: { action: string }) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['organization.created', 'membership.created', 'membership.role_changed', 'membership.removed', 'invitation.created', 'invitation.revoked', 'api_key.created', 'api_key.revoked', 'campaign.created']));
    const keyEntry = log.body.items.find((e: { action: string }) => e.action === 'api_key.created');
    expect(keyEntry.actor).toBe(`user:${org.ownerUserId}`);
    expect(JSON.stringify(log.body)).not.toMatch(/ataa_key_[A-Za-z0-9_-]{20}/);
    const page = await http().get(`/api/v1/orgs/${org.orgId}/audit-log?limit=2`).set(bearer(org.ownerToken)).expect(200);
    expect(page.body.items).toHaveLength(2);
    const next = await http().get(`/api/v1/orgs/${org.orgId}/audit-log?limit=2&cursor=${page.body.nextCursor}`).set(bearer(org.ownerToken)).expect(200);
    expect(next.body.items[0].id).not.toBe(page.body.items[1].id);
    // the same filters as the dashboard's audit page: who, and a time window
    const byOwner = await http().get(`/api/v1/orgs/${org.orgId}/audit-log?actor=user:${org.ownerUserId}&action=api_key.created`).set(bearer(org.ownerToken)).expect(200);
    expect(byOwner.body.items.length).toBeGreaterThan(0);
    expect(byOwner.body.items.every((e: { actor: string; action: string }) => e.actor === `user:${org.ownerUserId}` && e.action === 'api_key.created')).toBe(true);
    // the admin did one thing: accept the invitation (their membership)
    const byAdmin = await http().get(`/api/v1/orgs/${org.orgId}/audit-log?actor=user:${admin.userId}`).set(bearer(org.ownerToken)).expect(200);
    expect(byAdmin.body.items.map((e: { actor: string; action: string }) => [e.actor, e.action])).toEqual([[`user:${admin.userId}`, 'membership.created']]);
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect((await http().get(`/api/v1/orgs/${org.orgId}/audit-log?from=${future}`).set(bearer(org.ownerToken)).expect(200)).body.items).toEqual([]);
    expect((await http().get(`/api/v1/orgs/${org.orgId}/audit-log?to=${future}&limit=1`).set(bearer(org.ownerToken)).expect(200)).body.items).toHaveLength(1);
    expect((await http().get(`/api/v1/orgs/${org.orgId}/audit-log?from=yesterday`).set(bearer(org.ownerToken)).expect(400)).body.code).toBe('validation_failed');
    expect((await http().get(`/api/v1/orgs/${org.orgId}/audit-log?actor=${encodeURIComponent("x' OR 1=1")}`).set(bearer(org.ownerToken)).expect(400)).body.code).toBe('validation_failed');
    expect((await http().get(`/api/v1/orgs/${org.orgId}/audit-log`).set(bearer(finance.accessToken)).expect(403)).body.code).toBe('forbidden_role');
    await expect(db.query('UPDATE audit_log SET actor = $1', ['someone else'])).rejects.toThrow(/append-only/);
    await expect(db.query('DELETE FROM audit_log')).rejects.toThrow(/append-only/);
  });

  it('only owners change organization settings', async () => {
    const admin = await addMemberWithDetails(app, org, 'admin');
    await http().patch(`/api/v1/orgs/${org.orgId}`).set(bearer(admin.accessToken)).send({ name: 'Hijacked' }).expect(403);
    const renamed = await http().patch(`/api/v1/orgs/${org.orgId}`).set(bearer(org.ownerToken)).send({ name: 'Amal Relief' }).expect(200);
    expect(renamed.body.name).toBe('Amal Relief');
    const sneaky = await http().patch(`/api/v1/orgs/${org.orgId}`).set(bearer(org.ownerToken)).send({ payoutsEnabled: true, stripeAccountId: 'acct_x' }).expect(400);
    expect(sneaky.body.code).toBe('validation_failed');
    const after = await http().get(`/api/v1/orgs/${org.orgId}`).set(bearer(org.ownerToken)).expect(200);
    expect(after.body).toMatchObject({ payoutsEnabled: false, stripeAccountId: null });
  });
});
