import fc from 'fast-check';
import {
  differenceKey, LedgerFact, movementsOf, planDifferences, reconcile, RECONCILED_KINDS, StripeMovement, type Difference, type ReconciledKind,
} from './reconcile.js';

const T0 = new Date('2026-01-01T00:00:00Z');
const LATER = new Date('2026-01-02T00:00:00Z');
const opts = { inFlightAfter: LATER };

const movement = (kind: ReconciledKind, stripeId: string, amount: bigint, extra: Partial<StripeMovement> = {}): StripeMovement => ({
  kind, stripeId, amount, currency: 'usd', createdAt: T0, balanceTransactionId: null, chargeId: null, campaignId: null, pending: false, ...extra,
});
let entrySeq = 0;
const factFor = (m: StripeMovement, extra: Partial<LedgerFact> = {}): LedgerFact => ({
  entryId: `e${++entrySeq}`, kind: m.kind, stripeId: m.stripeId, amount: m.amount, currency: m.currency, campaignId: 'c1', occurredAt: m.createdAt, ...extra,
});

describe('movementsOf (a Stripe balance transaction as ledger facts)', () => {
  const bt = { id: 'txn_1', currency: 'usd', created: 1_767_225_600 };

  it('a charge is the gross under the charge id and the fee under the balance transaction id', () => {
    const out = movementsOf({ ...bt, amount: 10_000, fee: 320, type: 'charge', reporting_category: 'charge', source: 'ch_1' });
    expect(out.map((m) => [m.kind, m.stripeId, m.amount, m.chargeId])).toEqual([['donation', 'ch_1', 10_000n, 'ch_1'], ['processing_fee', 'txn_1', -320n, 'ch_1']]);
    expect(out[0].createdAt).toEqual(new Date(1_767_225_600_000));
  });

  it('a refund, a dispute and its reinstatement, a transfer and its reversal', () => {
    const refund = movementsOf({ ...bt, amount: -2_000, fee: 0, type: 'refund', reporting_category: 'refund', source: { id: 're_1', object: 'refund', status: 'succeeded', charge: 'ch_1' } });
    expect(refund).toEqual([expect.objectContaining({ kind: 'refund', stripeId: 're_1', amount: -2_000n, chargeId: 'ch_1', pending: false })]);
    const pending = movementsOf({ ...bt, amount: -2_000, fee: 0, type: 'refund', reporting_category: 'refund', source: { id: 're_2', object: 'refund', status: 'pending' } });
    expect(pending[0].pending).toBe(true);
    const failed = movementsOf({ ...bt, amount: -2_000, fee: 0, type: 'refund', reporting_category: 'refund', source: { id: 're_3', object: 'refund', status: 'failed' } });
    expect(failed).toEqual([]);
    const dispute = movementsOf({ ...bt, amount: -5_000, fee: 1_500, type: 'adjustment', reporting_category: 'dispute', source: 'dp_1' });
    expect(dispute.map((m) => [m.kind, m.stripeId, m.amount])).toEqual([['dispute', 'dp_1', -5_000n], ['dispute_fee', 'dp_1', -1_500n]]);
    const won = movementsOf({ ...bt, amount: 5_000, fee: -1_500, type: 'adjustment', reporting_category: 'dispute_reversal', source: 'dp_1' });
    expect(won.map((m) => [m.kind, m.amount])).toEqual([['dispute_reversal', 5_000n], ['dispute_fee_refund', 1_500n]]);
    expect(movementsOf({ ...bt, amount: -700, fee: 0, type: 'transfer', reporting_category: 'transfer', source: 'tr_1' }).map((m) => [m.kind, m.stripeId, m.amount]))
      .toEqual([['payout', 'tr_1', -700n]]);
    expect(movementsOf({ ...bt, amount: 300, fee: 0, type: 'transfer_refund', reporting_category: 'transfer_reversal', source: 'trr_1' }).map((m) => [m.kind, m.amount]))
      .toEqual([['payout_reversal', 300n]]);
  });

  it('a gift\'s charge names its campaign (metadata, else transfer group) before any entry exists; other text is ignored', () => {
    const campaignId = '7d0c6b1e-5a4f-4c1e-9d1a-2b3c4d5e6f70';
    const withMetadata = movementsOf({ ...bt, amount: 1_000, fee: 59, type: 'charge', reporting_category: 'charge', source: { id: 'ch_1', object: 'charge', metadata: { campaign_id: campaignId } } });
    expect(withMetadata.map((m) => m.campaignId)).toEqual([campaignId, campaignId]);
    const withGroup = movementsOf({ ...bt, amount: 1_000, fee: 0, type: 'charge', reporting_category: 'charge', source: { id: 'ch_2', object: 'charge', transfer_group: campaignId } });
    expect(withGroup[0].campaignId).toBe(campaignId);
    const other = movementsOf({ ...bt, amount: 1_000, fee: 0, type: 'charge', reporting_category: 'charge', source: { id: 'ch_3', object: 'charge', transfer_group: 'order-42' } });
    expect(other[0].campaignId).toBeNull();
  });

  it('movements the ledger does not track (bank payouts of the platform) are ignored', () => {
    expect(movementsOf({ ...bt, amount: -9_000, fee: 0, type: 'payout', reporting_category: 'payout', source: 'po_1' })).toEqual([]);
    expect(movementsOf({ ...bt, amount: 10_000, fee: 0, type: 'charge', reporting_category: 'charge', source: null })).toEqual([]);
  });
});

