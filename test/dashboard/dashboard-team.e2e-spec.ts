import { jest } from '@jest/globals';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import pg from 'pg';
import request from 'supertest';
import {
  addMemberWithDetails, baseUrlOf, createOrganizationWithOwner, createTestEnvironment, csrfOf, postDashboardForm, signInToDashboard, startTestApi,
  type DashboardAgent, type TestEnvironment, type TestOrganization,
} from '@ataa/testing';

jest.setTimeout(120_000);

/**
 * The dashboard's Team section over HTTP: invitations (the row and its outbox e-mail), role changes,
 * removals, the last owner kept, API keys (the secret shown once, usable against the REST API, then
 * revoked: 401), the audit log with its filters; field errors with the input kept, in English and
 * Arabic; a viewer sees no button and gets 403 posting anyway; another organization's objects are 404;
 * a form without its CSRF token is refused.
 */
describe('dashboard team (API, PostgreSQL, Redis)', () => {
  let env: TestEnvironment;
  let api: NestFastifyApplication;
  let db: pg.Client;
  let base: string;
  let org: TestOrganization;
  let owner: DashboardAgent;
  let team: string;

  const post = postDashboardForm;
  const signIn = (email: string, password: string) => signInToDashboard(base, email, password);
  const count = async (sql: string, params: unknown[]) => Number((await db.query(sql, params)).rows[0].n);
  const ownerMembership = async () => (await db.query(`SELECT id FROM memberships WHERE organization_id = $1 AND user_id = $2`, [org.orgId, org.ownerUserId])).rows[0].id as string;

  beforeAll(async () => {
    env = await createTestEnvironment();
    api = await startTestApi(env.config, { listen: true });
    base = await baseUrlOf(api);
    db = new pg.Client({ connectionString: env.database.url });
    await db.connect();
    org = await createOrganizationWithOwner(api, { name: 'Water Relief' });
    owner = await signIn(org.ownerEmail, org.ownerPassword);
    team = `/dashboard/o/${org.orgId}/team`;
  }, 60_000);
  afterAll(async () => {
    await db?.end();
    await api?.close();
    await env?.cleanup();
  }, 60_000);

  it('is a real page now (not "coming soon"): the members and their roles', async () => {
    const page = await owner.get(team).expect(200);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.text).not.toContain('data-testid="coming-soon"');
    expect(page.text).toContain('data-testid="members"');
    expect(page.text).toContain(`<bdi>${org.ownerEmail}</bdi>`);
    expect(page.text).toMatch(/data-role="owner"/);
    expect(page.text).toContain('data-testid="invite-form"');
    expect(page.text).toContain('data-testid="api-keys-link"');
    expect(page.text).toContain('data-testid="audit-link"');
    expect(page.text).not.toContain('<script');
  });

  it('a bad invitation re-renders with field errors in the page language, the input kept, nothing stored; no CSRF: 403', async () => {
    const bad = await post(owner, team, `${team}/invitations`, { email: 'not-an-address', role: 'boss', language: 'en' });
    expect(bad.status).toBe(400);
    expect(bad.headers['content-type']).toMatch(/text\/html/);
    expect(bad.text).toContain('data-testid="invite-error"');
    expect(bad.text).toMatch(/id="invite-email-error">Enter a valid e-mail address/);
    expect(bad.text).toMatch(/id="invite-role-error">Choose one of the roles\./);
    expect(bad.text).toContain('value="not-an-address"');
    const empty = await post(owner, team, `${team}/invitations`, { email: '', role: 'viewer' });
    expect(empty.status).toBe(400);
    expect(empty.text).toMatch(/id="invite-email-error">Enter an e-mail address\./);
    expect(empty.text).toMatch(/id="invite-role-viewer" name="role" value="viewer" checked/);
    // in Arabic
    expect((await post(owner, team, '/dashboard/language', { language: 'ar', next: team })).status).toBe(303);
    const arabic = await post(owner, team, `${team}/invitations`, { email: 'ليس-عنوانًا', role: 'admin' });
    expect(arabic.status).toBe(400);
    expect(arabic.text).toMatch(/<html lang="ar" dir="rtl">/);
    expect(arabic.text).toContain('أدخل عنوان بريد إلكتروني صحيحًا');
    expect(arabic.text).toContain('value="ليس-عنوانًا"');
    expect(arabic.text).toMatch(/id="invite-role-admin" name="role" value="admin" checked/);
    expect((await post(owner, team, '/dashboard/language', { language: 'en', next: team })).status).toBe(303);
    // without the CSRF token
    const refused = await owner.post(`${team}/invitations`).type('form').send({ email: 'no-token@example.org', role: 'viewer' });
    expect(refused.status).toBe(403);
    expect(refused.text).toContain('The form expired.');
    expect(await count(`SELECT count(*) AS n FROM invitations WHERE organization_id = $1`, [org.orgId])).toBe(0);
  });

  it('invite -> the invitation row and its outbox e-mail; listed as pending; revoke; an existing member is refused', async () => {
    const sent = await post(owner, team, `${team}/invitations`, { email: ' Nadia@Example.org ', role: 'finance', language: 'ar' });
    expect(sent.status).toBe(303);
    expect(sent.headers.location).toBe(`${team}?done=invited`);
    const [invitation] = (await db.query(`SELECT id, email, role, invited_by, revoked_at FROM invitations WHERE organization_id = $1`, [org.orgId])).rows;
    expect(invitation).toMatchObject({ email: 'nadia@example.org', role: 'finance', invited_by: org.ownerUserId, revoked_at: null });
    // the same e-mail as the REST endpoint: an outbox row written with the invitation, in the language asked for
    const outbox = (await db.query(`SELECT kind, payload, status FROM outbox WHERE aggregate_id = $1`, [invitation.id])).rows;
    expect(outbox).toEqual([{ kind: 'invitation', payload: { language: 'ar' }, status: 'pending' }]);
    const page = await owner.get(sent.headers.location).expect(200);
    expect(page.text).toContain('The invitation is on its way.');
    expect(page.text).toContain(`data-invitation="${invitation.id}"`);
    expect(page.text).toContain('nadia@example.org');

    const already = await post(owner, team, `${team}/invitations`, { email: org.ownerEmail, role: 'viewer', language: 'en' });
    expect(already.status).toBe(409);
    expect(already.text).toMatch(/id="invite-email-error">This person is already a member\./);

    const revoked = await post(owner, team, `${team}/invitations/${invitation.id}/revoke`, {});
    expect(revoked.status).toBe(303);
    expect(revoked.headers.location).toBe(`${team}?done=revoked`);
    expect((await db.query(`SELECT revoked_at FROM invitations WHERE id = $1`, [invitation.id])).rows[0].revoked_at).not.toBeNull();
    expect((await owner.get(team).expect(200)).text).not.toContain(`data-invitation="${invitation.id}"`);
  });

  it('change a role, remove a member after its confirmation; the last owner is neither demoted nor removed', async () => {
    const member = await addMemberWithDetails(api, org, 'viewer');
    const changed = await post(owner, team, `${team}/members/${member.membershipId}/role`, { role: 'admin' });
    expect(changed.status).toBe(303);
    expect(changed.headers.location).toBe(`${team}?done=role`);
    expect((await db.query(`SELECT role FROM memberships WHERE id = $1`, [member.membershipId])).rows[0].role).toBe('admin');
    const bad = await post(owner, team, `${team}/members/${member.membershipId}/role`, { role: 'superuser' });
    expect(bad.status).toBe(400);
    expect(bad.text).toMatch(/data-testid="role-error">Choose one of the roles\./);

    // the last owner
    const mine = await ownerMembership();
    const demote = await post(owner, team, `${team}/members/${mine}/role`, { role: 'viewer' });
    expect(demote.status).toBe(409);
    expect(demote.text).toContain('An organization must keep at least one owner');
    const confirmSelf = await owner.get(`${team}/members/${mine}/remove`).expect(200);
    expect(confirmSelf.text).toContain('This is you');
    const removeSelf = await owner.post(`${team}/members/${mine}/remove`).type('form').send({ _csrf: csrfOf(confirmSelf.text) });
    expect(removeSelf.status).toBe(409);
    expect(removeSelf.text).toContain('An organization must keep at least one owner');
    expect((await db.query(`SELECT role FROM memberships WHERE id = $1`, [mine])).rows[0].role).toBe('owner');

    // removal: a confirmation page, then the post
    const confirm = await owner.get(`${team}/members/${member.membershipId}/remove`).expect(200);
    expect(confirm.text).toContain(`Remove <bdi>${member.email}</bdi>?`);
    expect(confirm.text).toContain('data-testid="confirm"');
    const noToken = await owner.post(`${team}/members/${member.membershipId}/remove`).type('form').send({});
    expect(noToken.status).toBe(403);
    expect(await count(`SELECT count(*) AS n FROM memberships WHERE id = $1`, [member.membershipId])).toBe(1);
    const removed = await owner.post(`${team}/members/${member.membershipId}/remove`).type('form').send({ _csrf: csrfOf(confirm.text) });
    expect(removed.status).toBe(303);
    expect(removed.headers.location).toBe(`${team}?done=removed`);
    expect(await count(`SELECT count(*) AS n FROM memberships WHERE id = $1`, [member.membershipId])).toBe(0);
    // the removed member's dashboard no longer shows the organization
    const gone = await signIn(member.email, member.password);
    expect((await gone.get(team)).status).toBe(404);
  });

  it('an API key: created, shown once (no-store, never in a URL), usable against the REST API, then revoked -> 401', async () => {
    const keysPath = `${team}/api-keys`;
    const bad = await post(owner, keysPath, keysPath, { name: '', role: 'owner' });
    expect(bad.status).toBe(400);
    expect(bad.text).toMatch(/id="key-name-error">Enter a name for the key\./);
    expect(bad.text).toMatch(/id="key-role-error">Choose one of the roles\./);
    expect(await count(`SELECT count(*) AS n FROM api_keys WHERE organization_id = $1`, [org.orgId])).toBe(0);

    const created = await post(owner, keysPath, keysPath, { name: 'Website sync', role: 'viewer' });
    expect(created.status).toBe(200);
    expect(created.headers['cache-control']).toBe('no-store');
    expect(created.headers.location).toBeUndefined();
    const secret = /data-testid="api-key">(ataa_key_[^<]+)</.exec(created.text)![1];
    expect(created.text).toContain('it is shown only this once');
    const [row] = (await db.query(`SELECT id, name, role, key_hash, key_prefix FROM api_keys WHERE organization_id = $1`, [org.orgId])).rows;
    expect(row).toMatchObject({ name: 'Website sync', role: 'viewer' });
    expect(row.key_hash).not.toContain(secret);
    expect(secret.startsWith(row.key_prefix)).toBe(true);

    // never shown again
    const list = await owner.get(keysPath).expect(200);
    expect(list.text).toContain('<bdi>Website sync</bdi>');
    expect(list.text).toContain(row.key_prefix);
    expect(list.text).not.toContain(secret);

    await request(base).get(`/api/v1/orgs/${org.orgId}/campaigns`).set('x-api-key', secret).expect(200);

    const confirm = await owner.get(`${keysPath}/${row.id}/revoke`).expect(200);
    expect(confirm.text).toContain('Revoke the key <bdi>Website sync</bdi>?');
    const revoked = await owner.post(`${keysPath}/${row.id}/revoke`).type('form').send({ _csrf: csrfOf(confirm.text) });
    expect(revoked.status).toBe(303);
    expect(revoked.headers.location).toBe(`${keysPath}?done=keyRevoked`);
    const after = await owner.get(revoked.headers.location).expect(200);
    expect(after.text).toContain('data-testid="key-revoked"');
    expect(after.text).not.toContain('data-testid="revoke-key"');
    await request(base).get(`/api/v1/orgs/${org.orgId}/campaigns`).set('x-api-key', secret).expect(401);
  });

  it('the audit log shows those actions, newest first, filtered by who, what and dates', async () => {
    const audit = `${team}/audit`;
    const page = await owner.get(audit).expect(200);
    const actions = [...page.text.matchAll(/<li data-action="([a-z_.]+)">/g)].map((m) => m[1]);
    for (const action of ['invitation.created', 'invitation.revoked', 'membership.role_changed', 'membership.removed', 'api_key.created', 'api_key.revoked', 'organization.created']) {
      expect([action, actions.includes(action)]).toEqual([action, true]);
    }
    expect(actions.indexOf('api_key.revoked')).toBeLessThan(actions.indexOf('api_key.created')); // newest first
    expect(page.text).toContain('API key created');
    expect(page.text).toContain(`<bdi>${org.ownerEmail}</bdi>`);

    const byAction = await owner.get(`${audit}?action=api_key.created`).expect(200);
    expect([...byAction.text.matchAll(/<li data-action="([a-z_.]+)">/g)].map((m) => m[1])).toEqual(['api_key.created']);
    expect(byAction.text).toMatch(/<option value="api_key.created" selected>/);

    // who: the invited member's own joining is theirs, not the owner's (the owner's is the organization's creation)
    const byOwner = await owner.get(`${audit}?actor=user:${org.ownerUserId}`).expect(200);
    const ownerActions = [...byOwner.text.matchAll(/<li data-action="([a-z_.]+)">/g)].map((m) => m[1]);
    expect(ownerActions).toContain('membership.role_changed');
    expect(actions.filter((a) => a === 'membership.created')).toHaveLength(2);
    expect(ownerActions.filter((a) => a === 'membership.created')).toHaveLength(1);
    expect(byOwner.text).toMatch(new RegExp(`<option value="user:${org.ownerUserId}" selected>${org.ownerEmail}</option>`));

    const today = new Date().toISOString().slice(0, 10);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const inRange = await owner.get(`${audit}?from=${today}&to=${today}&action=membership.removed`).expect(200);
    expect([...inRange.text.matchAll(/<li data-action="([a-z_.]+)">/g)].map((m) => m[1])).toEqual(['membership.removed']);
    const future = await owner.get(`${audit}?from=${tomorrow}`).expect(200);
    expect(future.text).toContain('data-testid="no-entries"');
    expect(future.text).toContain('No entry matches these filters.');

    const bad = await owner.get(`${audit}?from=2025-02-30&to=${today}`);
    expect(bad.status).toBe(400);
    expect(bad.text).toMatch(/id="from-error">Enter a date/);
    expect(bad.text).toContain('value="2025-02-30"');
    const backwards = await owner.get(`${audit}?from=${tomorrow}&to=${today}`);
    expect(backwards.status).toBe(400);
    expect(backwards.text).toMatch(/id="to-error">The end date must not be before the start date\./);
  });

  it('the audit log is paginated, the filters carried to the older page', async () => {
    // 55 more entries through the lib's own path (API keys created through the REST API)
    for (let i = 0; i < 55; i++) {
      await request(base).post(`/api/v1/orgs/${org.orgId}/api-keys`).set('authorization', `Bearer ${org.ownerToken}`).send({ name: `key ${i}`, role: 'viewer' }).expect(201);
    }
    const first = await owner.get(`${team}/audit?action=api_key.created`).expect(200);
    expect([...first.text.matchAll(/<li data-action=/g)]).toHaveLength(50);
    expect(first.text).not.toContain('data-testid="newest"');
    const older = /href="([^"]+)" data-testid="older"/.exec(first.text)![1].replace(/&#x3D;/g, '=').replace(/&amp;/g, '&');
    expect(older).toMatch(/action=api_key\.created&cursor=\d+$/);
    const second = await owner.get(older).expect(200);
    expect([...second.text.matchAll(/<li data-action="api_key.created">/g)]).toHaveLength(6); // 55 + the one from the dashboard
    expect(second.text).toContain('data-testid="newest"');
    expect(second.text).not.toContain('data-testid="older"');
  });

  it('a viewer sees the members but no button, and is refused (403) opening or posting the forms', async () => {
    const viewer = await addMemberWithDetails(api, org, 'viewer');
    const target = await addMemberWithDetails(api, org, 'finance');
    const agent = await signIn(viewer.email, viewer.password);
    const page = await agent.get(team).expect(200);
    expect(page.text).toContain(`<bdi>${org.ownerEmail}</bdi>`);
    expect(page.text).toContain('data-testid="viewer-note"');
    for (const button of ['invite-form', 'change-role', 'remove', 'api-keys-link', 'audit-link', 'invitations']) {
      expect([button, page.text.includes(`data-testid="${button}"`)]).toEqual([button, false]);
    }
    const key = (await request(base).post(`/api/v1/orgs/${org.orgId}/api-keys`).set('authorization', `Bearer ${org.ownerToken}`).send({ name: 'Kept key', role: 'viewer' }).expect(201)).body as { id: string };
    for (const path of [`${team}/api-keys`, `${team}/api-keys/${key.id}/revoke`, `${team}/members/${target.membershipId}/remove`, `${team}/audit`]) {
      const refused = await agent.get(path);
      expect([path, refused.status]).toEqual([path, 403]);
      expect(refused.text).toContain('data-testid="error-403"');
    }
    const csrf = csrfOf(page.text);
    const posts: [string, Record<string, string>][] = [
      [`${team}/invitations`, { email: 'viewer-invites@example.org', role: 'owner' }],
      [`${team}/members/${target.membershipId}/role`, { role: 'owner' }],
      [`${team}/members/${target.membershipId}/remove`, {}],
      [`${team}/api-keys`, { name: 'Viewer key', role: 'admin' }],
      [`${team}/api-keys/${key.id}/revoke`, {}],
    ];
    for (const [path, fields] of posts) {
      const refused = await agent.post(path).type('form').send({ _csrf: csrf, ...fields });
      expect([path, refused.status]).toEqual([path, 403]);
      expect(refused.text).toContain('data-testid="error-403"');
    }
    expect((await db.query(`SELECT role FROM memberships WHERE id = $1`, [target.membershipId])).rows[0].role).toBe('finance');
    expect(await count(`SELECT count(*) AS n FROM invitations WHERE email = 'viewer-invites@example.org'`, [])).toBe(0);
    expect(await count(`SELECT count(*) AS n FROM api_keys WHERE name = 'Viewer key'`, [])).toBe(0);
    expect((await db.query(`SELECT revoked_at FROM api_keys WHERE id = $1`, [key.id])).rows[0].revoked_at).toBeNull();

    // an admin reads the audit log (as the API's AuditController) but manages neither members nor keys
    const admin = await addMemberWithDetails(api, org, 'admin');
    const adminAgent = await signIn(admin.email, admin.password);
    const adminTeam = await adminAgent.get(team).expect(200);
    expect(adminTeam.text).toContain('data-testid="audit-link"');
    expect(adminTeam.text).not.toContain('data-testid="api-keys-link"');
    await adminAgent.get(`${team}/audit`).expect(200);
    expect((await adminAgent.get(`${team}/api-keys`)).status).toBe(403);
  });

  it("another organization's members, invitations and keys are 404, through this organization's path or its own", async () => {
    const other = await createOrganizationWithOwner(api, { name: 'Someone else' });
    const theirMember = await addMemberWithDetails(api, other, 'viewer');
    const invite = await request(base).post(`/api/v1/orgs/${other.orgId}/invitations`).set('authorization', `Bearer ${other.ownerToken}`).send({ email: 'their-invitee@example.org', role: 'viewer' }).expect(201);
    const theirKey = await request(base).post(`/api/v1/orgs/${other.orgId}/api-keys`).set('authorization', `Bearer ${other.ownerToken}`).send({ name: 'Their key', role: 'viewer' }).expect(201);
    const csrf = csrfOf((await owner.get(team)).text);
    for (const path of [
      `${team}/members/${theirMember.membershipId}/remove`, `${team}/api-keys/${theirKey.body.id}/revoke`, `${team}/members/not-a-uuid/remove`,
      `/dashboard/o/${other.orgId}/team`, `/dashboard/o/${other.orgId}/team/api-keys`, `/dashboard/o/${other.orgId}/team/audit`,
    ]) {
      const page = await owner.get(path);
      expect([path, page.status]).toEqual([path, 404]);
      expect(page.text).toContain('data-testid="error-404"');
      expect(page.text).not.toContain(theirMember.email);
    }
    for (const [path, fields] of [
      [`${team}/members/${theirMember.membershipId}/role`, { role: 'owner' }],
      [`${team}/members/${theirMember.membershipId}/remove`, {}],
      [`${team}/invitations/${invite.body.id}/revoke`, {}],
      [`${team}/api-keys/${theirKey.body.id}/revoke`, {}],
      [`/dashboard/o/${other.orgId}/team/invitations`, { email: 'sneaky@example.org', role: 'owner' }],
    ] as const) {
      const refused = await owner.post(path).type('form').send({ _csrf: csrf, ...fields });
      expect([path, refused.status]).toEqual([path, 404]);
      expect(refused.text).toContain('data-testid="error-404"');
    }
    expect((await db.query(`SELECT role FROM memberships WHERE id = $1`, [theirMember.membershipId])).rows[0].role).toBe('viewer');
    expect((await db.query(`SELECT revoked_at FROM invitations WHERE id = $1`, [invite.body.id])).rows[0].revoked_at).toBeNull();
    expect((await db.query(`SELECT revoked_at FROM api_keys WHERE id = $1`, [theirKey.body.id])).rows[0].revoked_at).toBeNull();
    expect(await count(`SELECT count(*) AS n FROM invitations WHERE email = 'sneaky@example.org'`, [])).toBe(0);
  });
});
