import { routeEvent } from '@ataa/donations';

/** Which events the batch path plans from their own signed data, and which it reads from Stripe. */
describe('routing Stripe events between the batch path and a read', () => {
  const charge = { id: 'ch_1', object: 'charge', status: 'succeeded', paid: true, amount: 5000, currency: 'usd', created: 1_772_359_300, payment_intent: 'pi_1', metadata: { donation_id: 'd1' } };
  const event = (type: string, object: Record<string, unknown>) => ({ type, data: { object } });

  it('a succeeded charge is planned from the event; a balance transaction named by id leaves the fee to the fee sweep', () => {
    expect(routeEvent(event('charge.succeeded', { ...charge, balance_transaction: null }))).toMatchObject({
      kind: 'facts', links: { donationId: 'd1', paymentIntentId: 'pi_1', chargeId: 'ch_1' },
      facts: { charge: { id: 'ch_1', amount: 5000, balance_transaction: null }, refunds: null, disputes: null },
    });
    const updated = routeEvent(event('charge.updated', { ...charge, balance_transaction: 'txn_1' }));
    expect(updated).toMatchObject({ kind: 'facts', facts: { charge: { id: 'ch_1', balance_transaction: null } } });
    expect(updated).not.toHaveProperty('balanceTransactionId');
    // Expanded (as an event never is from Stripe, but a read is): the fee is known from it.
    const bt = { id: 'txn_1', currency: 'usd', amount: 5000, fee: 175, exchange_rate: null, created: 1_772_359_301 };
    expect(routeEvent(event('charge.updated', { ...charge, balance_transaction: bt }))).toMatchObject({ kind: 'facts', facts: { charge: { balance_transaction: bt } } });
  });

  it('a paid session or payment intent says paid, with no charge: the gift is marked paid and awaits its charge event', () => {
    expect(routeEvent(event('checkout.session.completed', { id: 'cs_1', object: 'checkout.session', status: 'complete', payment_status: 'paid', payment_intent: 'pi_1', metadata: {} })))
      .toMatchObject({ kind: 'facts', links: { sessionId: 'cs_1', paymentIntentId: 'pi_1' }, facts: { session: { payment_status: 'paid' }, charge: null } });
    expect(routeEvent(event('payment_intent.succeeded', { id: 'pi_1', object: 'payment_intent', latest_charge: 'ch_1', metadata: {} })))
      .toMatchObject({ kind: 'facts', facts: { session: { payment_status: 'paid' }, charge: null, paymentIntentId: 'pi_1' } });
  });

  it('an unpaid (bank debit) or expired session is planned from the event', () => {
    expect(routeEvent(event('checkout.session.completed', { id: 'cs_1', object: 'checkout.session', status: 'complete', payment_status: 'unpaid', payment_intent: 'pi_1' })))
      .toMatchObject({ kind: 'facts', facts: { session: { status: 'complete', payment_status: 'unpaid' } } });
    expect(routeEvent(event('checkout.session.expired', { id: 'cs_1', object: 'checkout.session', status: 'expired', payment_status: 'unpaid' }))).toMatchObject({ kind: 'facts' });
  });

  it('refunds, disputes, failures, a pending or malformed charge are read', () => {
    for (const e of [
      event('charge.refunded', charge), event('refund.created', { id: 're_1', object: 'refund' }), event('charge.dispute.created', { id: 'dp_1', object: 'dispute' }),
      event('charge.failed', { ...charge, status: 'failed' }), event('charge.updated', { ...charge, status: 'pending' }), event('charge.succeeded', { ...charge, amount: '5000' }),
      event('charge.succeeded', { ...charge, object: 'payment_intent' }),
    ]) expect(routeEvent(e)).toEqual({ kind: 'read' });
  });
});