describe('reconcile', () => {
  it('matched facts are no difference', () => {
    const ms = [movement('donation', 'ch_1', 10_000n), movement('processing_fee', 'txn_1', -320n), movement('refund', 're_1', -2_000n)];
    expect(reconcile(ms, ms.map((m) => factFor(m)), opts)).toEqual({ matched: 3, inFlight: 0, inFlightKeys: [], differences: [] });
  });

  it('a movement without an entry is missing in the ledger, unless it is younger than the grace window or pending', () => {
    const old = movement('refund', 're_1', -2_000n, { chargeId: 'ch_1', campaignId: 'c9' });
    const young = movement('refund', 're_2', -2_000n, { createdAt: new Date(LATER.getTime() + 1) });
    const pending = movement('refund', 're_3', -2_000n, { pending: true });
    const r = reconcile([old, young, pending], [], opts);
    expect(r.inFlight).toBe(2);
    expect(r.differences).toEqual([expect.objectContaining({
      kind: 'missing_in_ledger', movementKind: 'refund', stripeId: 're_1', stripeAmount: -2_000n, ledgerAmount: null, ledgerEntryIds: [], campaignId: 'c9',
    })]);
  });

  it('an entry Stripe does not know is missing on Stripe', () => {
    const ghost = factFor(movement('payout', 'tr_ghost', -500n));
    expect(reconcile([], [ghost], opts).differences).toEqual([expect.objectContaining({
      kind: 'missing_on_stripe', stripeId: 'tr_ghost', ledgerAmount: -500n, stripeAmount: null, ledgerEntryIds: [ghost.entryId], campaignId: 'c1',
    })]);
  });

  it('an entry younger than the grace window with no movement yet is in flight, not missing on Stripe', () => {
    const late = factFor(movement('donation', 'ch_late', 10_000n), { occurredAt: new Date(LATER.getTime() + 1) });
    expect(reconcile([], [late], opts)).toEqual({ matched: 0, inFlight: 1, inFlightKeys: ['donation|ch_late'], differences: [] });
  });

  it('another amount or currency is an amount mismatch; two entries for one movement a duplicate', () => {
    const m1 = movement('donation', 'ch_1', 10_000n);
    const m2 = movement('payout', 'tr_1', -700n);
    const m3 = movement('donation', 'ch_2', 500n);
    const dup1 = factFor(m2);
    const dup2 = factFor(m2);
    const r = reconcile([m1, m2, m3], [factFor(m1, { amount: 9_999n }), dup1, dup2, factFor(m3, { currency: 'eur' })], opts);
    expect(r.matched).toBe(0);
    expect(r.differences).toEqual([
      expect.objectContaining({ kind: 'amount_mismatch', stripeId: 'ch_1', stripeAmount: 10_000n, ledgerAmount: 9_999n }),
      expect.objectContaining({ kind: 'duplicate', stripeId: 'tr_1', ledgerEntryIds: [dup1.entryId, dup2.entryId].sort(), ledgerAmount: -1_400n }),
      expect.objectContaining({ kind: 'amount_mismatch', stripeId: 'ch_2', details: expect.objectContaining({ ledgerCurrency: 'eur' }) }),
    ]);
  });

  it('the same entry read twice (by id and by window) counts once', () => {
    const m = movement('donation', 'ch_1', 10_000n);
    const f = factFor(m);
    expect(reconcile([m, m], [f, f], opts)).toEqual({ matched: 1, inFlight: 0, inFlightKeys: [], differences: [] });
  });

  describe('property: a ledger built from the movements', () => {
    const kinds = fc.constantFrom(...RECONCILED_KINDS);
    const movements = fc.uniqueArray(
      fc.record({ kind: kinds, id: fc.integer({ min: 1, max: 10_000 }), amount: fc.bigInt({ min: -1_000_000n, max: 1_000_000n }).filter((a) => a !== 0n) }),
      { minLength: 1, maxLength: 30, selector: (r) => `${r.kind}|${r.id}` },
    ).map((rs) => rs.map((r) => movement(r.kind, `obj_${r.id}`, r.amount)));

    it('reconciles with no difference', () => {
      fc.assert(fc.property(movements, (ms) => {
        const r = reconcile(ms, ms.map((m) => factFor(m)), opts);
        return r.differences.length === 0 && r.matched === ms.length;
      }));
    });

    it('removing, duplicating or altering one entry (or adding a stray one) yields exactly that difference', () => {
      const change = fc.constantFrom('remove', 'duplicate', 'alter', 'stray');
      fc.assert(fc.property(movements, fc.nat(), change, fc.bigInt({ min: 1n, max: 1_000n }), (ms, pick, what, delta) => {
        const facts = ms.map((m) => factFor(m));
        const i = pick % ms.length;
        const target = ms[i];
        let expected: Partial<Difference>;
        if (what === 'remove') {
          facts.splice(i, 1);
          expected = { kind: 'missing_in_ledger', stripeId: target.stripeId, stripeAmount: target.amount, ledgerAmount: null };
        } else if (what === 'duplicate') {
          facts.push(factFor(target));
          expected = { kind: 'duplicate', stripeId: target.stripeId, ledgerAmount: target.amount * 2n };
        } else if (what === 'alter') {
          facts[i] = { ...facts[i], amount: facts[i].amount + delta };
          expected = { kind: 'amount_mismatch', stripeId: target.stripeId, stripeAmount: target.amount, ledgerAmount: target.amount + delta };
        } else {
          const stray = factFor(movement(target.kind, 'obj_stray', delta));
          facts.push(stray);
          expected = { kind: 'missing_on_stripe', stripeId: 'obj_stray', ledgerAmount: delta, ledgerEntryIds: [stray.entryId] };
        }
        const r = reconcile(ms, facts, opts);
        expect(r.differences).toHaveLength(1);
        expect(r.differences[0]).toMatchObject({ ...expected, movementKind: target.kind });
        expect(r.matched).toBe(what === 'stray' ? ms.length : ms.length - 1);
      }));
    });
  });
});

