import { donationFilterOf, filterQuery, parseDay, readDonationFilters, readRefundConfirmation, readRefundForm, refundOf } from './donation-form.js';

const USD = { id: '11111111-1111-4111-8111-111111111111', currency: 'usd' };
const KWD = { id: '22222222-2222-4222-8222-222222222222', currency: 'kwd' };

describe('donation filters', () => {
  const read = (query: Record<string, string>) => readDonationFilters(query);

  it('reads campaign, status, UTC days (the last one included), anonymous, and amounts in the currency of the campaign', () => {
    const { filter, errors } = donationFilterOf(read({ campaign: KWD.id, status: 'refunded', from: '2026-03-01', to: '2026-03-31', anonymous: 'no', min: '1.5', max: '1000' }), [USD, KWD]);
    expect(errors).toEqual({});
    expect(filter).toEqual({
      campaignId: KWD.id, status: ['refunded'], createdFrom: new Date('2026-03-01T00:00:00Z'), createdTo: new Date('2026-04-01T00:00:00Z'),
      anonymous: false, currency: 'kwd', amountMin: 1500n, amountMax: 1_000_000n,
    });
    expect(donationFilterOf(read({ currency: 'USD', max: '12.5', anonymous: 'yes' }), [USD, KWD]).filter).toEqual({ currency: 'usd', amountMax: 1250n, anonymous: true });
    // one currency among the organization's campaigns: amounts need no choice
    expect(donationFilterOf(read({ min: '10' }), [USD]).filter).toEqual({ currency: 'usd', amountMin: 1000n });
    expect(donationFilterOf(read({}), [USD, KWD])).toEqual({ filter: {}, errors: {} });
  });

  it('marks what cannot be read, per field', () => {
    expect(donationFilterOf(read({ campaign: 'not-an-id', status: 'lost', from: '2026-02-30', to: 'soon', anonymous: 'maybe', currency: 'zzz' }), [USD]).errors)
      .toEqual({ campaign: 'invalid_choice', status: 'invalid_choice', from: 'invalid_date', to: 'invalid_date', anonymous: 'invalid_choice', currency: 'invalid_currency' });
    expect(donationFilterOf(read({ campaign: '33333333-3333-4333-8333-333333333333' }), [USD]).errors).toEqual({ campaign: 'invalid_choice' }); // not this organization's
    expect(donationFilterOf(read({ from: '2026-03-02', to: '2026-03-01' }), [USD]).errors).toEqual({ to: 'invalid_date_range' });
    expect(donationFilterOf(read({ min: '5' }), [USD, KWD]).errors).toEqual({ currency: 'amount_needs_currency' });
    expect(donationFilterOf(read({ currency: 'usd', min: '1.234', max: 'x' }), [USD]).errors).toEqual({ min: 'amount_wrong_precision', max: 'amount_not_integer' });
    expect(donationFilterOf(read({ currency: 'usd', min: '50', max: '10' }), [USD]).errors).toEqual({ max: 'invalid_amount_range' });
    expect(parseDay('2024-02-29')).toEqual(new Date('2024-02-29T00:00:00Z'));
    expect(parseDay('2023-02-29')).toBeNull();
  });

  it('writes the filters back as a query string for the next page and the CSV', () => {
    expect(filterQuery(read({ campaign: USD.id, status: '', min: '10 000' }), { cursor: 'abc' })).toBe(`?campaign=${USD.id}&min=10+000&cursor=abc`);
    expect(filterQuery(read({}))).toBe('');
  });
});

describe('refund form', () => {
  it('refunds all that remains, or the amount typed in the currency\u2019s units', () => {
    expect(refundOf(readRefundForm({ kind: 'full' }), 'usd', 2500n)).toEqual({ amount: 2500n, reason: 'requested_by_customer' });
    expect(refundOf(readRefundForm({ kind: 'partial', amount: '12,5', reason: 'duplicate' }), 'usd', 2500n)).toEqual({ amount: 1250n, reason: 'duplicate' });
    expect(refundOf(readRefundForm({ kind: 'partial', amount: '1.250' }), 'kwd', 2500n)).toEqual({ amount: 1250n, reason: 'requested_by_customer' });
  });

  it('marks an amount over what remains, zero, unreadable or missing, and an unknown reason or kind', () => {
    const partial = (amount: string) => refundOf(readRefundForm({ kind: 'partial', amount }), 'usd', 2500n);
    expect(partial('25.01')).toEqual({ errors: { amount: 'refund_exceeds_remaining' } });
    expect(partial('0')).toEqual({ errors: { amount: 'amount_not_positive' } });
    expect(partial('-5')).toEqual({ errors: { amount: 'amount_not_integer' } });
    expect(partial('1.234')).toEqual({ errors: { amount: 'amount_wrong_precision' } });
    expect(partial(' ')).toEqual({ errors: { amount: 'amount_required' } });
    expect(refundOf(readRefundForm({ kind: 'most', reason: 'angry' }), 'usd', 2500n)).toEqual({ errors: { kind: 'invalid_choice', reason: 'invalid_choice' } });
  });

  it('reads the confirmation back only when every hidden field is well formed', () => {
    const key = '5f0e7d2c-1111-4a2b-9c3d-000000000001';
    expect(readRefundConfirmation({ amount: '1500', reason: 'duplicate', key })).toEqual({ amount: 1500n, reason: 'duplicate', key });
    for (const bad of [{ amount: '0', reason: 'duplicate', key }, { amount: '15.00', reason: 'duplicate', key }, { amount: '1500', reason: 'x', key }, { amount: '1500', reason: 'duplicate', key: 'k' }, {}]) {
      expect(readRefundConfirmation(bad)).toBeNull();
    }
  });
});
