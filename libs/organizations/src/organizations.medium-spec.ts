import { jest } from '@jest/globals';
import { DataSource } from 'typeorm';
import { loadConfig } from '@ataa/config';
import { dataSourceOptions } from '@ataa/database';
import { NotificationsRepository, OutboxService } from '@ataa/notifications';
import { createTestDatabase, TestDatabase } from '@ataa/testing';
import { AuditService } from './audit.service.js';
import type { Principal, UserPrincipal } from './domain/roles.js';
import { MembersService } from './members.service.js';
import { OrganizationsService } from './organizations.service.js';
import { ApiKey } from './persistence/api-key.entity.js';
import { AuditLogEntry } from './persistence/audit-log-entry.entity.js';
import { Invitation } from './persistence/invitation.entity.js';
import { Membership } from './persistence/membership.entity.js';
import { Organization } from './persistence/organization.entity.js';
import { RefreshToken, Session } from './persistence/session.entity.js';
import { User } from './persistence/user.entity.js';
import { AuditLogRepository } from './persistence/audit-log.repository.js';
import { MembershipRepository } from './persistence/membership.repository.js';
import { OrganizationRepository } from './persistence/organization.repository.js';

// Jest reads testTimeout only from the top-level config, not from a project: set it here.
jest.setTimeout(60_000);