describe('reconcile: every succeeded charge has its gift posted within the posting deadline', () => {
  const NOW = new Date('2026-01-01T12:00:00Z');
  const minutesAgo = (n: number) => new Date(NOW.getTime() - n * 60_000);
  // As the service calls it: grace window 1 hour, posting deadline 10 minutes.
  const options = { inFlightAfter: minutesAgo(60), postedBy: minutesAgo(10) };
  const charge = (id: string, createdAt: Date) => [
    movement('donation', id, 5_000n, { createdAt, chargeId: id, campaignId: 'c7', balanceTransactionId: `txn_${id}` }),
    movement('processing_fee', `txn_${id}`, -175n, { createdAt, chargeId: id }),
  ];

  it('a charge that succeeded 11 minutes ago with no gift posted is charge_not_posted (its balance movements are still in flight)', () => {
    const r = reconcile(charge('ch_late', minutesAgo(11)), [], options);
    expect(r.differences).toEqual([{
      kind: 'charge_not_posted', movementKind: 'donation', stripeId: 'ch_late', ledgerEntryIds: [], stripeAmount: 5_000n, ledgerAmount: null,
      currency: 'usd', campaignId: 'c7', occurredAt: minutesAgo(11), details: { balanceTransactionId: 'txn_ch_late', chargeId: 'ch_late' },
    }]);
    expect(r.inFlightKeys.sort()).toEqual(['donation|ch_late', 'processing_fee|txn_ch_late']);
    expect(differenceKey(r.differences[0])).toBe('charge_not_posted|donation|ch_late');
  });

  it('a charge that succeeded 5 minutes ago, or one second short of 10 minutes, is no difference yet', () => {
    expect(reconcile(charge('ch_young', minutesAgo(5)), [], options).differences).toEqual([]);
    expect(reconcile(charge('ch_edge', new Date(minutesAgo(10).getTime() + 1_000)), [], options).differences).toEqual([]);
  });

  it('a charge whose gift is posted is no difference, however old', () => {
    const ms = charge('ch_posted', minutesAgo(600));
    expect(reconcile(ms, ms.map((m) => factFor(m)), options)).toEqual({ matched: 2, inFlight: 0, inFlightKeys: [], differences: [] });
  });

  it('past the grace window too, an unposted charge is also missing in the ledger (gross and fee); refunds and fees are never charge_not_posted', () => {
    const r = reconcile([...charge('ch_old', minutesAgo(61)), movement('refund', 're_1', -500n, { createdAt: minutesAgo(30) })], [], options);
    expect(r.differences.map((d) => `${d.kind} ${d.movementKind} ${d.stripeId}`).sort()).toEqual([
      'charge_not_posted donation ch_old', 'missing_in_ledger donation ch_old', 'missing_in_ledger processing_fee txn_ch_old',
    ]);
  });

  it('without a posting deadline (postedBy absent) the invariant is not checked', () => {
    expect(reconcile(charge('ch_x', minutesAgo(30)), [], { inFlightAfter: minutesAgo(60) }).differences).toEqual([]);
  });

  it('once posted, the next run no longer sees it and resolves the open difference', () => {
    const ms = charge('ch_late', minutesAgo(30));
    const before = reconcile(ms, [], options).differences;
    const open = before.map((d) => ({ key: differenceKey(d), occurredAt: d.occurredAt }));
    const after = reconcile(ms, ms.map((m) => factFor(m)), options);
    expect(planDifferences(open, after.differences, minutesAgo(120), new Set(), after.inFlightKeys)).toEqual({
      opened: [], stillOpen: [], resolvedKeys: ['charge_not_posted|donation|ch_late'],
    });
  });
});

