import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig } from '@ataa/config';
import { ConflictError, NotFoundError } from '@ataa/common';
import { isUniqueViolation } from '@ataa/database';
import { OutboxService } from '@ataa/notifications';
import { AuditService } from './audit.service.js';
import { deriveInvitationToken } from './domain/invitation-token.js';
import type { Principal, Role, UserPrincipal } from './domain/roles.js';
import { hashSecret, normalizeEmail } from './domain/tokens.js';
import { Invitation } from './persistence/invitation.entity.js';
import { Membership } from './persistence/membership.entity.js';
import { Organization } from './persistence/organization.entity.js';
import { User } from './persistence/user.entity.js';

export const INVITATION_TTL_SECONDS = 7 * 24 * 3600;

export interface MemberView {
  id: string;
  userId: string;
  email: string;
  displayName: string | null;
  role: Role;
  createdAt: Date;
}

export type InvitationStatus = 'pending' | 'accepted' | 'revoked' | 'expired';

/** What the invitee's accept page may show about the one invitation its token opens. */
export interface InvitationLookup {
  id: string;
  organizationName: string;
  role: Role;
  email: string;
  expiresAt: Date;
  status: InvitationStatus;
  /** The language the invitation was e-mailed in, when one was asked for. */
  language: 'en' | 'ar' | null;
  /** Whether the invited address already has an account (the page offers sign-in, else sign-up). */
  accountExists: boolean;
}

const invitationNotFound = () => new NotFoundError('Invitation', 'invitation_not_found');

