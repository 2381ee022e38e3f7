import { checkGeneralFund, planCloseOutMove, type FundCandidate } from './general-fund.js';
import { renderRecurringNotice } from './recurring-notice-mail.js';

const now = new Date('2026-12-05T12:00:00Z');
const org = '11111111-1111-4111-8111-111111111111';
const fund: FundCandidate = { id: 'fund', organizationId: org, currency: 'usd', status: 'published', endsAt: null, suspensionReason: null };
const series = { id: 'g1', organizationId: org, campaignId: 'coats', currency: 'usd', stripeSubscriptionId: 'sub_1' };

describe('checkGeneralFund', () => {
  it('takes the organization\'s own published, open campaign', () => {
    expect(checkGeneralFund(org, fund, now)).toBe(fund);
  });
  it('another organization\'s campaign or none is 404; a draft, ended, past-due or suspended one 422', () => {
    expect(() => checkGeneralFund(org, null, now)).toThrow(expect.objectContaining({ status: 404 }));
    expect(() => checkGeneralFund(org, { ...fund, organizationId: 'other' }, now)).toThrow(expect.objectContaining({ status: 404 }));
    for (const bad of [{ status: 'draft' }, { status: 'ended' }, { endsAt: new Date('2026-12-01T00:00:00Z') }, { suspensionReason: 'fraud review' }]) {
      expect(() => checkGeneralFund(org, { ...fund, ...bad }, now)).toThrow(expect.objectContaining({ code: 'general_fund_not_open', status: 422 }));
    }
  });
});

describe('planCloseOutMove', () => {
  it('moves a live series to an open fund of the same organization and currency, under a key per series and fund', () => {
    expect(planCloseOutMove(series, fund, now)).toEqual({ kind: 'move', toCampaignId: 'fund', idempotencyKey: 'recurring-move:g1:fund', designation: null });
  });
  it('keeps a restricted series restricted: it moves only to a fund that declared its designation', () => {
    const zakat = { code: 'zakat', labelEn: 'Zakat', labelAr: 'الزكاة', zakat: true };
    const general = { code: 'general', labelEn: 'General', labelAr: 'عام', zakat: false };
    const well = { code: 'water-well', labelEn: 'Well', labelAr: 'بئر', zakat: false };
    expect(planCloseOutMove({ ...series, designation: 'zakat' }, { ...fund, designations: [general, zakat] }, now)).toMatchObject({ kind: 'move', designation: 'zakat' });
    // The fund declares no zakat (or nothing at all): zakat money is not turned into general money; the series stops.
    expect(planCloseOutMove({ ...series, designation: 'zakat' }, { ...fund, designations: [general] }, now)).toEqual({ kind: 'stop', why: 'designation_not_in_fund' });
    expect(planCloseOutMove({ ...series, designation: 'zakat' }, fund, now)).toEqual({ kind: 'stop', why: 'designation_not_in_fund' });
    // General money: general where the fund has it, the fund's first declared otherwise, none where the fund declares none.
    expect(planCloseOutMove({ ...series, designation: 'general' }, { ...fund, designations: [zakat, general] }, now)).toMatchObject({ kind: 'move', designation: 'general' });
    expect(planCloseOutMove({ ...series, designation: null }, { ...fund, designations: [well, zakat] }, now)).toMatchObject({ kind: 'move', designation: 'water-well' });
    expect(planCloseOutMove({ ...series, designation: 'general' }, fund, now)).toMatchObject({ kind: 'move', designation: null });
  });
  it('stops it otherwise, saying why', () => {
    expect(planCloseOutMove(series, null, now)).toEqual({ kind: 'stop', why: 'no_fund' });
    expect(planCloseOutMove({ ...series, campaignId: 'fund' }, fund, now)).toEqual({ kind: 'stop', why: 'fund_is_this_campaign' });
    expect(planCloseOutMove(series, { ...fund, organizationId: 'other' }, now)).toEqual({ kind: 'stop', why: 'other_organization' });
    expect(planCloseOutMove(series, { ...fund, currency: 'eur' }, now)).toEqual({ kind: 'stop', why: 'other_currency' });
    expect(planCloseOutMove(series, { ...fund, status: 'ended' }, now)).toEqual({ kind: 'stop', why: 'fund_closed' });
    expect(planCloseOutMove({ ...series, stripeSubscriptionId: null }, fund, now)).toEqual({ kind: 'stop', why: 'not_started' });
  });
});

describe('the moved notice', () => {
  it.each(['en', 'ar'] as const)('%s: names both campaigns, isolated, and how to stop', (language) => {
    const mail = renderRecurringNotice({ language, event: 'moved', campaignTitle: 'General fund', fromCampaignTitle: 'معاطف الشتاء', amount: '$12.00', link: null, reason: null, willRetry: false });
    expect(mail.text).toContain('\u2068General fund\u2069');
    expect(mail.text).toContain('\u2068معاطف الشتاء\u2069');
    expect(mail.text).toContain('$12.00');
    expect(mail.html).toContain(`lang="${language}"`);
    expect(mail.subject).toBe(language === 'en' ? 'Your recurring gift now supports the general fund' : 'تبرعك الدوري يدعم الآن الصندوق العام');
  });
});
