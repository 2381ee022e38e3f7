import { deriveLinkKey } from '@ataa/privacy';
import { signScheduledCancelLink, signScheduledPayLink, verifyScheduledLink } from './scheduled-links.js';
import { renderScheduledNotice, scheduleWords } from './scheduled-notice-mail.js';

const key = deriveLinkKey('test-secret-test-secret-test-secret-00');
const series = '3f1c2b7e-8a4d-4c1e-9b0a-5d6e7f8a9b0c';
const other = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
const day = (d: number) => Date.UTC(2027, 0, d);

describe('scheduled series links', () => {
  it('a cancel link names its own series only, and only for cancelling; 400 days', () => {
    const token = signScheduledCancelLink(key, series, day(1));
    expect(verifyScheduledLink(key, 'cancel', token, day(2))).toEqual({ ok: true, seriesId: series, occurrence: null });
    expect(verifyScheduledLink(key, 'pay', token, day(2))).toEqual({ ok: false, reason: 'wrong_purpose' });
    const [v, body, mac] = token.split('.');
    const forged = Buffer.from(Buffer.from(body, 'base64url').toString('utf8').replace(series, other)).toString('base64url');
    expect(verifyScheduledLink(key, 'cancel', `${v}.${forged}.${mac}`, day(2))).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyScheduledLink(key, 'cancel', token, day(1) + 399 * 86_400_000)).toMatchObject({ ok: true });
    expect(verifyScheduledLink(key, 'cancel', token, day(1) + 401 * 86_400_000)).toEqual({ ok: false, reason: 'expired' });
  });

  it('a pay link names one occurrence, works until its grace period ends, and is the same when an e-mail is resent', () => {
    const graceEndsAt = new Date(day(8));
    const token = signScheduledPayLink(key, series, 3, graceEndsAt);
    expect(signScheduledPayLink(key, series, 3, graceEndsAt)).toBe(token);
    expect(signScheduledPayLink(key, series, 4, graceEndsAt)).not.toBe(token);
    expect(verifyScheduledLink(key, 'pay', token, day(2))).toEqual({ ok: true, seriesId: series, occurrence: 3 });
    expect(verifyScheduledLink(key, 'cancel', token, day(2))).toEqual({ ok: false, reason: 'wrong_purpose' });
    expect(verifyScheduledLink(key, 'pay', token, day(9))).toEqual({ ok: false, reason: 'expired' });
  });
});

describe('scheduled series e-mails', () => {
  const base = { campaignTitle: 'Iftar meals', amount: '$15.00', schedule: scheduleWords('en', 'fridays', 4) };

  it('a failed occurrence: the day, a link to pay it until the grace period ends, and the cancel link', () => {
    const mail = renderScheduledNotice({ ...base, language: 'en', event: 'payment_failed', day: 'Friday 8 January 2027', payLink: 'https://ataa.test/scheduled/pay?token=p', payUntil: '15 January 2027', cancelLink: 'https://ataa.test/scheduled/cancel?token=c' });
    expect(mail.subject).toBe('A scheduled gift could not be charged');
    expect(mail.text).toContain('planned for Friday 8 January 2027 (every Friday for 4 weeks)');
    expect(mail.text).toContain('it works until 15 January 2027):\nhttps://ataa.test/scheduled/pay?token=p');
    expect(mail.text).toContain('https://ataa.test/scheduled/cancel?token=c');
    expect(mail.html).toContain('<a href="https://ataa.test/scheduled/pay?token=p">Pay this gift</a>');
    expect(mail.html).toContain('lang="en" dir="ltr"');
  });

  it('stopped (in Arabic, the campaign title isolated, no cancel link) and moved', () => {
    const stopped = renderScheduledNotice({ ...base, language: 'ar', event: 'stopped', reason: 'campaign_closed', schedule: scheduleWords('ar', 'ramadan_last_ten', null), cancelLink: 'https://x' });
    expect(stopped.subject).toBe('توقّفت تبرعاتك المجدولة');
    expect(stopped.text).toContain('«\u2068Iftar meals\u2069»');
    expect(stopped.text).toContain('كل ليلة من العشر الأواخر من رمضان');
    expect(stopped.text).toContain('انتهت الحملة');
    expect(stopped.text).not.toContain('https://x');
    expect(stopped.html).toContain('dir="rtl"');
    const moved = renderScheduledNotice({ ...base, language: 'en', event: 'moved', fromCampaignTitle: 'Old <b>', campaignTitle: 'General fund', cancelLink: 'https://c' });
    expect(moved.text).toContain('“\u2068Old <b>\u2069” has closed');
    expect(moved.html).toContain('Old &lt;b&gt;');
    expect(moved.text).toContain('https://c');
  });

  it('words the schedule in both languages', () => {
    expect(scheduleWords('en', 'fridays', 1)).toBe('every Friday for 1 week');
    expect(scheduleWords('ar', 'fridays', 2)).toBe('كل جمعة لمدة أسبوعين');
    expect(scheduleWords('ar', 'fridays', 4)).toBe('كل جمعة لمدة 4 أسابيع');
    expect(scheduleWords('ar', 'fridays', 12)).toBe('كل جمعة لمدة 12 أسبوعًا');
  });
});
