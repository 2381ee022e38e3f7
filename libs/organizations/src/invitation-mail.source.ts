import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '@ataa/config';
import type { InvitationDataSource, InvitationMailData } from '@ataa/notifications';
import { deriveInvitationToken } from './domain/invitation-token.js';
import { MembershipRepository } from './persistence/membership.repository.js';

/**
 * Reads an invitation for its e-mail (the notifications worker calls it through
 * INVITATION_DATA_SOURCE) and derives its token again; the token itself is never stored.
 */
@Injectable()
export class InvitationMailSource implements InvitationDataSource {
  constructor(
    private readonly memberships: MembershipRepository,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  async load(invitationId: string): Promise<InvitationMailData | null> {
    const row = await this.memberships.invitationForMail(invitationId);
    if (!row) return null;
    if (!this.config.AUTH_SECRET) throw new Error('AUTH_SECRET is not configured');
    const status = row.accepted_at ? 'accepted' : row.revoked_at ? 'revoked' : row.expires_at <= new Date() ? 'expired' : 'pending';
    return {
      invitationId: row.id,
      email: row.email,
      role: row.role,
      organizationName: row.organization_name,
      inviter: { name: row.inviter_name, email: row.inviter_email },
      expiresAt: row.expires_at,
      status,
      token: deriveInvitationToken(this.config.AUTH_SECRET, row.id),
    };
  }
}
