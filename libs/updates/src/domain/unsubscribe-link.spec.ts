import { deriveLinkKey, signLink } from '@ataa/privacy';
import { renderUpdateMail } from './update-mail.js';
import { signUnsubscribeToken, UNSUBSCRIBE_PURPOSE, verifyUnsubscribeToken } from './unsubscribe-link.js';

const key = deriveLinkKey('unit-test-auth-secret-0123456789abcdef');
const campaignId = '11111111-2222-4333-8444-555555555555';
const hash = 'ab'.repeat(32);
const now = new Date('2026-05-01T12:00:00Z');

describe('unsubscribe links', () => {
  it('round-trips the campaign and the address hash, the same link all day', () => {
    const token = signUnsubscribeToken(key, campaignId, hash, now);
    expect(verifyUnsubscribeToken(key, token, now)).toEqual({ ok: true, campaignId, emailHash: hash });
    expect(signUnsubscribeToken(key, campaignId, hash, new Date('2026-05-01T23:59:00Z'))).toBe(token);
  });

  it('refuses a changed, foreign, other-purpose, expired or malformed token', () => {
    const token = signUnsubscribeToken(key, campaignId, hash, now);
    const flipped = token.slice(0, -2) + (token.endsWith('A') ? 'BB' : 'AA');
    expect(verifyUnsubscribeToken(key, flipped, now)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyUnsubscribeToken(deriveLinkKey('another-secret-0123456789abcdef0123'), token, now)).toEqual({ ok: false, reason: 'bad_signature' });
    const other = signLink(key, { purpose: 'data.export', subject: `${campaignId}.${hash}`, expiresAt: 4_000_000_000, nonce: '0'.repeat(32) });
    expect(verifyUnsubscribeToken(key, other, now)).toEqual({ ok: false, reason: 'wrong_purpose' });
    expect(verifyUnsubscribeToken(key, token, new Date('2040-01-01T00:00:00Z'))).toEqual({ ok: false, reason: 'expired' });
    const badSubject = signLink(key, { purpose: UNSUBSCRIBE_PURPOSE, subject: 'not-a-campaign', expiresAt: 4_000_000_000, nonce: '0'.repeat(32) });
    expect(verifyUnsubscribeToken(key, badSubject, now)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyUnsubscribeToken(key, undefined, now)).toEqual({ ok: false, reason: 'malformed' });
  });
});

describe('renderUpdateMail', () => {
  const input = {
    campaignTitle: 'Wells\r\nBcc: victim@example.org',
    organizationName: 'Water <Org>',
    update: { title: 'The first well', html: '<p>Dug.</p>', language: 'en' as const, imageUrl: null },
    pageUrl: 'https://ataa.example/c/wells/updates/1',
    unsubscribeUrl: 'https://ataa.example/c/wells/updates/unsubscribe?token=l1.abc.def',
  };

  it('carries the RFC 8058 headers and the link in both parts', () => {
    const mail = renderUpdateMail({ ...input, locale: 'en' });
    expect(mail.headers).toEqual({ 'List-Unsubscribe': `<${input.unsubscribeUrl}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' });
    expect(mail.html).toContain(`href="${input.unsubscribeUrl}"`);
    expect(mail.text).toContain(input.unsubscribeUrl);
    // No header injection through a title; people's text escaped in the HTML.
    expect(mail.subject).not.toMatch(/[\r\n]/);
    expect(mail.html).toContain('<bdi>Water &lt;Org&gt;</bdi>');
  });

  it("speaks the donor's language around the update's own", () => {
    const mail = renderUpdateMail({ ...input, locale: 'ar' });
    expect(mail.html).toContain('<html lang="ar" dir="rtl">');
    expect(mail.html).toContain('<article lang="en" dir="ltr">');
    expect(mail.text).toContain('إيقاف رسائل هذه الحملة');
  });

  it("gives the update's image its description as alt (escaped), empty only for an undescribed older image", () => {
    const imageUrl = 'https://ataa.example/media/covers/abc.png';
    const described = renderUpdateMail({ ...input, locale: 'en', update: { ...input.update, imageUrl, imageAlt: 'The "new" well & its pump' } });
    expect(described.html).toContain(`<img src="${imageUrl}" alt="The &quot;new&quot; well &amp; its pump"`);
    expect(renderUpdateMail({ ...input, locale: 'en', update: { ...input.update, imageUrl } }).html).toContain(`<img src="${imageUrl}" alt=""`);
  });
});
