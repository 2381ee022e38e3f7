import { DomainError } from '@ataa/common';
import { acceptsDonations, assertCampaignRules, assertPublishable, CAMPAIGN_STATUSES, CampaignAction, CampaignStatus, nextStatus, slugify } from './campaign-rules.js';

const codeOf = (work: () => unknown): string | null => {
  try {
    work();
    return null;
  } catch (error) {
    return error instanceof DomainError ? error.code : `not a DomainError: ${String(error)}`;
  }
};

const rules = (overrides: Partial<Parameters<typeof assertCampaignRules>[0]> = {}) => ({
  currency: 'usd', goalAmount: 500000n, minimumAmount: null, maximumAmount: null, suggestedAmounts: [], startsAt: null, endsAt: null, ...overrides,
});

describe('slugify', () => {
  it.each([
    ['Clean Water for Al-Mafraq!', 'clean-water-for-al-mafraq'],
    ['  Café   Crème  ', 'cafe-creme'],
    ['Ünïcödé -- and_under_scores', 'unicode-and-under-scores'],
    ['مياه نظيفة', ''],
    ['School 2027: مياه', 'school-2027'],
    ['<script>alert(1)</script>', 'script-alert-1-script'],
  ])('%j -> %j', (title, slug) => {
    expect(slugify(title)).toBe(slug);
  });

  it('caps the length without a trailing hyphen', () => {
    const slug = slugify('word '.repeat(40));
    expect(slug.length).toBeLessThanOrEqual(60);
    expect(slug).not.toMatch(/-$/);
  });
});

describe('lifecycle', () => {
  const allowed: Record<CampaignAction, [CampaignStatus, CampaignStatus][]> = {
    publish: [['draft', 'published']],
    pause: [['published', 'paused']],
    resume: [['paused', 'published']],
    end: [['published', 'ended'], ['paused', 'ended']],
    cancel: [['draft', 'cancelled'], ['published', 'cancelled'], ['paused', 'cancelled']],
  };

  it('allows exactly the lifecycle moves and refuses every other with invalid_transition', () => {
    for (const [action, moves] of Object.entries(allowed) as [CampaignAction, [CampaignStatus, CampaignStatus][]][]) {
      for (const from of CAMPAIGN_STATUSES) {
        const move = moves.find(([f]) => f === from);
        if (move) expect(nextStatus(from, action)).toBe(move[1]);
        else expect(codeOf(() => nextStatus(from, action))).toBe('invalid_transition');
      }
    }
  });

  it('ended and cancelled are final', () => {
    for (const action of ['publish', 'pause', 'resume', 'end', 'cancel'] as const) {
      expect(codeOf(() => nextStatus('ended', action))).toBe('invalid_transition');
      expect(codeOf(() => nextStatus('cancelled', action))).toBe('invalid_transition');
    }
  });
});

describe('amount and date rules', () => {
  it('accepts a valid campaign', () => {
    expect(codeOf(() => assertCampaignRules(rules({ minimumAmount: 500n, maximumAmount: 100000n, suggestedAmounts: [1000n, 5000n] })))).toBeNull();
  });

  it.each([
    ['unsupported currency', rules({ currency: 'xyz' }), 'unsupported_currency'],
    ['goal below the currency minimum', rules({ goalAmount: 49n }), 'amount_below_minimum'],
    ['three-decimal goal not ending in 0', rules({ currency: 'kwd', goalAmount: 100005n }), 'amount_wrong_precision'],
    ['ISK goal with a fraction of a króna', rules({ currency: 'isk', goalAmount: 1_000_050n }), 'amount_wrong_precision'],
    ['UGX goal with a fraction of a shilling', rules({ currency: 'ugx', goalAmount: 5_000_001n }), 'amount_wrong_precision'],
    ['minimum below Stripe minimum', rules({ minimumAmount: 10n }), 'amount_below_minimum'],
    ['maximum above Stripe maximum', rules({ maximumAmount: 100_000_000n }), 'amount_above_maximum'],
    ['minimum above maximum', rules({ minimumAmount: 5000n, maximumAmount: 1000n }), 'invalid_amount_range'],
    ['suggested below minimum', rules({ minimumAmount: 5000n, suggestedAmounts: [1000n] }), 'invalid_amount_range'],
    ['suggested not chargeable', rules({ suggestedAmounts: [10n] }), 'amount_below_minimum'],
    ['duplicate suggested', rules({ suggestedAmounts: [1000n, 1000n] }), 'duplicate_amount'],
    ['end before start', rules({ startsAt: new Date('2030-01-02'), endsAt: new Date('2030-01-01') }), 'invalid_dates'],
    ['end equal to start', rules({ startsAt: new Date('2030-01-01'), endsAt: new Date('2030-01-01') }), 'invalid_dates'],
  ])('refuses %s', (_label, input, code) => {
    expect(codeOf(() => assertCampaignRules(input))).toBe(code);
  });

  it('knows zero-decimal currencies (JPY minimum 50 yen, no fractions exist in minor units)', () => {
    expect(codeOf(() => assertCampaignRules(rules({ currency: 'jpy', goalAmount: 100000n, suggestedAmounts: [500n] })))).toBeNull();
    expect(codeOf(() => assertCampaignRules(rules({ currency: 'jpy', goalAmount: 100000n, suggestedAmounts: [49n] })))).toBe('amount_below_minimum');
  });
});

describe('publishing and accepting donations', () => {
  const now = new Date('2030-06-01T00:00:00Z');
  it('needs an end date in the future, and one at all for all-or-nothing', () => {
    expect(codeOf(() => assertPublishable({ fundingModel: 'flexible', endsAt: null, title: 't' }, now))).toBeNull();
    expect(codeOf(() => assertPublishable({ fundingModel: 'flexible', endsAt: new Date('2030-05-01'), title: 't' }, now))).toBe('campaign_end_in_past');
    expect(codeOf(() => assertPublishable({ fundingModel: 'all_or_nothing', endsAt: null, title: 't' }, now))).toBe('end_date_required');
  });

  it('accepts donations only while published and within its dates', () => {
    expect(acceptsDonations({ status: 'published', startsAt: null, endsAt: null }, now)).toBe(true);
    expect(acceptsDonations({ status: 'paused', startsAt: null, endsAt: null }, now)).toBe(false);
    expect(acceptsDonations({ status: 'draft', startsAt: null, endsAt: null }, now)).toBe(false);
    expect(acceptsDonations({ status: 'published', startsAt: new Date('2030-07-01'), endsAt: null }, now)).toBe(false);
    expect(acceptsDonations({ status: 'published', startsAt: null, endsAt: new Date('2030-06-01T00:00:00Z') }, now)).toBe(false);
  });
});
