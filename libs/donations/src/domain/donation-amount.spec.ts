import { DomainError } from '@ataa/common';
import { assertAcceptsDonations, type DonationCampaign } from '../persistence/campaign-reader.js';
import { type AmountRules, donationAmount } from './donation-amount.js';

const rules = (currency: string, overrides: Partial<AmountRules> = {}): AmountRules => ({
  currency, minimumAmount: null, maximumAmount: null, platformFeeBps: 200, offerCoverFees: true, ...overrides,
});

/** The error code donationAmount throws for `input`, or 'ok'. */
function codeFor(input: string, r: AmountRules, coverFees = false): string {
  try {
    donationAmount(input, coverFees, r);
    return 'ok';
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    expect(error.status).toBe(400);
    return error.code;
  }
}

describe('donationAmount: the amount a donor typed, checked for the currency and the campaign', () => {
  it('parses major units exactly into minor units (USD, JPY, KWD)', () => {
    expect(donationAmount('25.50', false, rules('usd'))).toEqual({ chosen: 2550n, gross: 2550n, coveredFees: 0n });
    expect(donationAmount('25', false, rules('usd')).chosen).toBe(2500n);
    expect(donationAmount('5000', false, rules('jpy')).chosen).toBe(5000n);
    expect(donationAmount('1.250', false, rules('kwd')).chosen).toBe(1250n);
  });

  it.each([
    ['0', 'usd', 'amount_not_positive'],
    ['0.00', 'usd', 'amount_not_positive'],
    ['-5', 'usd', 'amount_not_positive'],
    ['-0.01', 'usd', 'amount_not_positive'],
    ['12.345', 'usd', 'amount_wrong_precision'],
    ['0.001', 'usd', 'amount_wrong_precision'],
    ['1.5', 'jpy', 'amount_wrong_precision'],
    ['100.0', 'jpy', 'amount_wrong_precision'],
    ['1.2345', 'kwd', 'amount_wrong_precision'],
    ['abc', 'usd', 'amount_not_integer'],
    ['1e3', 'usd', 'amount_not_integer'],
    ['', 'usd', 'amount_not_integer'],
    ['0.49', 'usd', 'amount_below_minimum'],
    ['1000000', 'usd', 'amount_above_maximum'],
  ])('refuses %s %s with %s', (input, currency, code) => {
    expect(codeFor(input, rules(currency))).toBe(code);
  });

  it("applies the campaign's own minimum and maximum and names them", () => {
    const limited = rules('usd', { minimumAmount: 1000n, maximumAmount: 50000n });
    expect(codeFor('10.00', limited)).toBe('ok');
    expect(codeFor('500.00', limited)).toBe('ok');
    expect(codeFor('9.99', limited)).toBe('amount_below_minimum');
    expect(codeFor('500.01', limited)).toBe('amount_above_maximum');
    try {
      donationAmount('9.99', false, limited);
    } catch (error) {
      expect((error as DomainError).details).toMatchObject({ currency: 'usd', minimum: '10.00' });
    }
  });

  it('charges the gross-up only when the donor covers fees and the campaign offers it', () => {
    const covered = donationAmount('100.00', true, rules('usd'));
    expect(covered.chosen).toBe(10000n);
    expect(covered.gross).toBeGreaterThan(10000n);
    expect(covered.coveredFees).toBe(covered.gross - covered.chosen);
    expect(donationAmount('100.00', true, rules('usd', { offerCoverFees: false }))).toEqual({ chosen: 10000n, gross: 10000n, coveredFees: 0n });
    expect(donationAmount('100.00', false, rules('usd'))).toEqual({ chosen: 10000n, gross: 10000n, coveredFees: 0n });
  });

  it('keeps a covered KWD gross a multiple of 10 fils (Stripe charges KWD in tens)', () => {
    expect(donationAmount('10.000', true, rules('kwd')).gross % 10n).toBe(0n);
  });

  it('takes ISK in whole krónur and keeps a covered ISK gross a multiple of 100 (two decimals in the API)', () => {
    expect(donationAmount('5000', false, rules('isk')).chosen).toBe(500_000n);
    expect(() => donationAmount('5000.50', false, rules('isk'))).toThrow(expect.objectContaining({ code: 'amount_wrong_precision' }));
    const covered = donationAmount('5000', true, rules('isk'));
    expect(covered.gross % 100n).toBe(0n);
    expect(covered.gross).toBeGreaterThan(covered.chosen);
  });

  it('refuses a covered gross that would exceed what Stripe can charge', () => {
    expect(codeFor('999999.99', rules('usd'), true)).toBe('amount_above_maximum');
  });
});

describe('assertAcceptsDonations: only a published campaign within its dates takes gifts', () => {
  const now = new Date('2026-06-01T00:00:00Z');
  const campaign = (overrides: Partial<DonationCampaign>): DonationCampaign => ({
    id: 'c', organizationId: 'o', slug: 's', title: 't', summary: null, storyHtml: '', coverImageUrl: null, currency: 'usd', goalAmount: 1n,
    suggestedAmounts: [], minimumAmount: null, maximumAmount: null, allowAnonymous: true, offerCoverFees: false, language: 'en',
    platformFeeBps: 200, status: 'published', startsAt: null, endsAt: null, suspensionReason: null, ...overrides,
  } as DonationCampaign);

  it('accepts a published campaign with open dates', () => {
    expect(() => assertAcceptsDonations(campaign({}), now)).not.toThrow();
    expect(() => assertAcceptsDonations(campaign({ startsAt: new Date('2026-01-01'), endsAt: new Date('2027-01-01') }), now)).not.toThrow();
  });

  it.each([
    ['paused', {}],
    ['ended', {}],
    ['draft', {}],
    ['published', { startsAt: new Date('2026-07-01') }],
    ['published', { endsAt: new Date('2026-05-31') }],
  ])('refuses a %s campaign (%j) with 409 campaign_not_accepting_donations', (status, dates) => {
    let thrown: unknown;
    try {
      assertAcceptsDonations(campaign({ status, ...dates } as Partial<DonationCampaign>), now);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(DomainError);
    expect(thrown).toMatchObject({ code: 'campaign_not_accepting_donations', status: 409 });
  });
});

describe('assertAcceptsDonations: a suspended campaign takes no gifts, whatever its status', () => {
  const now = new Date('2026-06-01T00:00:00Z');
  const open = {
    id: 'c', organizationId: 'o', slug: 's', title: 't', summary: '', storyHtml: '', coverImageUrl: null, currency: 'usd', goalAmount: 1n,
    suggestedAmounts: [], minimumAmount: null, maximumAmount: null, allowAnonymous: true, offerCoverFees: false, language: 'en',
    platformFeeBps: 200, status: 'published', startsAt: null, endsAt: null, suspensionReason: null, embedOrigins: [], fundingModel: 'flexible', designations: [],
  } satisfies DonationCampaign;

  it.each(['published', 'paused', 'ended'])('refuses a suspended %s campaign with 409 campaign_suspended', (status) => {
    expect(() => assertAcceptsDonations({ ...open, status, suspensionReason: 'Under review' }, now)).toThrow(expect.objectContaining({ code: 'campaign_suspended', status: 409 }));
  });

  it('takes gifts again once the suspension is lifted', () => {
    expect(() => assertAcceptsDonations(open, now)).not.toThrow();
  });
});