describe('planDifferences (differences across runs)', () => {
  const d = (stripeId: string): Difference => ({
    kind: 'missing_in_ledger', movementKind: 'refund', stripeId, ledgerEntryIds: [], stripeAmount: -1n, ledgerAmount: null, currency: 'usd', campaignId: null, occurredAt: T0, details: {},
  });

  it('seen again is the same open difference; not seen where the run looked is resolved; outside the window it stays open', () => {
    const open = [
      { key: differenceKey(d('re_open')), occurredAt: T0 },
      { key: differenceKey(d('re_fixed')), occurredAt: T0 },
      { key: differenceKey(d('re_old')), occurredAt: new Date('2025-01-01T00:00:00Z') },
    ];
    const plan = planDifferences(open, [d('re_open'), d('re_new')], new Date('2025-12-01T00:00:00Z'));
    expect(plan.opened.map((x) => x.stripeId)).toEqual(['re_new']);
    expect(plan.stillOpen.map((x) => x.stripeId)).toEqual(['re_open']);
    expect(plan.resolvedKeys).toEqual([differenceKey(d('re_fixed'))]);
    expect(planDifferences(open, [], null).resolvedKeys).toHaveLength(3);
    // re-read by id although older than the window: looked at, so resolved when not seen
    expect(planDifferences(open, [d('re_open')], new Date('2025-12-01T00:00:00Z'), new Set([differenceKey(d('re_old'))])).resolvedKeys)
      .toEqual([differenceKey(d('re_fixed')), differenceKey(d('re_old'))]);
    // in flight now (e.g. the grace window grew): neither seen nor resolved
    expect(planDifferences(open, [], null, new Set(), ['refund|re_fixed']).resolvedKeys).toEqual([differenceKey(d('re_open')), differenceKey(d('re_old'))]);
  });
});