/** Memberships and invitations of an organization. Only owners manage them (enforced by the routes). */
@Injectable()
export class MembersService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly outbox: OutboxService,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  /** The caller's membership in an organization, or null (used by the auth guard). */
  findMembership(organizationId: string, userId: string): Promise<Membership | null> {
    return this.dataSource.getRepository(Membership).findOneBy({ organizationId, userId });
  }

  async list(organizationId: string): Promise<MemberView[]> {
    const rows = await this.dataSource.getRepository(Membership).find({ where: { organizationId }, relations: { user: true }, order: { createdAt: 'ASC' } });
    return rows.map((m) => ({ id: m.id, userId: m.userId, email: m.user!.email, displayName: m.user!.displayName, role: m.role, createdAt: m.createdAt }));
  }

  async changeRole(principal: Principal, membershipId: string, role: Role): Promise<MemberView> {
    await this.dataSource.transaction(async (manager) => {
      const membership = await this.lockMembership(manager, principal.organizationId, membershipId);
      if (membership.role === role) return;
      if (membership.role === 'owner') await this.assertAnotherOwner(manager, principal.organizationId, membership.id);
      const from = membership.role;
      membership.role = role;
      await manager.save(membership);
      await this.audit.record(manager, { organizationId: principal.organizationId, actor: principal.actor, action: 'membership.role_changed', targetType: 'membership', targetId: membership.id, details: { userId: membership.userId, from, to: role } });
    });
    return (await this.list(principal.organizationId)).find((m) => m.id === membershipId)!;
  }

  async remove(principal: Principal, membershipId: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const membership = await this.lockMembership(manager, principal.organizationId, membershipId);
      if (membership.role === 'owner') await this.assertAnotherOwner(manager, principal.organizationId, membership.id);
      await manager.delete(Membership, { id: membership.id });
      await this.audit.record(manager, { organizationId: principal.organizationId, actor: principal.actor, action: 'membership.removed', targetType: 'membership', targetId: membership.id, details: { userId: membership.userId, role: membership.role } });
    });
  }

  /**
   * Creates an invitation and, in the same transaction, the outbox row that e-mails it to the
   * invitee (in `language`, English by default; only a language asked for is stored, so the accept
   * page can tell it from the default). The token is returned too: the owner may pass the
   * link on another way, and API clients and test factories accept with it directly.
   */
  async invite(principal: Principal, input: { email: string; role: Role; language?: 'en' | 'ar' }): Promise<{ invitation: Invitation; token: string }> {
    const email = normalizeEmail(input.email);
    const id = randomUUID();
    const token = deriveInvitationToken(this.authSecret(), id);
    return this.dataSource.transaction(async (manager) => {
      await this.lockOrganization(manager, principal.organizationId);
      const existing = await manager.createQueryBuilder(Membership, 'm').innerJoin(User, 'u', 'u.id = m.user_id')
        .where('m.organization_id = :org AND u.email = :email', { org: principal.organizationId, email }).getExists();
      if (existing) throw new ConflictError('already_member', 'This person is already a member');
      const invitation = await manager.save(manager.create(Invitation, {
        id,
        organizationId: principal.organizationId,
        email,
        role: input.role,
        tokenHash: hashSecret(token),
        invitedBy: principal.userId!,
        expiresAt: new Date(Date.now() + INVITATION_TTL_SECONDS * 1000),
      }));
      await this.audit.record(manager, { organizationId: principal.organizationId, actor: principal.actor, action: 'invitation.created', targetType: 'invitation', targetId: invitation.id, details: { email, role: input.role } });
      await this.outbox.enqueue(manager, { kind: 'invitation', aggregateId: invitation.id, payload: input.language ? { language: input.language } : {} });
      return { invitation, token };
    });
  }

  listInvitations(organizationId: string): Promise<Invitation[]> {
    return this.dataSource.getRepository(Invitation).find({ where: { organizationId }, order: { createdAt: 'DESC' }, take: 200 });
  }

  async revokeInvitation(principal: Principal, invitationId: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const invitation = await manager.findOne(Invitation, { where: { id: invitationId, organizationId: principal.organizationId }, lock: { mode: 'pessimistic_write' } });
      if (!invitation) throw invitationNotFound();
      if (invitation.acceptedAt) throw new ConflictError('invitation_already_accepted', 'The invitation was already accepted');
      if (invitation.revokedAt) return;
      invitation.revokedAt = new Date();
      await manager.save(invitation);
      await this.audit.record(manager, { organizationId: principal.organizationId, actor: principal.actor, action: 'invitation.revoked', targetType: 'invitation', targetId: invitation.id, details: { email: invitation.email } });
    });
  }

  /**
   * Accepts an invitation with its single-use token. The signed-in user's e-mail must be the one
   * invited; every failure is the same 404 so the token space cannot be probed.
   */
  async accept(user: UserPrincipal, token: string): Promise<Membership> {
    try {
      return await this.dataSource.transaction(async (manager) => {
        const invitation = await manager.findOne(Invitation, { where: { tokenHash: hashSecret(token) }, lock: { mode: 'pessimistic_write' } });
        if (!invitation || invitation.acceptedAt || invitation.revokedAt || invitation.expiresAt <= new Date() || invitation.email !== normalizeEmail(user.email)) {
          throw invitationNotFound();
        }
        const membership = await manager.save(manager.create(Membership, { organizationId: invitation.organizationId, userId: user.userId, role: invitation.role }));
        invitation.acceptedAt = new Date();
        invitation.acceptedBy = user.userId;
        await manager.save(invitation);
        await this.audit.record(manager, { organizationId: invitation.organizationId, actor: user.actor, action: 'membership.created', targetType: 'membership', targetId: membership.id, details: { userId: user.userId, role: invitation.role, invitationId: invitation.id } });
        return membership;
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError('already_member', 'You are already a member of this organization');
      throw error;
    }
  }

  /**
   * Read-only: the invitation a token opens, whatever its status, or null. Nothing is locked or
   * changed; accepting still goes through accept(), which checks everything again.
   */
  async findByToken(token: string): Promise<InvitationLookup | null> {
    if (token.length === 0 || token.length > 512) return null;
    // The language lives only in the e-mail's outbox row (payload.language), written with the invitation.
    const [row]: {
      id: string; email: string; role: Role; expires_at: Date; accepted_at: Date | null; revoked_at: Date | null;
      organization_name: string; language: string | null; account_exists: boolean;
    }[] = await this.dataSource.query(
      `SELECT i.id, i.email, i.role, i.expires_at, i.accepted_at, i.revoked_at, o.name AS organization_name,
              (SELECT x.payload->>'language' FROM outbox x WHERE x.kind = 'invitation' AND x.aggregate_id = i.id::text ORDER BY x.created_at LIMIT 1) AS language,
              EXISTS (SELECT 1 FROM users u WHERE u.email = i.email) AS account_exists
       FROM invitations i JOIN organizations o ON o.id = i.organization_id
       WHERE i.token_hash = $1`,
      [hashSecret(token)],
    );
    if (!row) return null;
    const status: InvitationStatus = row.accepted_at ? 'accepted' : row.revoked_at ? 'revoked' : row.expires_at <= new Date() ? 'expired' : 'pending';
    return {
      id: row.id, organizationName: row.organization_name, role: row.role, email: row.email, expiresAt: row.expires_at, status,
      language: row.language === 'en' || row.language === 'ar' ? row.language : null, accountExists: row.account_exists,
    };
  }

  private authSecret(): string {
    if (!this.config.AUTH_SECRET) throw new Error('AUTH_SECRET is not configured');
    return this.config.AUTH_SECRET;
  }

  private async lockOrganization(manager: EntityManager, organizationId: string): Promise<void> {
    // Serialises membership changes per organization, so "keep at least one owner" holds under concurrency.
    const found = await manager.findOne(Organization, { where: { id: organizationId }, lock: { mode: 'pessimistic_write' } });
    if (!found) throw new NotFoundError('Organization');
  }

  private async lockMembership(manager: EntityManager, organizationId: string, membershipId: string): Promise<Membership> {
    await this.lockOrganization(manager, organizationId);
    const membership = await manager.findOneBy(Membership, { id: membershipId, organizationId });
    if (!membership) throw new NotFoundError('Member');
    return membership;
  }

  private async assertAnotherOwner(manager: EntityManager, organizationId: string, exceptMembershipId: string): Promise<void> {
    const owners = await manager.createQueryBuilder(Membership, 'm')
      .where('m.organization_id = :organizationId AND m.role = :role AND m.id <> :id', { organizationId, role: 'owner', id: exceptMembershipId })
      .getCount();
    if (owners === 0) throw new ConflictError('last_owner', 'An organization must keep at least one owner');
  }
}
