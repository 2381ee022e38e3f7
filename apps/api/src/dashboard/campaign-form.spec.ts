import type { Campaign } from '@ataa/campaigns';
import { CAMPAIGN_ERRORS, CAMPAIGN_MESSAGES } from './campaign-messages.js';
import { campaignFormOf, campaignInputOf, emptyCampaignForm, readCampaignForm, toDateTimeLocal } from './campaign-form.js';

const keys = (o: object): string[] => Object.entries(o).flatMap(([k, v]) => (typeof v === 'object' ? keys(v).map((s) => `${k}.${s}`) : [k])).sort();
const leaves = (o: object, prefix = ''): [string, string][] => Object.entries(o).flatMap(([k, v]) => (typeof v === 'object' ? leaves(v, `${prefix}${k}.`) : [[`${prefix}${k}`, v as string]]));

describe('campaign messages', () => {
  it('say the same things in English and Arabic, with the same placeholders', () => {
    expect(keys(CAMPAIGN_MESSAGES.ar)).toEqual(keys(CAMPAIGN_MESSAGES.en));
    expect(Object.keys(CAMPAIGN_ERRORS.ar).sort()).toEqual(Object.keys(CAMPAIGN_ERRORS.en).sort());
    const placeholders = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort();
    const ar = new Map(leaves(CAMPAIGN_MESSAGES.ar));
    for (const [key, en] of leaves(CAMPAIGN_MESSAGES.en)) expect([key, placeholders(ar.get(key)!)]).toEqual([key, placeholders(en)]);
  });
});

describe('campaign form', () => {
  const form = (fields: Record<string, unknown>) => readCampaignForm({ ...emptyCampaignForm('en'), allowAnonymous: 'on', ...fields });

  it('reads amounts in the currency\u2019s units, dates as UTC and one suggested amount per line', () => {
    const { input, errors } = campaignInputOf(form({ title: 'T', currency: 'KWD', goal: '1,250.5', suggestedAmounts: '5\r\n\n10.250\n', endsAt: '2031-02-03T04:05', minimumAmount: '1' }));
    expect(errors).toEqual({});
    expect(input).toMatchObject({ currency: 'kwd', goal: '1250500', suggestedAmounts: ['5000', '10250'], endsAt: '2031-02-03T04:05:00Z', minimumAmount: '1000', allowAnonymous: true, offerCoverFees: false });
    expect(input).not.toHaveProperty('startsAt'); // empty on create: left out
    expect(input).not.toHaveProperty('slug');
  });

  it('marks what cannot be read, per field', () => {
    const { errors } = campaignInputOf(form({ currency: 'usd', goal: '12.345', endsAt: '2031-02-30T10:00', suggestedAmounts: '1\n2\n3\n4\n5\n6\n7', maximumAmount: '0' }));
    expect(errors).toEqual({ goal: 'amount_wrong_precision', endsAt: 'invalid_date', suggestedAmounts: 'too_many_amounts', maximumAmount: 'amount_not_positive' });
    expect(campaignInputOf(form({ currency: 'us', goal: '' })).errors).toEqual({ currency: 'invalid_currency', goal: 'amount_required' });
    expect(campaignInputOf(form({ currency: 'zzz', goal: '5' })).errors).toEqual({ currency: 'unsupported_currency' });
  });

  it('edits a published campaign without its fixed fields, clearing emptied ones and keeping dates typed as shown', () => {
    const startsAt = new Date('2030-01-01T10:00:00.123Z');
    const campaign = {
      title: 'T', slug: 's', summary: '', storyMarkdown: '', language: 'en', currency: 'usd', goalAmount: 500000n, fundingModel: 'flexible', startsAt, endsAt: null,
      suggestedAmounts: [2500n], minimumAmount: 500n, maximumAmount: null, coverImageUrl: null, allowAnonymous: true, offerCoverFees: true, status: 'published', version: 4, category: 'water',
    } as unknown as Campaign;
    const values = campaignFormOf(campaign);
    expect(values).toMatchObject({ goal: '5000.00', suggestedAmounts: '25.00', minimumAmount: '5.00', startsAt: '2030-01-01T10:00', currency: 'USD' });
    const { input, errors } = campaignInputOf({ ...values, minimumAmount: '', goal: '6000' }, campaign);
    expect(errors).toEqual({});
    expect(input).toMatchObject({ category: 'water', goal: '600000', minimumAmount: null, maximumAmount: null, coverImageUrl: null, suggestedAmounts: ['2500'], version: 4 });
    for (const fixed of ['slug', 'currency', 'fundingModel', 'startsAt', 'endsAt']) expect(input).not.toHaveProperty(fixed);
    expect(toDateTimeLocal(new Date('2030-01-01T10:00:30Z'))).toBe('2030-01-01T10:00:30');
  });
});
