import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { Role } from '../domain/roles.js';
import { Invitation } from './invitation.entity.js';
import { Membership } from './membership.entity.js';
import { User } from './user.entity.js';

/** An invitation with what its accept page shows. */
export interface InvitationByTokenRow {
  id: string; email: string; role: Role; expires_at: Date; accepted_at: Date | null; revoked_at: Date | null;
  organization_name: string; language: string | null; account_exists: boolean;
}

/** An invitation with what its e-mail says. */
export interface InvitationMailRow {
  id: string; email: string; role: Role; expires_at: Date; accepted_at: Date | null; revoked_at: Date | null;
  organization_name: string; inviter_name: string | null; inviter_email: string;
}

/** Memberships of organizations and the invitations to them (the `Membership` and `Invitation` entities). */
@Injectable()
export class MembershipRepository {
  constructor(private readonly dataSource: DataSource) {}

  findMembership(organizationId: string, userId: string): Promise<Membership | null> {
    return this.dataSource.getRepository(Membership).findOneBy({ organizationId, userId });
  }

  /** The organization's memberships with their users, oldest first. */
  membersWithUsers(organizationId: string): Promise<Membership[]> {
    return this.dataSource.getRepository(Membership).find({ where: { organizationId }, relations: { user: true }, order: { createdAt: 'ASC' } });
  }

  /** The user's memberships, oldest first. */
  membershipsOfUser(userId: string): Promise<Membership[]> {
    return this.dataSource.getRepository(Membership).find({ where: { userId }, order: { createdAt: 'ASC' } });
  }

  /** A membership of the organization (read in the caller's transaction, under the organization's lock), or null. */
  membershipIn(manager: EntityManager, organizationId: string, membershipId: string): Promise<Membership | null> {
    return manager.findOneBy(Membership, { id: membershipId, organizationId });
  }

  insertMembership(manager: EntityManager, values: Partial<Membership>): Promise<Membership> {
    return manager.save(manager.create(Membership, values));
  }

  async saveMembership(manager: EntityManager, membership: Membership): Promise<void> {
    await manager.save(membership);
  }

  async deleteMembership(manager: EntityManager, membershipId: string): Promise<void> {
    await manager.delete(Membership, { id: membershipId });
  }

  /** How many owners the organization has besides this membership. */
  otherOwners(manager: EntityManager, organizationId: string, exceptMembershipId: string): Promise<number> {
    return manager.createQueryBuilder(Membership, 'm')
      .where('m.organization_id = :organizationId AND m.role = :role AND m.id <> :id', { organizationId, role: 'owner', id: exceptMembershipId })
      .getCount();
  }

  /** Whether a user with this e-mail is a member of the organization. */
  isMemberByEmail(manager: EntityManager, organizationId: string, email: string): Promise<boolean> {
    return manager.createQueryBuilder(Membership, 'm').innerJoin(User, 'u', 'u.id = m.user_id')
      .where('m.organization_id = :org AND u.email = :email', { org: organizationId, email }).getExists();
  }

  insertInvitation(manager: EntityManager, values: Partial<Invitation>): Promise<Invitation> {
    return manager.save(manager.create(Invitation, values));
  }

  async saveInvitation(manager: EntityManager, invitation: Invitation): Promise<void> {
    await manager.save(invitation);
  }

  /** The organization's invitations, newest first, at most 200. */
  invitations(organizationId: string): Promise<Invitation[]> {
    return this.dataSource.getRepository(Invitation).find({ where: { organizationId }, order: { createdAt: 'DESC' }, take: 200 });
  }

  /** The organization's invitation, its row locked FOR UPDATE, or null. */
  lockInvitation(manager: EntityManager, organizationId: string, invitationId: string): Promise<Invitation | null> {
    return manager.findOne(Invitation, { where: { id: invitationId, organizationId }, lock: { mode: 'pessimistic_write' } });
  }

  /** The invitation with this token's hash, its row locked FOR UPDATE, or null. */
  lockInvitationByTokenHash(manager: EntityManager, tokenHash: string): Promise<Invitation | null> {
    return manager.findOne(Invitation, { where: { tokenHash }, lock: { mode: 'pessimistic_write' } });
  }

  /** The invitation with this token's hash, whatever its status, with its organization, e-mail language and whether the address has an account. */
  async invitationByTokenHash(tokenHash: string): Promise<InvitationByTokenRow | null> {
    // The language lives only in the e-mail's outbox row (payload.language), written with the invitation.
    const [row]: InvitationByTokenRow[] = await this.dataSource.query(
      `SELECT i.id, i.email, i.role, i.expires_at, i.accepted_at, i.revoked_at, o.name AS organization_name,
              (SELECT x.payload->>'language' FROM outbox x WHERE x.kind = 'invitation' AND x.aggregate_id = i.id::text ORDER BY x.created_at LIMIT 1) AS language,
              EXISTS (SELECT 1 FROM users u WHERE u.email = i.email) AS account_exists
       FROM invitations i JOIN organizations o ON o.id = i.organization_id
       WHERE i.token_hash = $1`,
      [tokenHash],
    );
    return row ?? null;
  }

  /** An invitation with its organization's name and its inviter, for its e-mail, or null. */
  async invitationForMail(invitationId: string): Promise<InvitationMailRow | null> {
    const [row]: InvitationMailRow[] = await this.dataSource.query(
      `SELECT i.id, i.email, i.role, i.expires_at, i.accepted_at, i.revoked_at, o.name AS organization_name,
              u.display_name AS inviter_name, u.email AS inviter_email
       FROM invitations i JOIN organizations o ON o.id = i.organization_id JOIN users u ON u.id = i.invited_by
       WHERE i.id::text = $1`,
      [invitationId],
    );
    return row ?? null;
  }
}
