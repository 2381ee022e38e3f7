import Stripe from 'stripe';
import { loadConfig } from '@ataa/config';
import { signatureTimestampsAhead, StripeWebhookVerifier, WEBHOOK_TOLERANCE_SECONDS, WebhookSignatureError } from './stripe-webhook-verifier.js';

const SECRET = 'whsec_unit_tests';

describe('StripeWebhookVerifier', () => {
  const stripe = new Stripe('sk_test_x');
  const verifier = new StripeWebhookVerifier(stripe, loadConfig({ NODE_ENV: 'development', STRIPE_WEBHOOK_SECRETS: `whsec_other,${SECRET}` }));
  const body = JSON.stringify({ id: 'evt_unit', object: 'event', type: 'checkout.session.completed', data: { object: {} } });
  const now = () => Math.floor(Date.now() / 1000);
  const sign = (timestamp: number, payload = body) => stripe.webhooks.generateTestHeaderString({ payload, secret: SECRET, timestamp });
  const refusal = (run: () => unknown) => {
    try {
      run();
    } catch (error) {
      return error as WebhookSignatureError;
    }
    throw new Error('expected a refusal');
  };

  it('accepts a signature dated now, a little ago, or a little ahead (clock skew within the tolerance)', () => {
    expect(verifier.verify(body, sign(now())).id).toBe('evt_unit');
    expect(verifier.verify(body, sign(now() - 60)).id).toBe('evt_unit');
    expect(verifier.verify(body, sign(now() + 60)).id).toBe('evt_unit');
  });

  it.each([
    ['stale by more than 300 s', -301],
    ['10 minutes in the future', 600],
    ['a day in the future', 86_400],
  ])('refuses a correctly signed timestamp %s: 400 invalid_signature, outside the tolerance', (_, offset) => {
    const error = refusal(() => verifier.verify(body, sign(now() + offset)));
    expect(error).toBeInstanceOf(WebhookSignatureError);
    expect(error.code).toBe('invalid_signature');
    expect(error.status).toBe(400);
    expect(error.message).toMatch(/outside the tolerance/);
  });

  it('a future timestamp added to a good header does not get through either', () => {
    const good = sign(now());
    expect(() => verifier.verify(body, `t=${now() + 86_400},${good}`)).toThrow(/outside the tolerance/);
    // Stripe's library signs with the last t=, so this one no longer matches: refused all the same.
    expect(() => verifier.verify(body, `${good},t=${now() + 86_400}`)).toThrow(WebhookSignatureError);
  });

  it('a future-dated signature over other bytes is refused as not matching', () => {
    expect(() => verifier.verify(body, sign(now() + 86_400, `${body} `))).toThrow(/does not match/);
  });
});

describe('signatureTimestampsAhead', () => {
  const nowMs = 1_800_000_000_500;
  const nowSeconds = 1_800_000_000;

  it('is true only beyond the tolerance ahead of the clock', () => {
    expect(signatureTimestampsAhead(`t=${nowSeconds},v1=ab`, nowMs)).toBe(false);
    expect(signatureTimestampsAhead(`t=${nowSeconds + WEBHOOK_TOLERANCE_SECONDS},v1=ab`, nowMs)).toBe(false);
    expect(signatureTimestampsAhead(`t=${nowSeconds + WEBHOOK_TOLERANCE_SECONDS + 1},v1=ab`, nowMs)).toBe(true);
    expect(signatureTimestampsAhead(`t=${nowSeconds - 86_400},v1=ab`, nowMs)).toBe(false);
  });

  it('reads every t= of the header, wherever it is, and ignores what is not a timestamp', () => {
    expect(signatureTimestampsAhead(`v1=ab,t=${nowSeconds},v0=cd,t=${nowSeconds + 600}`, nowMs)).toBe(true);
    expect(signatureTimestampsAhead(`v1=ab, t=${nowSeconds + 600}`, nowMs)).toBe(true);
    expect(signatureTimestampsAhead('t=soon,v1=ab', nowMs)).toBe(false);
    expect(signatureTimestampsAhead('v1=ab', nowMs)).toBe(false);
  });
});
