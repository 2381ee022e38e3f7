import { renderPledgeMail } from './pledge-mail.js';

describe('pledge e-mails', () => {
  const graceEndsAt = new Date('2026-12-12T12:00:00Z');

  it('payment needed: says why, carries the link and the last day; the title is escaped in HTML', () => {
    const mail = renderPledgeMail({
      kind: 'payment_needed', language: 'en', campaignTitle: 'Water <for> "all"', amount: '$40.00', link: 'https://ataa.example/c/water/pledge?token=l1.a.b',
      graceEndsAt, reason: 'authentication_required',
    });
    expect(mail.subject).toBe('Complete your pledge to Water <for> "all"');
    expect(mail.text).toContain('Your bank asked you to confirm the payment.');
    expect(mail.text).toContain('until 2026-12-12');
    expect(mail.text).toContain('https://ataa.example/c/water/pledge?token=l1.a.b');
    expect(mail.html).toContain('Water &lt;for&gt; &quot;all&quot;');
    expect(mail.html).not.toContain('<for>');
    expect(mail.html).toContain('<a href="https://ataa.example/c/water/pledge?token=l1.a.b">');
  });

  it('a decline reads as a decline; released says nothing was charged; Arabic right-to-left', () => {
    expect(renderPledgeMail({ kind: 'payment_needed', language: 'en', campaignTitle: 'T', amount: '$1.00', link: 'https://x/y', graceEndsAt, reason: 'card_declined' }).text)
      .toContain('The card was declined.');
    const released = renderPledgeMail({ kind: 'released', language: 'en', campaignTitle: 'T', amount: '$20.00' });
    expect(released.text).toContain('was not charged and will not be');
    const ar = renderPledgeMail({ kind: 'released', language: 'ar', campaignTitle: 'مياه', amount: '20.00 US$' });
    expect(ar.html).toContain('dir="rtl"');
    expect(ar.subject).toContain('مياه');
    expect(ar.subject).not.toMatch(/[\u2068\u2069]/);
  });
});
