import { jest } from '@jest/globals';
import fc from 'fast-check';
import request from 'supertest';
import { auditLedger, campaignFundsAccount } from '@ataa/ledger';
import { createCampaign, createOrganizationWithOwner } from '@ataa/testing';
import { donationRow, DonationWorld, settle, startDonationWorld, startGift } from './donation-test-kit.js';

jest.setTimeout(600_000);

type Action =
  | { kind: 'gift'; amount: number; coverFees: boolean; decline: boolean }
  | { kind: 'apiRefund'; gift: number; percent: number }
  | { kind: 'stripeRefund'; gift: number; percent: number }
  | { kind: 'dispute'; gift: number }
  | { kind: 'closeDispute'; gift: number; won: boolean }
  | { kind: 'resend'; pick: number };

const action: fc.Arbitrary<Action> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('gift' as const), amount: fc.integer({ min: 100, max: 50_000 }), coverFees: fc.boolean(), decline: fc.boolean() }), weight: 4 },
  { arbitrary: fc.record({ kind: fc.constant('apiRefund' as const), gift: fc.nat(), percent: fc.integer({ min: 1, max: 100 }) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('stripeRefund' as const), gift: fc.nat(), percent: fc.integer({ min: 1, max: 100 }) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('dispute' as const), gift: fc.nat() }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('closeDispute' as const), gift: fc.nat(), won: fc.boolean() }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('resend' as const), pick: fc.nat() }), weight: 1 },
);

const SETTLED = new Set(['succeeded', 'partially_refunded', 'refunded', 'disputed', 'dispute_won', 'dispute_lost']);

/**
 * Random sequences of gifts, refunds (API and dashboard), disputes and duplicate deliveries, through
 * the real webhook path (sandbox in chaos mode: every event delivered twice, bursts shuffled). After
 * every step, every ledger invariant of design section 6 that concerns donations is checked.
 */
describe('ledger invariants hold after every step of random gift histories (fast-check)', () => {
  let world: DonationWorld;
  let org: Awaited<ReturnType<typeof createOrganizationWithOwner>>;

  beforeAll(async () => {
    world = await startDonationWorld();
    org = await createOrganizationWithOwner(world.api);
    await world.sandbox.control.setDeliveryMode({ chaos: true, seed: 7 });
  });
  afterAll(async () => world?.close());

  async function checkInvariants(campaignId: string, history: Map<string, string[]>): Promise<void> {
    // 1, 2, 5 (and campaign totals = funds balance): from the database.
    expect(await auditLedger(world.db.manager)).toEqual([]);
    const donations = await world.db.query(`SELECT * FROM donations WHERE campaign_id = $1`, [campaignId]);
    for (const d of donations) {
      const seen = history.get(d.id) ?? [];
      // 9: once settled, never unsettled again.
      if (seen.some((s) => SETTLED.has(s))) expect(SETTLED.has(d.status)).toBe(true);
      history.set(d.id, [...seen, d.status]);
      // 6: refunds plus withdrawn disputes never exceed the gross.
      expect(BigInt(d.refunded_amount) + BigInt(d.disputed_amount)).toBeLessThanOrEqual(BigInt(d.amount));
      const entries = await world.db.query(
        `SELECT e.kind, e.source_id, p.account_code, p.amount::text FROM journal_entries e JOIN postings p ON p.entry_id = e.id WHERE e.metadata->>'donation_id' = $1`, [d.id],
      );
      const fundsDelta = (kinds: string[]): bigint => -(entries.filter((e: any) => kinds.includes(e.kind) && e.account_code === campaignFundsAccount(campaignId)).reduce((s: bigint, e: any) => s + BigInt(e.amount), 0n) as bigint);
      if (SETTLED.has(d.status)) {
        // 4: the gift is posted exactly once; 8: gross = net + processing fee + platform fee.
        expect(entries.filter((e: any) => e.kind === 'donation' && e.account_code === 'platform:stripe_balance').map((e: any) => e.amount)).toEqual([d.amount]);
        const fee = BigInt(d.processing_fee ?? 0);
        const net = fundsDelta(['donation', 'processing_fee', 'platform_fee']);
        expect(net + fee + BigInt(d.platform_fee)).toBe(BigInt(d.amount));
        // Refunds in the ledger match Stripe's refunds for the charge, exactly once each.
        const stripeRefunds = (await world.sandbox.stripe().refunds.list({ charge: d.stripe_charge_id, limit: 100 })).data.filter((r) => r.status === 'succeeded');
        const refunded = stripeRefunds.reduce((s, r) => s + BigInt(r.amount), 0n);
        expect(BigInt(d.refunded_amount)).toBe(refunded);
        expect(entries.filter((e: any) => e.kind === 'refund' && e.account_code === 'platform:stripe_balance').length).toBe(stripeRefunds.length);
      } else {
        expect(entries).toEqual([]);
      }
    }
  }

  it('holds for random sequences', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 2, maxLength: 9 }), async (actions) => {
        const campaign = await createCampaign(world.api, org, { offerCoverFees: true, allowAnonymous: true, suggestedAmounts: ['1000'] });
        const gifts: { donationId: string; sessionId: string }[] = [];
        const history = new Map<string, string[]>();
        const stripe = world.sandbox.stripe();
        const chargeOf = async (i: number) => (gifts.length ? (await donationRow(world.db, gifts[i % gifts.length].donationId)) : null);
        for (const a of actions) {
          if (a.kind === 'gift') {
            const major = (a.amount / 100).toFixed(2);
            const gift = await startGift(world, campaign.slug, { amount: 'other', customAmount: major, ...(a.coverFees ? { coverFees: 'on' } : {}) });
            gifts.push(gift);
            await world.sandbox.control.paySession(gift.sessionId, { card: a.decline ? '4000000000000002' : '4242424242424242' });
          } else if (a.kind === 'apiRefund' || a.kind === 'stripeRefund') {
            const d = await chargeOf(a.gift);
            if (d?.stripe_charge_id) {
              const left = BigInt(d.amount) - BigInt(d.refunded_amount) - BigInt(d.disputed_amount);
              const amount = (left * BigInt(a.percent)) / 100n;
              if (amount > 0n && a.kind === 'apiRefund') {
                const res = await request(world.apiUrl).post(`/api/v1/orgs/${org.orgId}/donations/${d.id}/refunds`).set('authorization', `Bearer ${org.ownerToken}`).send({ amount: amount.toString() });
                expect([201, 409]).toContain(res.status);
              } else if (amount > 0n) {
                await stripe.refunds.create({ charge: d.stripe_charge_id, amount: Number(amount) }).catch(() => undefined);
              }
            }
          } else if (a.kind === 'dispute') {
            const d = await chargeOf(a.gift);
            if (d?.stripe_charge_id) await world.sandbox.control.openDispute(d.stripe_charge_id).catch(() => undefined);
          } else if (a.kind === 'closeDispute') {
            const d = await chargeOf(a.gift);
            if (d?.stripe_charge_id) {
              const open = (await stripe.disputes.list({ charge: d.stripe_charge_id })).data.find((x) => !['won', 'lost'].includes(x.status));
              if (open) await world.sandbox.control.closeDispute(open.id, a.won ? 'won' : 'lost');
            }
          } else {
            const ids = await world.db.query(`SELECT id FROM stripe_events ORDER BY received_at`);
            if (ids.length) await world.sandbox.control.resendEvent(ids[a.pick % ids.length].id);
          }
          await settle(world);
          await checkInvariants(campaign.id, history);
        }
      }),
      { numRuns: 12, seed: 20261123, endOnFailure: true },
    );
  });
});
