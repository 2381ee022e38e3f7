import { deriveLinkKey } from '@ataa/privacy';
import { renderRecurringNotice } from './recurring-notice-mail.js';
import { signRecurringLink, verifyRecurringLink } from './recurring-links.js';

const key = deriveLinkKey('test-secret-test-secret-test-secret-00');
const series = '3f1c2b7e-8a4d-4c1e-9b0a-5d6e7f8a9b0c';
const other = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';

describe('recurring gift links', () => {
  it('a cancel link names its own series only, and only for cancelling', () => {
    const token = signRecurringLink(key, 'cancel', series, Date.UTC(2027, 0, 1));
    expect(verifyRecurringLink(key, 'cancel', token, Date.UTC(2027, 0, 2))).toEqual({ ok: true, recurringGiftId: series });
    expect(verifyRecurringLink(key, 'card', token, Date.UTC(2027, 0, 2))).toEqual({ ok: false, reason: 'wrong_purpose' });
    // Another series' id cannot be put in: the signature covers the subject.
    const [v, body, mac] = token.split('.');
    const forged = Buffer.from(Buffer.from(body, 'base64url').toString('utf8').replace(series, other)).toString('base64url');
    expect(verifyRecurringLink(key, 'cancel', `${v}.${forged}.${mac}`, Date.UTC(2027, 0, 2))).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyRecurringLink(deriveLinkKey('another-secret-another-secret-000000'), 'cancel', token, Date.UTC(2027, 0, 2))).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyRecurringLink(key, 'cancel', 'nonsense', Date.UTC(2027, 0, 2))).toEqual({ ok: false, reason: 'malformed' });
  });

  it('a cancel link lasts 400 days, an update-card link 14', () => {
    const t0 = Date.UTC(2027, 0, 1);
    const cancel = signRecurringLink(key, 'cancel', series, t0);
    const card = signRecurringLink(key, 'card', series, t0);
    expect(verifyRecurringLink(key, 'cancel', cancel, t0 + 399 * 86_400_000).ok).toBe(true);
    expect(verifyRecurringLink(key, 'cancel', cancel, t0 + 400 * 86_400_000)).toEqual({ ok: false, reason: 'expired' });
    expect(verifyRecurringLink(key, 'card', card, t0 + 13 * 86_400_000).ok).toBe(true);
    expect(verifyRecurringLink(key, 'card', card, t0 + 14 * 86_400_000)).toEqual({ ok: false, reason: 'expired' });
  });
});

describe('recurring notices', () => {
  it('a failed payment says Stripe tries again and gives the update-card link (en/ar)', () => {
    const en = renderRecurringNotice({ language: 'en', event: 'payment_failed', campaignTitle: 'Clean <water>', amount: '$10.00', link: 'https://ataa.test/recurring/card?token=x&y', reason: null, willRetry: true });
    expect(en.subject).toBe('Your recurring gift could not be charged');
    expect(en.text).toContain('We will try again in a few days');
    expect(en.text).toContain('https://ataa.test/recurring/card?token=x&y');
    expect(en.html).toContain('href="https://ataa.test/recurring/card?token=x&amp;y"');
    expect(en.html).toContain('Clean &lt;water&gt;');
    const ar = renderRecurringNotice({ language: 'ar', event: 'payment_failed', campaignTitle: 'ماء', amount: '10 US$', link: 'https://ataa.test/x', reason: null, willRetry: false });
    expect(ar.html).toContain('dir="rtl"');
    expect(ar.text).toContain('حدّث بطاقتك');
  });

  it('a stopped series says why', () => {
    const mail = renderRecurringNotice({ language: 'en', event: 'stopped', campaignTitle: 'Water', amount: '$10.00', link: null, reason: 'campaign_closed', willRetry: false });
    expect(mail.text).toContain('has stopped: the campaign has closed. Nothing more will be charged.');
  });
});
