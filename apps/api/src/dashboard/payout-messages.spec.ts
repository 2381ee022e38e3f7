import { PAYOUT_ERRORS, PAYOUT_MESSAGES } from './payout-messages.js';
import { actorKind, idempotencyKeyOf, payoutAmountOf, payoutPartsOf, readPayoutForm } from './payout-form.js';

const keys = (o: object): string[] => Object.entries(o).flatMap(([k, v]) => (typeof v === 'object' ? keys(v).map((s) => `${k}.${s}`) : [k])).sort();
const leaves = (o: object, prefix = ''): [string, string][] => Object.entries(o).flatMap(([k, v]) => (typeof v === 'object' ? leaves(v, `${prefix}${k}.`) : [[`${prefix}${k}`, v as string]]));
const placeholders = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort();

describe('payout messages', () => {
  it('say the same things in English and Arabic, with the same placeholders', () => {
    expect(keys(PAYOUT_MESSAGES.ar)).toEqual(keys(PAYOUT_MESSAGES.en));
    expect(Object.keys(PAYOUT_ERRORS.ar).sort()).toEqual(Object.keys(PAYOUT_ERRORS.en).sort());
    const ar = new Map([...leaves(PAYOUT_MESSAGES.ar), ...leaves(PAYOUT_ERRORS.ar, 'errors.')]);
    for (const [key, en] of [...leaves(PAYOUT_MESSAGES.en), ...leaves(PAYOUT_ERRORS.en, 'errors.')]) {
      expect([key, placeholders(ar.get(key)!)]).toEqual([key, placeholders(en)]);
      expect([key, ar.get(key)!.trim().length > 0]).toEqual([key, true]);
    }
  });

  it('name every payout status and close-out reason', () => {
    expect(Object.keys(PAYOUT_MESSAGES.en.statuses).sort()).toEqual(['approved', 'cancelled', 'failed', 'paid', 'pending_approval', 'processing', 'rejected', 'reversed']);
    expect(Object.keys(PAYOUT_MESSAGES.en.reasons).sort()).toEqual(['cancelled', 'flexible', 'goal_met', 'goal_missed']);
  });
});

describe('payout form', () => {
  it('reads the amount in the currency\u2019s units into minor units', () => {
    expect(payoutAmountOf('1,250.50', 'usd')).toEqual({ minor: '125050' });
    expect(payoutAmountOf('١٬٥٠٠', 'jpy')).toEqual({ minor: '1500' });
    expect(payoutAmountOf('1.5', 'kwd')).toEqual({ minor: '1500' });
    expect(payoutAmountOf('', 'usd')).toEqual({ error: 'amount_required' });
    expect(payoutAmountOf('12.345', 'usd')).toEqual({ error: 'amount_wrong_precision' });
    expect(payoutAmountOf('ten', 'usd')).toEqual({ error: 'amount_not_integer' });
    expect(payoutAmountOf('0.00', 'usd')).toEqual({ error: 'amount_not_positive' });
  });

  it('sends a submission under its form\u2019s request id; no valid id, no key', () => {
    const values = readPayoutForm({ campaignId: 'c', amount: '5', purpose: 'Books', requestId: '3f2a7b9e-1c4d-4e8f-9a0b-123456789abc', extra: 'x' });
    expect(values).toEqual({ campaignId: 'c', amount: '5', purpose: 'Books', designations: '', requestId: '3f2a7b9e-1c4d-4e8f-9a0b-123456789abc' });
    expect(idempotencyKeyOf(values.requestId)).toBe('dashboard-payout:3f2a7b9e-1c4d-4e8f-9a0b-123456789abc');
    expect(idempotencyKeyOf('')).toBeNull();
    expect(idempotencyKeyOf('not a uuid')).toBeNull();
    expect(readPayoutForm(undefined)).toEqual({ campaignId: '', amount: '', purpose: '', designations: '', requestId: '' });
  });

  it('tells who made a step without showing ids', () => {
    expect(['automatic', 'operator', 'user:1', 'api_key:2', null, 'system:close-out'].map(actorKind)).toEqual(['automatic', 'operator', 'member', 'apiKey', 'system', 'system']);
  });
});

describe('payout form: split across designations', () => {
  it('reads one `code amount` per line into the API\u2019s parts; empty: none', () => {
    expect(payoutPartsOf('', 'usd')).toEqual({ parts: null });
    expect(payoutPartsOf('zakat 40.00\r\n\n General | 1,250.5 ', 'usd')).toEqual({ parts: [{ code: 'zakat', amount: '4000' }, { code: 'general', amount: '125050' }] });
  });

  it('names the problem of a malformed line or amount', () => {
    expect(payoutPartsOf('zakat', 'usd')).toEqual({ error: 'designations_malformed' });
    expect(payoutPartsOf('zakat 40.001', 'usd')).toEqual({ error: 'amount_wrong_precision' });
    expect(payoutPartsOf('zakat 0', 'usd')).toEqual({ error: 'amount_not_positive' });
    expect(payoutPartsOf('zak@t 10', 'usd')).toEqual({ error: 'designations_malformed' });
  });
});
