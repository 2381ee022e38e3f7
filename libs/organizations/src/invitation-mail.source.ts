import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '@ataa/config';
import type { InvitationDataSource, InvitationMailData } from '@ataa/notifications';
import { deriveInvitationToken } from './domain/invitation-token.js';
import type { Role } from './domain/roles.js';

/**
 * Reads an invitation for its e-mail (the notifications worker calls it through
 * INVITATION_DATA_SOURCE) and derives its token again; the token itself is never stored.
 */
@Injectable()
export class InvitationMailSource implements InvitationDataSource {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  async load(invitationId: string): Promise<InvitationMailData | null> {
    const [row]: {
      id: string; email: string; role: Role; expires_at: Date; accepted_at: Date | null; revoked_at: Date | null;
      organization_name: string; inviter_name: string | null; inviter_email: string;
    }[] = await this.dataSource.query(
      `SELECT i.id, i.email, i.role, i.expires_at, i.accepted_at, i.revoked_at, o.name AS organization_name,
              u.display_name AS inviter_name, u.email AS inviter_email
       FROM invitations i JOIN organizations o ON o.id = i.organization_id JOIN users u ON u.id = i.invited_by
       WHERE i.id::text = $1`,
      [invitationId],
    );
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
