import qs from 'qs';
import Stripe from 'stripe';
import { Params } from '../../apps/stripe-sandbox/src/core/params.js';
import { expand } from '../../apps/stripe-sandbox/src/core/expand.js';
import { StripeApiError } from '../../apps/stripe-sandbox/src/core/stripe-error.js';
import { signPayload } from '../../apps/stripe-sandbox/src/webhooks/signature.js';
import { authenticate, QS_OPTIONS } from '../../apps/stripe-sandbox/src/http/wire.js';

const errorOf = (work: () => unknown) => {
  try {
    work();
  } catch (error) {
    return (error as StripeApiError).toJSON().error;
  }
  throw new Error('expected an error');
};

describe('sandbox wire format', () => {
  it('parses Stripe bracket notation, including indexed arrays past qs defaults', () => {
    const body = [
      'line_items[0][price_data][unit_amount]=1000', 'line_items[0][price_data][product_data][name]=Gift', 'metadata[campaign]=c1',
      'expand[0]=payment_intent', 'expand[1]=payment_intent.latest_charge', ...Array.from({ length: 30 }, (_, i) => `payment_method_types[${i}]=card`),
    ].join('&');
    const parsed = qs.parse(body, QS_OPTIONS) as Record<string, unknown>;
    const p = Params.of(parsed);
    expect(p.objects('line_items')![0].object('price_data')!.integer('unit_amount')).toBe(1_000);
    expect(p.metadata()).toEqual({ campaign: 'c1' });
    expect(p.expand()).toEqual(['payment_intent', 'payment_intent.latest_charge']);
    expect(p.strings('payment_method_types')).toHaveLength(30);
  });

  it('names nested parameters in errors the way Stripe does', () => {
    const p = Params.of({ line_items: [{ price_data: { unit_amount: '-5' } }] });
    const item = p.objects('line_items')![0].object('price_data')!;
    expect(errorOf(() => item.integer('unit_amount', { min: 0 }))).toMatchObject({ type: 'invalid_request_error', code: 'parameter_invalid_integer', param: 'line_items[0][price_data][unit_amount]' });
    expect(errorOf(() => item.string('currency', { required: true }))).toMatchObject({ code: 'parameter_missing', param: 'line_items[0][price_data][currency]', message: 'Missing required param: line_items[0][price_data][currency].' });
    expect(errorOf(() => Params.of({ amount: '1.5' }).integer('amount'))).toMatchObject({ code: 'parameter_invalid_integer' });
    // Parameters Stripe does not know are refused earlier (validateParams); allow() names what the sandbox does not model, without a Stripe code.
    expect(errorOf(() => Params.of({ x: '1' }).allow(['y']))).toMatchObject({ type: 'invalid_request_error', param: 'x', message: 'The Stripe sandbox does not model the parameter x (Stripe accepts it).' });
    expect(errorOf(() => Params.of({ x: '1' }).allow(['y']))).not.toHaveProperty('code');
    expect(errorOf(() => Params.of({ currency: 'abc' }).currency('currency'))).toMatchObject({ param: 'currency' });
    expect(errorOf(() => Params.of({ metadata: { ['k'.repeat(41)]: 'v' } }).metadata())).toMatchObject({ type: 'invalid_request_error', param: `metadata[${'k'.repeat(41)}]` });
  });

  it('expands ids into objects, through lists, and refuses fields that are not references', () => {
    const objects: Record<string, Record<string, unknown>> = {
      pi_1: { id: 'pi_1', object: 'payment_intent', latest_charge: 'ch_1' },
      ch_1: { id: 'ch_1', object: 'charge', balance_transaction: 'txn_1' },
      txn_1: { id: 'txn_1', object: 'balance_transaction', fee: 320 },
    };
    const session = { id: 'cs_1', object: 'checkout.session', payment_intent: 'pi_1', customer: null, url: 'https://x' };
    const expanded = expand(structuredClone(session), ['payment_intent.latest_charge.balance_transaction', 'customer'], (id) => objects[id]);
    expect(expanded).toMatchObject({ payment_intent: { latest_charge: { balance_transaction: { fee: 320 } } }, customer: null });
    expect(objects.pi_1.latest_charge).toBe('ch_1');
    const list = expand({ object: 'list', data: [structuredClone(objects.ch_1)] }, ['data.balance_transaction'], (id) => objects[id]);
    expect(list.data[0].balance_transaction).toMatchObject({ id: 'txn_1' });
    expect(errorOf(() => expand(structuredClone(session), ['url'], (id) => objects[id]))).toMatchObject({ param: 'expand' });
  });

  it('signs payloads exactly like Stripe (verified by the stripe package)', () => {
    const payload = JSON.stringify({ id: 'evt_1', object: 'event', type: 'charge.succeeded' });
    const now = Math.floor(Date.now() / 1000);
    const header = signPayload(payload, 'whsec_abc', now);
    expect(header).toMatch(new RegExp(`^t=${now},v1=[0-9a-f]{64}$`));
    expect(Stripe.webhooks.constructEvent(payload, header, 'whsec_abc').id).toBe('evt_1');
    expect(Stripe.webhooks.generateTestHeaderString({ payload, secret: 'whsec_abc', timestamp: now })).toBe(header);
    expect(() => Stripe.webhooks.constructEvent(payload, signPayload(payload, 'whsec_abc', now - 301), 'whsec_abc', 300)).toThrow(/Timestamp outside the tolerance zone/);
  });

  it('accepts test keys only', () => {
    expect(authenticate('Bearer sk_test_123', undefined)).toBe('sk_test_123');
    expect(authenticate(`Basic ${Buffer.from('sk_test_abc:').toString('base64')}`, undefined)).toBe('sk_test_abc');
    expect(() => authenticate(undefined, undefined)).toThrow(StripeApiError);
    expect(() => authenticate('Bearer sk_live_123', undefined)).toThrow(/only accepts test mode keys/);
    expect(() => authenticate('Bearer sk_test_other', ['sk_test_123'])).toThrow(/Invalid API Key provided: sk_test_/);
  });
});
