import { canTransition, ERASURE_STEPS, linkState, nextAction, remainingSteps, retainUntil } from './erasure-request.js';
import { deriveErasureKey, donorEmailHash, signErasureToken, verifyErasureToken } from './erasure-token.js';
import { scrubStripePayload } from './stripe-payload-scrub.js';

const key = deriveErasureKey('a-test-secret-of-at-least-thirty-two-characters');
const requestId = '0b9f1f0e-58a6-4a7f-9a55-2f6f0b7b2d11';
const now = new Date('2030-01-01T00:00:00Z');
const inOneHour = new Date(now.getTime() + 3_600_000);

describe('erasure request state machine', () => {
  it('moves forward only: awaiting -> confirmed -> completed, awaiting -> expired', () => {
    expect(canTransition('awaiting_confirmation', 'confirmed')).toBe(true);
    expect(canTransition('awaiting_confirmation', 'expired')).toBe(true);
    expect(canTransition('confirmed', 'completed')).toBe(true);
    expect(canTransition('completed', 'confirmed')).toBe(false);
    expect(canTransition('expired', 'confirmed')).toBe(false);
    expect(canTransition('confirmed', 'awaiting_confirmation')).toBe(false);
    expect(canTransition('completed', 'completed')).toBe(false);
  });

  it('runs the steps in order, resuming after the last one done', () => {
    expect(nextAction('confirmed', [])).toEqual({ action: 'run', step: 'cancel_recurring_gifts' });
    expect(nextAction('confirmed', ['cancel_recurring_gifts'])).toEqual({ action: 'run', step: 'erase_stripe_customers' });
    expect(nextAction('confirmed', ['erase_stripe_customers', 'cancel_recurring_gifts'])).toEqual({ action: 'run', step: 'erase_records' });
    expect(nextAction('confirmed', [...ERASURE_STEPS])).toEqual({ action: 'complete' });
    expect(remainingSteps(['erase_records'])).toEqual(['cancel_recurring_gifts', 'erase_stripe_customers']);
  });

  it('does nothing for a request that is completed, expired or not confirmed', () => {
    expect(nextAction('completed', [...ERASURE_STEPS])).toEqual({ action: 'nothing', reason: 'completed' });
    expect(nextAction('expired', [])).toEqual({ action: 'nothing', reason: 'expired' });
    expect(nextAction('awaiting_confirmation', [])).toEqual({ action: 'nothing', reason: 'not_confirmed' });
  });

  it('lets a link be used once, before it expires', () => {
    expect(linkState({ state: 'awaiting_confirmation', expiresAt: inOneHour }, now)).toBe('usable');
    expect(linkState({ state: 'awaiting_confirmation', expiresAt: now }, now)).toBe('expired');
    expect(linkState({ state: 'confirmed', expiresAt: inOneHour }, now)).toBe('used');
    expect(linkState({ state: 'completed', expiresAt: inOneHour }, now)).toBe('used');
    expect(linkState({ state: 'expired', expiresAt: inOneHour }, now)).toBe('expired');
  });

  it('keeps accounting facts for the configured number of days', () => {
    expect(retainUntil(now, 3650).toISOString()).toBe('2039-12-30T00:00:00.000Z');
  });
});

