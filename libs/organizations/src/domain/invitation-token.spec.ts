import { deriveInvitationToken } from './invitation-token.js';

describe('deriveInvitationToken', () => {
  const secret = 'a-test-secret-of-at-least-32-characters!';
  const id = '3f0b7a52-6d7e-4b8e-9d57-0c7f2f1f6a10';

  it('is stable for one invitation, different per invitation and per secret, and carries 256 bits', () => {
    const token = deriveInvitationToken(secret, id);
    expect(deriveInvitationToken(secret, id)).toBe(token);
    expect(deriveInvitationToken(secret, '5a1c4c1e-1b51-4a4e-8a57-4dfb2b6f1e22')).not.toBe(token);
    expect(deriveInvitationToken(`${secret}x`, id)).not.toBe(token);
    expect(token).toMatch(/^ataa_inv_[A-Za-z0-9_-]{43}$/);
  });
});
