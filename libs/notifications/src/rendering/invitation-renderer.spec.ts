import { buildInvitationView, invitationAcceptUrl } from '../domain/invitation-view.js';
import type { InvitationMailData } from '../invitations/invitation-data-source.js';
import { InvitationRenderer } from './invitation-renderer.js';

const TOKEN = 'ataa_inv_AbC-123_xyz';
const base: InvitationMailData = {
  invitationId: '3f0b7a52-6d7e-4b8e-9d57-0c7f2f1f6a10',
  email: 'amina@example.org',
  role: 'finance',
  organizationName: 'Helping Hands',
  inviter: { name: 'Layla Haddad', email: 'layla@example.org' },
  expiresAt: new Date('2026-03-21T10:30:00Z'),
  status: 'pending',
  token: TOKEN,
};
const url = invitationAcceptUrl('https://give.example.org/', TOKEN);

describe('InvitationRenderer', () => {
  const renderer = new InvitationRenderer();

  it('builds the accept link from the public base URL with the token', () => {
    expect(url).toBe(`https://give.example.org/invitations/accept?token=${TOKEN}`);
    expect(new URL(invitationAcceptUrl('http://127.0.0.1:3000', 'a+b/c=')).searchParams.get('token')).toBe('a+b/c=');
  });

  it('renders an English invitation: organization, inviter, role, expiry and the link in both bodies', () => {
    const { subject, html, text } = renderer.render(buildInvitationView(base, { language: 'en', acceptUrl: url }));
    expect(subject).toBe('Layla Haddad invited you to join Helping Hands on Ataa');
    expect(html).toContain('<html lang="en" dir="ltr">');
    expect(html).toContain(`href="${url.replace(/=/g, '&#x3D;')}"`);
    expect(html).toContain('Finance — handles refunds and payouts');
    expect(html).toContain('Layla Haddad &lt;layla@example.org&gt;');
    expect(html).toContain('March 21, 2026');
    expect(text).toContain(`\n${url}\n`);
    expect(text).toContain('Organization: \u2068Helping Hands\u2069');
    expect(text).toContain('Invited by: \u2068Layla Haddad <layla@example.org>\u2069');
    expect(text).toContain('Your role: Finance — handles refunds and payouts');
    expect(text).toContain('Expires: \u2068March 21, 2026');
    expect(text).toContain(`Invitation code: ${TOKEN}`);
  });

  it('renders an Arabic invitation right-to-left with Arabic wording', () => {
    const { subject, html, text } = renderer.render(buildInvitationView({ ...base, organizationName: 'جمعية الأمل', role: 'viewer' }, { language: 'ar', acceptUrl: url }));
    expect(subject).toBe('دعاك Layla Haddad للانضمام إلى جمعية الأمل على منصة عطاء');
    expect(html).toContain('<html lang="ar" dir="rtl">');
    expect(html).toContain('<body dir="rtl"');
    expect(html).toContain('text-align:right');
    expect(html).toContain('مُطّلع — يطّلع على الحملات والتبرعات والتقارير');
    expect(html).toContain('<bdi>جمعية الأمل</bdi>');
    expect(text).toContain('المنظمة: \u2068جمعية الأمل\u2069');
    expect(text).toContain('2026');
    expect(text).toContain(url);
  });

  it('escapes user text in the HTML body and keeps header values on one line', () => {
    const hostile = '<img src=x onerror=alert(1)>&"\'';
    const { subject, html, text } = renderer.render(buildInvitationView({
      ...base,
      organizationName: `Org ${hostile}\r\nBcc: evil@example.org`,
      inviter: { name: `<script>alert(1)</script>`, email: 'x@example.org' },
    }, { language: 'en', acceptUrl: url }));
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;&amp;&quot;&#x27;');
    expect(text).toContain(hostile);
    expect(subject).not.toMatch(/[\r\n]/);
  });

  it('fails loudly on a missing field (strict templates)', () => {
    const view = buildInvitationView(base, { language: 'en', acceptUrl: url }) as unknown as Record<string, unknown>;
    delete view.acceptUrl;
    expect(() => renderer.render(view as never)).toThrow(/acceptUrl/);
  });
});