describe('erasure link token', () => {
  it('verifies a token it signed and gives back the request and expiry', () => {
    const token = signErasureToken(key, requestId, inOneHour);
    expect(verifyErasureToken(key, token, now)).toEqual({ ok: true, requestId, expiresAt: inOneHour });
  });

  it('refuses a forged token: another key, another request id, a changed expiry or MAC', () => {
    const token = signErasureToken(key, requestId, inOneHour);
    const [id, seconds, mac] = token.split('.');
    expect(verifyErasureToken(deriveErasureKey('another-secret-of-at-least-thirty-two-chars'), token, now)).toEqual({ ok: false, reason: 'forged' });
    expect(verifyErasureToken(key, `${id.replace(/^0/, '1')}.${seconds}.${mac}`, now)).toEqual({ ok: false, reason: 'forged' });
    expect(verifyErasureToken(key, `${id}.${Number(seconds) + 86_400}.${mac}`, now)).toEqual({ ok: false, reason: 'forged' });
    const flipped = (mac[0] === 'A' ? 'B' : 'A') + mac.slice(1);
    expect(verifyErasureToken(key, `${id}.${seconds}.${flipped}`, now)).toEqual({ ok: false, reason: 'forged' });
  });

  it('takes only the canonical spelling of the MAC (its last character\'s two padding bits set are another token)', () => {
    const token = signErasureToken(key, requestId, inOneHour);
    const [id, seconds, mac] = token.split('.');
    const last = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const padded = mac.slice(0, -1) + last[last.indexOf(mac.at(-1)!) ^ 1];
    // the same 32 bytes, spelt differently
    expect(Buffer.from(padded, 'base64url').equals(Buffer.from(mac, 'base64url'))).toBe(true);
    expect(verifyErasureToken(key, `${id}.${seconds}.${padded}`, now)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('refuses an expired token even with a good MAC', () => {
    const token = signErasureToken(key, requestId, new Date(now.getTime() - 1000));
    expect(verifyErasureToken(key, token, now)).toEqual({ ok: false, reason: 'expired' });
  });

  it('refuses malformed tokens without throwing', () => {
    for (const bad of [undefined, 42, '', 'a.b.c', `${requestId}.123`, `${requestId}.x.${'A'.repeat(43)}`, 'x'.repeat(500)]) {
      expect(verifyErasureToken(key, bad, now)).toEqual({ ok: false, reason: 'malformed' });
    }
  });

  it('hashes addresses case- and space-insensitively, keyed', () => {
    expect(donorEmailHash(key, ' Donor@Example.org ')).toBe(donorEmailHash(key, 'donor@example.org'));
    expect(donorEmailHash(key, 'donor@example.org')).toMatch(/^[0-9a-f]{64}$/);
    expect(donorEmailHash(deriveErasureKey('another-secret-of-at-least-thirty-two-chars'), 'donor@example.org')).not.toBe(donorEmailHash(key, 'donor@example.org'));
  });
});

describe('scrubStripePayload', () => {
  it('nulls the personal fields of sessions, charges and customers, keeping ids and amounts', () => {
    const event = {
      id: 'evt_1', type: 'checkout.session.completed',
      data: {
        object: {
          id: 'cs_test_1', object: 'checkout.session', amount_total: 2500, customer: 'cus_1', customer_email: 'd@example.org',
          customer_details: { email: 'd@example.org', name: 'Dana Donor', address: null },
          line_items: [{ description: 'Campaign title' }],
        },
        previous_attributes: { billing_details: { name: 'Dana' } },
      },
    };
    const { payload, changed } = scrubStripePayload(event);
    expect(changed).toBe(true);
    expect(JSON.stringify(payload)).not.toMatch(/Dana|d@example\.org/);
    expect(payload.data.object).toMatchObject({ id: 'cs_test_1', amount_total: 2500, customer: 'cus_1', customer_email: null, customer_details: null });
    expect(payload.data.object.line_items[0].description).toBe('Campaign title');
    const customer = scrubStripePayload({ object: 'customer', id: 'cus_1', name: 'Dana', email: 'd@example.org', metadata: {} });
    expect(customer.payload).toEqual({ object: 'customer', id: 'cus_1', name: null, email: null, metadata: {} });
  });

  it('reports no change for a payload without personal data (a second scrub)', () => {
    const once = scrubStripePayload({ object: 'charge', id: 'ch_1', billing_details: { name: 'X' } }).payload;
    expect(scrubStripePayload(once)).toEqual({ payload: once, changed: false });
  });
});
