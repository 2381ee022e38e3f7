import { renderSignInLinkMail, SIGN_IN_MAIL_SUBJECTS } from './sign-in-link-mail.js';

describe('the sign-in e-mail', () => {
  const expires = new Date('2026-12-05T15:15:00Z');

  it('carries the link and its expiry, and says nothing about gifts (the same e-mail goes to every address)', () => {
    const link = 'https://give.example/donor/sign-in?token=l1.abc.def';
    const mail = renderSignInLinkMail('en', link, expires);
    expect(mail.subject).toBe(SIGN_IN_MAIL_SUBJECTS.en);
    expect(mail.text).toContain(link);
    expect(mail.text).toContain('5 December 2026 at 15:15 UTC');
    expect(mail.text).toContain('for 15 minutes');
    expect(mail.html).toContain(`<a href="${link}">`);
    // nothing in it depends on the address or its gifts: two renders for different people are identical
    expect(renderSignInLinkMail('en', link, expires)).toEqual(mail);
    expect(mail.text).not.toMatch(/\d+ gifts?|amount|campaign/i);
  });

  it('is written right to left in Arabic, and escapes the link in HTML', () => {
    const mail = renderSignInLinkMail('ar', 'https://give.example/donor/sign-in?token=a"b&c', expires);
    expect(mail.subject).toBe(SIGN_IN_MAIL_SUBJECTS.ar);
    expect(mail.html).toContain('<html lang="ar" dir="rtl">');
    expect(mail.html).toContain('href="https://give.example/donor/sign-in?token=a&quot;b&amp;c"');
    expect(mail.text).toMatch(/[\u0600-\u06FF]/);
  });
});
