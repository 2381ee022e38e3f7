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
import { MembershipRepository } from './persistence/membership.repository.js';
import { OrganizationRepository } from './persistence/organization.repository.js';

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
    private readonly memberships: MembershipRepository,
    private readonly organizations: OrganizationRepository,
    private readonly audit: AuditService,
    private readonly outbox: OutboxService,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  /** The caller's membership in an organization, or null (used by the auth guard). */
  findMembership(organizationId: string, userId: string): Promise<Membership | null> {
    return this.memberships.findMembership(organizationId, userId);
  }

  async list(organizationId: string): Promise<MemberView[]> {
    const rows = await this.memberships.membersWithUsers(organizationId);
    return rows.map((m) => ({ id: m.id, userId: m.userId, email: m.user!.email, displayName: m.user!.displayName, role: m.role, createdAt: m.createdAt }));
  }

  async changeRole(principal: Principal, membershipId: string, role: Role): Promise<MemberView> {
    await this.dataSource.transaction(async (manager) => {
      const membership = await this.lockMembership(manager, principal.organizationId, membershipId);
      if (membership.role === role) return;
      if (membership.role === 'owner') await this.assertAnotherOwner(manager, principal.organizationId, membership.id);
      const from = membership.role;
      membership.role = role;
      await this.memberships.saveMembership(manager, membership);
      await this.audit.record(manager, { organizationId: principal.organizationId, actor: principal.actor, action: 'membership.role_changed', targetType: 'membership', targetId: membership.id, details: { userId: membership.userId, from, to: role } });
    });
    return (await this.list(principal.organizationId)).find((m) => m.id === membershipId)!;
  }

  async remove(principal: Principal, membershipId: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const membership = await this.lockMembership(manager, principal.organizationId, membershipId);
      if (membership.role === 'owner') await this.assertAnotherOwner(manager, principal.organizationId, membership.id);
      await this.memberships.deleteMembership(manager, membership.id);
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
      const existing = await this.memberships.isMemberByEmail(manager, principal.organizationId, email);
      if (existing) throw new ConflictError('already_member', 'This person is already a member');
      const invitation = await this.memberships.insertInvitation(manager, {
        id,
        organizationId: principal.organizationId,
        email,
        role: input.role,
        tokenHash: hashSecret(token),
        invitedBy: principal.userId!,
        expiresAt: new Date(Date.now() + INVITATION_TTL_SECONDS * 1000),
      });
      await this.audit.record(manager, { organizationId: principal.organizationId, actor: principal.actor, action: 'invitation.created', targetType: 'invitation', targetId: invitation.id, details: { email, role: input.role } });
      await this.outbox.enqueue(manager, { kind: 'invitation', aggregateId: invitation.id, payload: input.language ? { language: input.language } : {} });
      return { invitation, token };
    });
  }

  listInvitations(organizationId: string): Promise<Invitation[]> {
    return this.memberships.invitations(organizationId);
  }

  async revokeInvitation(principal: Principal, invitationId: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const invitation = await this.memberships.lockInvitation(manager, principal.organizationId, invitationId);
      if (!invitation) throw invitationNotFound();
      if (invitation.acceptedAt) throw new ConflictError('invitation_already_accepted', 'The invitation was already accepted');
      if (invitation.revokedAt) return;
      invitation.revokedAt = new Date();
      await this.memberships.saveInvitation(manager, invitation);
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
        const invitation = await this.memberships.lockInvitationByTokenHash(manager, hashSecret(token));
        if (!invitation || invitation.acceptedAt || invitation.revokedAt || invitation.expiresAt <= new Date() || invitation.email !== normalizeEmail(user.email)) {
          throw invitationNotFound();
        }
        const membership = await this.memberships.insertMembership(manager, { organizationId: invitation.organizationId, userId: user.userId, role: invitation.role });
        invitation.acceptedAt = new Date();
        invitation.acceptedBy = user.userId;
        await this.memberships.saveInvitation(manager, invitation);
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
    const row = await this.memberships.invitationByTokenHash(hashSecret(token));
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
    const found = await this.organizations.lock(manager, organizationId);
    if (!found) throw new NotFoundError('Organization');
  }

  private async lockMembership(manager: EntityManager, organizationId: string, membershipId: string): Promise<Membership> {
    await this.lockOrganization(manager, organizationId);
    const membership = await this.memberships.membershipIn(manager, organizationId, membershipId);
    if (!membership) throw new NotFoundError('Member');
    return membership;
  }

  private async assertAnotherOwner(manager: EntityManager, organizationId: string, exceptMembershipId: string): Promise<void> {
    const owners = await this.memberships.otherOwners(manager, organizationId, exceptMembershipId);
    if (owners === 0) throw new ConflictError('last_owner', 'An organization must keep at least one owner');
  }
}
