import { assertTermsChange, CampaignTerms, MAX_END_EXTENSION_MS, termChanges, TermsLock } from './campaign-rules.js';

const now = new Date('2026-06-01T12:00:00.000Z');
const day = 86_400_000;
const at = (days: number) => new Date(now.getTime() + days * day);
const terms = (over: Partial<CampaignTerms> = {}): CampaignTerms => ({ fundingModel: 'all_or_nothing', goalAmount: 100_000n, startsAt: null, endsAt: at(10), ...over });
const gifts = (over: Partial<TermsLock> = {}): TermsLock => ({ hasGifts: true, endsAtAtFirstGift: at(10), endExtensions: 0, ...over });
const noGifts: TermsLock = { hasGifts: false, endsAtAtFirstGift: null, endExtensions: 0 };
const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return { code: (error as { code?: string }).code, status: (error as { status?: number }).status, ...((error as { details?: object }).details ?? {}) };
  }
  return null;
};

describe('campaign terms after the first gift', () => {
  it('lists the changes in the public ledger order, amounts and dates as text', () => {
    expect(termChanges(terms(), terms({ endsAt: at(12), goalAmount: 120_000n }))).toEqual([
      { field: 'goal', from: '100000', to: '120000' },
      { field: 'endsAt', from: at(10).toISOString(), to: at(12).toISOString() },
    ]);
    expect(termChanges(terms(), terms({ endsAt: new Date(at(10).getTime()) }))).toEqual([]);
  });

  it('before any gift, anything the other rules allow goes (and is still reported)', () => {
    expect(assertTermsChange(terms(), terms({ goalAmount: 50_000n, fundingModel: 'flexible', endsAt: at(1) }), noGifts, now).changes).toHaveLength(3);
  });

  it('refuses lowering an all-or-nothing goal, and allows raising it', () => {
    expect(refusal(() => assertTermsChange(terms(), terms({ goalAmount: 99_999n }), gifts(), now)))
      .toEqual({ code: 'campaign_terms_locked', status: 409, field: 'goal', rule: 'goal_not_lowered', from: '100000', to: '99999' });
    expect(assertTermsChange(terms(), terms({ goalAmount: 150_000n }), gifts(), now)).toEqual({ changes: [{ field: 'goal', from: '100000', to: '150000' }], endExtended: false });
  });

  it('lets a flexible goal move either way (it decides nothing)', () => {
    expect(assertTermsChange(terms({ fundingModel: 'flexible' }), terms({ fundingModel: 'flexible', goalAmount: 10_000n }), gifts(), now).changes).toHaveLength(1);
  });

  it('fixes the funding model and the start date', () => {
    expect(refusal(() => assertTermsChange(terms(), terms({ fundingModel: 'flexible' }), gifts(), now))).toMatchObject({ field: 'fundingModel', rule: 'funding_model_fixed' });
    expect(refusal(() => assertTermsChange(terms(), terms({ startsAt: at(2) }), gifts(), now))).toMatchObject({ field: 'startsAt', rule: 'start_date_fixed' });
  });

  it('moves the end date only later, at most twice, at most 60 days in all, never to less than 24 hours from now', () => {
    expect(refusal(() => assertTermsChange(terms(), terms({ endsAt: at(9) }), gifts(), now))).toMatchObject({ field: 'endsAt', rule: 'end_date_not_earlier' });
    expect(assertTermsChange(terms(), terms({ endsAt: at(20) }), gifts(), now)).toMatchObject({ endExtended: true });
    // second extension, from an end already moved once
    expect(assertTermsChange(terms({ endsAt: at(20) }), terms({ endsAt: at(30) }), gifts({ endExtensions: 1 }), now)).toMatchObject({ endExtended: true });
    // a third is refused
    expect(refusal(() => assertTermsChange(terms({ endsAt: at(30) }), terms({ endsAt: at(31) }), gifts({ endExtensions: 2 }), now)))
      .toMatchObject({ rule: 'end_date_extension_limit', extensions: 2, maxExtensions: 2 });
    // 60 days from the end date the first gift saw, exactly, is allowed; one millisecond more is not
    const limit = new Date(at(10).getTime() + MAX_END_EXTENSION_MS);
    expect(assertTermsChange(terms({ endsAt: at(20) }), terms({ endsAt: limit }), gifts({ endExtensions: 1 }), now).endExtended).toBe(true);
    expect(refusal(() => assertTermsChange(terms({ endsAt: at(20) }), terms({ endsAt: new Date(limit.getTime() + 1) }), gifts({ endExtensions: 1 }), now)))
      .toMatchObject({ rule: 'end_date_extension_limit', latest: limit.toISOString() });
    // an end date 2 hours away moved 20 hours later is still less than 24 hours away
    const soon = new Date(now.getTime() + 2 * 3_600_000);
    expect(refusal(() => assertTermsChange(terms({ endsAt: soon }), terms({ endsAt: new Date(soon.getTime() + 20 * 3_600_000) }), gifts({ endsAtAtFirstGift: soon }), now)))
      .toMatchObject({ rule: 'end_date_too_soon' });
    // an end date cannot be removed or added
    expect(refusal(() => assertTermsChange(terms(), terms({ endsAt: null }), gifts(), now))).toMatchObject({ rule: 'end_date_extension_limit' });
    expect(refusal(() => assertTermsChange(terms({ fundingModel: 'flexible', endsAt: null }), terms({ fundingModel: 'flexible', endsAt: at(5) }), gifts({ endsAtAtFirstGift: null }), now)))
      .toMatchObject({ rule: 'end_date_not_earlier' });
  });
});
