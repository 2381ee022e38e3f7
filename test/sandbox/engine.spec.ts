import fc from 'fast-check';
import { SandboxClock } from '../../apps/stripe-sandbox/src/core/clock.js';
import { DAY, SandboxEngine } from '../../apps/stripe-sandbox/src/core/engine.js';
import { EventBus } from '../../apps/stripe-sandbox/src/core/event-bus.js';
import { Params } from '../../apps/stripe-sandbox/src/core/params.js';
import { StateStore, StripeObject } from '../../apps/stripe-sandbox/src/core/state-store.js';
import { StripeApiError } from '../../apps/stripe-sandbox/src/core/stripe-error.js';

/** The sandbox core without HTTP: state machines, money and events. */
function world(startMs = Date.UTC(2026, 0, 10, 15, 30)) {
  const store = new StateStore();
  const clock = new SandboxClock(0, () => startMs);
  const events = new EventBus(store, clock);
  const emitted: StripeObject[] = [];
  events.onEvent((e) => emitted.push(e));
  const engine = new SandboxEngine(store, clock, events);
  const session = (amount: number, currency = 'usd') => engine.createCheckoutSession(Params.of({
    mode: 'payment', line_items: [{ quantity: '1', price_data: { currency, unit_amount: String(amount), product_data: { name: 'Gift' } } }],
  }), 'http://sandbox.test');
  const pay = (amount: number, card = '4242424242424242') => {
    const s = session(amount);
    const result = engine.paySession(s.id, { method: 'card', number: card });
    return { session: s, result, charge: result.ok ? store.get(store.get(s.payment_intent)!.latest_charge)! : null };
  };
  return { store, clock, engine, emitted, pay };
}

describe('sandbox engine', () => {
  it('makes card funds available at 00:00 UTC two days after the charge, announcing balance.available', () => {
    const { engine, store, emitted, pay } = world();
    const { charge } = pay(10_000);
    const txn = store.get(charge!.balance_transaction)!;
    expect(txn.available_on).toBe(Date.UTC(2026, 0, 12) / 1000);
    expect(txn.status).toBe('pending');
    engine.advanceClock(DAY);
    expect(store.get(txn.id)!.status).toBe('pending');
    engine.advanceClock(DAY);
    expect(store.get(txn.id)!.status).toBe('available');
    expect(emitted.at(-1)!.type).toBe('balance.available');
    expect(engine.balance().available).toEqual([{ amount: 9_680, currency: 'usd', source_types: { card: 9_680 } }]);
  });

  it('emits a payment in Stripe order with the fee arriving in charge.updated', () => {
    const { emitted, pay } = world();
    pay(2_000);
    expect(emitted.map((e) => e.type)).toEqual(['payment_intent.created', 'charge.succeeded', 'payment_intent.succeeded', 'checkout.session.completed', 'charge.updated']);
    expect(emitted[1].data.object.balance_transaction).toBeNull();
    expect(emitted[4].data.previous_attributes).toEqual({ balance_transaction: null });
  });

  it('keeps refunds, balance transactions and the balance consistent under any sequence of operations', () => {
    type Op = { kind: 'pay'; amount: number } | { kind: 'refund'; pick: number; part: number } | { kind: 'advance'; days: number } | { kind: 'transfer'; amount: number };
    const op = fc.oneof(
      fc.record({ kind: fc.constant('pay' as const), amount: fc.integer({ min: 50, max: 500_000 }) }),
      fc.record({ kind: fc.constant('refund' as const), pick: fc.nat(), part: fc.integer({ min: 1, max: 600_000 }) }),
      fc.record({ kind: fc.constant('advance' as const), days: fc.integer({ min: 0, max: 3 }) }),
      fc.record({ kind: fc.constant('transfer' as const), amount: fc.integer({ min: 1, max: 800_000 }) }),
    );
    fc.assert(fc.property(fc.array(op, { maxLength: 25 }), (ops: Op[]) => {
      const { engine, store, pay } = world();
      const account = engine.createAccount(Params.of({ type: 'express' }));
      engine.completeOnboarding(account.id);
      for (const o of ops) {
        try {
          if (o.kind === 'pay') pay(o.amount);
          else if (o.kind === 'advance') engine.advanceClock(o.days * DAY);
          else if (o.kind === 'refund') {
            const charges = store.all('charge');
            if (charges.length > 0) engine.createRefund(Params.of({ charge: charges[o.pick % charges.length].id, amount: String(o.part) }), { id: null, idempotencyKey: null });
          } else {
            const before = engine.availableBalance('usd');
            try {
              engine.createTransfer(Params.of({ amount: String(o.amount), currency: 'usd', destination: account.id }), { id: null, idempotencyKey: null });
              expect(before).toBeGreaterThanOrEqual(o.amount);
            } catch (error) {
              expect((error as StripeApiError).body.code).toBe('balance_insufficient');
              expect(before).toBeLessThan(o.amount);
            }
          }
        } catch (error) {
          expect((error as StripeApiError).body.code).toMatch(/^(amount_too_large|charge_already_refunded|balance_insufficient)$/);
        }
      }
      for (const charge of store.all('charge')) {
        const refunded = store.all('refund', (r) => r.charge === charge.id).reduce((sum, r) => sum + r.amount, 0);
        expect(charge.amount_refunded).toBe(refunded);
        expect(refunded).toBeLessThanOrEqual(charge.amount);
      }
      const txns = store.all('balance_transaction');
      for (const t of txns) expect(t.net).toBe(t.amount - t.fee);
      const balance = engine.balance();
      const total = (balance.available[0]?.amount ?? 0) + (balance.pending[0]?.amount ?? 0);
      expect(total).toBe(txns.reduce((sum, t) => sum + t.net, 0));
    }), { numRuns: 60 });
  });
});
