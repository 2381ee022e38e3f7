/**
 * What an invitation e-mail needs, read when it is sent (not when it was queued: a revoked or
 * accepted invitation is not sent). The organizations lib provides it under
 * INVITATION_DATA_SOURCE; the token is derived there again, never stored.
 */
export const INVITATION_DATA_SOURCE = Symbol.for('ataa.notifications.InvitationDataSource');

export type InvitationMailStatus = 'pending' | 'accepted' | 'revoked' | 'expired';

export interface InvitationMailData {
  invitationId: string;
  /** The invitee's address (normalised). */
  email: string;
  role: 'owner' | 'admin' | 'finance' | 'viewer';
  organizationName: string;
  inviter: { name: string | null; email: string };
  expiresAt: Date;
  status: InvitationMailStatus;
  /** The single-use token the invitee accepts with. */
  token: string;
}

export interface InvitationDataSource {
  load(invitationId: string): Promise<InvitationMailData | null>;
}
