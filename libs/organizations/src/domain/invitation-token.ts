import { createHmac } from 'node:crypto';
import { TOKEN_PREFIX } from './tokens.js';

/**
 * An invitation's token is derived from its id with a key only the servers hold, instead of being
 * random and stored: the e-mail is rendered later, by the worker, and it can compute the token
 * again, so no usable token ever sits in the database (only its SHA-256, as before). The key is
 * separated from AUTH_SECRET's other uses by its own label. 256 bits, like generateSecret.
 */
export function deriveInvitationToken(authSecret: string, invitationId: string): string {
  const key = createHmac('sha256', authSecret).update('ataa invitation token v1').digest();
  return `${TOKEN_PREFIX.invitation}_${createHmac('sha256', key).update(invitationId).digest('base64url')}`;
}