/** Memberships against real PostgreSQL: invariants that must hold under concurrency. */
describe('organizations and memberships persistence', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let organizations: OrganizationsService;
  let members: MembersService;
  let n = 0;

  const user = async (): Promise<UserPrincipal> => {
    const saved = await dataSource.getRepository(User).save({ email: `u${++n}-${Date.now()}@example.org`, passwordHash: 'x', displayName: null, passwordChangedAt: new Date() });
    return { userId: saved.id, sessionId: 'n/a', email: saved.email, actor: `user:${saved.id}` };
  };
  const principalOf = (orgId: string, u: UserPrincipal): Principal => ({ organizationId: orgId, role: 'owner', userId: u.userId, apiKeyId: null, actor: u.actor });

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = new DataSource({ ...dataSourceOptions(database.url), entities: [User, Organization, Membership, Invitation, ApiKey, Session, RefreshToken, AuditLogEntry], logging: false });
    await dataSource.initialize();
    const audit = new AuditService(new AuditLogRepository(dataSource));
    const organizationRepository = new OrganizationRepository(dataSource);
    const membershipRepository = new MembershipRepository(dataSource);
    organizations = new OrganizationsService(dataSource, organizationRepository, membershipRepository, audit);
    members = new MembersService(dataSource, membershipRepository, organizationRepository, audit, new OutboxService(new NotificationsRepository(dataSource)), loadConfig({ NODE_ENV: 'test' }));
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  it('two owners demoting each other at once: one stays owner', async () => {
    const a = await user();
    const b = await user();
    const { organization } = await organizations.create(a, { name: 'Two owners' });
    const invite = await members.invite(principalOf(organization.id, a), { email: b.email, role: 'owner' });
    await members.accept(b, invite.token);
    const list = await members.list(organization.id);
    const ma = list.find((m) => m.userId === a.userId)!;
    const mb = list.find((m) => m.userId === b.userId)!;
    const results = await Promise.allSettled([
      members.changeRole(principalOf(organization.id, a), mb.id, 'viewer'),
      members.changeRole(principalOf(organization.id, b), ma.id, 'viewer'),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).code).toBe('last_owner');
    expect((await members.list(organization.id)).filter((m) => m.role === 'owner')).toHaveLength(1);
  });

  it('an invitation token accepted twice at once yields one membership', async () => {
    const owner = await user();
    const invitee = await user();
    const { organization } = await organizations.create(owner, { name: 'Single use' });
    const { token } = await members.invite(principalOf(organization.id, owner), { email: invitee.email, role: 'viewer' });
    const results = await Promise.allSettled([members.accept(invitee, token), members.accept(invitee, token)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(await dataSource.getRepository(Membership).countBy({ organizationId: organization.id, userId: invitee.userId })).toBe(1);
  });

  it('an invitation and the outbox row that e-mails it are written together, without the token; a refused one writes neither', async () => {
    const owner = await user();
    const invitee = await user();
    const { organization } = await organizations.create(owner, { name: 'Outbox' });
    const { invitation, token } = await members.invite(principalOf(organization.id, owner), { email: invitee.email, role: 'finance', language: 'ar' });
    const rows = await dataSource.query(`SELECT kind, aggregate_id, payload, status FROM outbox WHERE aggregate_id = $1`, [invitation.id]);
    expect(rows).toEqual([{ kind: 'invitation', aggregate_id: invitation.id, payload: { language: 'ar' }, status: 'pending' }]);
    expect(JSON.stringify(await dataSource.query(`SELECT * FROM outbox`))).not.toContain(token);

    await members.accept(invitee, token);
    const before = (await dataSource.query(`SELECT count(*)::int AS n FROM outbox`))[0].n;
    await expect(members.invite(principalOf(organization.id, owner), { email: invitee.email, role: 'viewer' })).rejects.toMatchObject({ code: 'already_member' });
    expect((await dataSource.query(`SELECT count(*)::int AS n FROM outbox`))[0].n).toBe(before);
  });

  it('findByToken reads the invitation a token opens (status, language, whether the address has an account)', async () => {
    const owner = await user();
    const invitee = await user();
    const { organization } = await organizations.create(owner, { name: 'Lookup' });
    const principal = principalOf(organization.id, owner);
    const arabic = await members.invite(principal, { email: invitee.email, role: 'admin', language: 'ar' });
    expect(await members.findByToken(arabic.token)).toEqual({
      id: arabic.invitation.id, organizationName: 'Lookup', role: 'admin', email: invitee.email, expiresAt: arabic.invitation.expiresAt,
      status: 'pending', language: 'ar', accountExists: true,
    });
    // No language asked for: none stored (the e-mail still goes out in English).
    const plain = await members.invite(principal, { email: `nobody-${Date.now()}@example.org`, role: 'viewer' });
    expect(await members.findByToken(plain.token)).toMatchObject({ status: 'pending', language: null, accountExists: false });
    expect(await members.findByToken('ataa_inv_unknown')).toBeNull();
    expect(await members.findByToken('')).toBeNull();

    await members.accept(invitee, arabic.token);
    expect(await members.findByToken(arabic.token)).toMatchObject({ status: 'accepted' });
    await members.revokeInvitation(principal, plain.invitation.id);
    expect(await members.findByToken(plain.token)).toMatchObject({ status: 'revoked' });
    const late = await members.invite(principal, { email: `late-${Date.now()}@example.org`, role: 'viewer' });
    await dataSource.query(`UPDATE invitations SET expires_at = now() - interval '1 second' WHERE id = $1`, [late.invitation.id]);
    expect(await members.findByToken(late.token)).toMatchObject({ status: 'expired' });
  });

  it('a user is a member of an organization at most once (database constraint)', async () => {
    const owner = await user();
    const { organization } = await organizations.create(owner, { name: 'Unique' });
    await expect(dataSource.getRepository(Membership).insert({ organizationId: organization.id, userId: owner.userId, role: 'viewer' })).rejects.toThrow(/memberships_org_user_key/);
  });

  it('the audit log is append-only in the database', async () => {
    await expect(dataSource.query(`UPDATE audit_log SET actor = 'x'`)).rejects.toThrow(/append-only/);
    await expect(dataSource.query(`DELETE FROM audit_log`)).rejects.toThrow(/append-only/);
    await expect(dataSource.query(`TRUNCATE audit_log`)).rejects.toThrow(/append-only/);
  });

  it('API key roles cannot be owner, even written directly', async () => {
    const owner = await user();
    const { organization } = await organizations.create(owner, { name: 'Keys' });
    await expect(dataSource.getRepository(ApiKey).insert({ organizationId: organization.id, name: 'k', role: 'owner' as never, keyPrefix: 'p', keyHash: 'h' })).rejects.toThrow(/check constraint/);
  });
});
