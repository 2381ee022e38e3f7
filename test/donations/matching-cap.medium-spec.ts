import { jest } from '@jest/globals';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { MatchingService } from '@ataa/donations';
import { createCampaign, createOrganizationWithOwner, createTestEnvironment, startTestApi, TestEnvironment, TestOrganization } from '@ataa/testing';

jest.setTimeout(120_000);

/**
 * Matching offers against PostgreSQL: gifts settling at the same time, each in its own transaction,
 * never accrue past the cap (the service locks the offer; the CHECKs under the triggers refuse it
 * even without the lock); a gift seen twice accrues once; an offer's terms never change.
 */
describe('matching offers: the cap under concurrency (medium)', () => {
  let env: TestEnvironment;
  let api: NestFastifyApplication;
  let db: DataSource;
  let org: TestOrganization;
  let campaignId: string;
  const principal = () => ({ organizationId: org.orgId, role: 'owner' as const, userId: org.ownerUserId, apiKeyId: null, actor: `user:${org.ownerUserId}` });
  const settledGift = (amount: bigint) => ({
    id: randomUUID(), campaignId, organizationId: org.orgId, status: 'succeeded' as const, currency: 'usd', amount, chosenAmount: amount, coveredFees: 0n, platformFeeBps: 0,
    platformFee: 0n, processingFee: 0n, refundedAmount: 0n, disputedAmount: 0n, donorName: null, donorEmail: 'x@example.org', anonymous: true, publicMessage: null,
    messageReview: null, locale: 'en', donorCommitmentSalt: null, publicLeafIndex: null, stripeCheckoutSessionId: null, stripePaymentIntentId: null, stripeChargeId: null,
    paymentStatus: 'paid', createdAt: new Date(), updatedAt: new Date(), settledAt: new Date(Date.now() + 1000),
  });
  const offerRow = async (id: string) => (await db.query(`SELECT accrued::text, collected::text, cap::text FROM matching_offers WHERE id = $1`, [id]))[0];
  const accrualSum = async (id: string) => (await db.query(`SELECT coalesce(sum(accrued - reduced), 0)::text AS s, count(*)::int AS n FROM matching_accruals WHERE offer_id = $1`, [id]))[0];

  beforeAll(async () => {
    env = await createTestEnvironment();
    api = await startTestApi(env.config);
    db = api.get(DataSource);
    org = await createOrganizationWithOwner(api);
    campaignId = (await createCampaign(api, org)).id;
  });
  afterAll(async () => {
    await api?.close();
    await env?.cleanup();
  });

  const newOffer = async (cap: string) => (await api.get(MatchingService).create(principal(), campaignId, {
    sponsorName: 'Cedar Foundation', ratioNumerator: 1, ratioDenominator: 1, cap, currency: 'usd', startsAt: null, endsAt: new Date(Date.now() + 3_600_000).toISOString(),
  }, null)).offer.offer.id;

  it('twelve gifts settling at once accrue exactly the cap, never more', async () => {
    // Cap 100.00; twelve gifts of 15.00 each (180.00 due at 1:1): six accrue 15.00, one 10.00, the rest nothing.
    const offerId = await newOffer('100.00');
    const matching = api.get(MatchingService);
    const gifts = Array.from({ length: 12 }, () => settledGift(1_500n));
    const results = await Promise.allSettled(gifts.map((g) => db.transaction((m) => matching.afterSettlement(m, [g]))));
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(await offerRow(offerId)).toEqual({ accrued: '10000', collected: '0', cap: '10000' });
    expect(await accrualSum(offerId)).toEqual({ s: '10000', n: 7 });
    // Seen again (a redelivered event): nothing more.
    await Promise.all(gifts.map((g) => db.transaction((m) => matching.afterSettlement(m, [g]))));
    expect(await accrualSum(offerId)).toEqual({ s: '10000', n: 7 });
  });

  it('refuses in the database an accrual past the cap, even written without the offer\'s lock', async () => {
    const offerId = await newOffer('50.00');
    const write = (amount: number) => db.transaction((m) => m.query(
      `INSERT INTO matching_accruals (offer_id, donation_id, gift_amount, accrued, settled_at) VALUES ($1, $2, $3, $3, now())`, [offerId, randomUUID(), amount]));
    // Two writers at once, 30.00 each: the second to update the offer's row sees the first's 30.00 and breaks the CHECK.
    const results = await Promise.allSettled([write(3_000), write(3_000)]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const refused = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')!;
    expect(String(refused.reason.message)).toMatch(/matching_offers_within_cap/);
    expect(await offerRow(offerId)).toMatchObject({ accrued: '3000' });
    // A reduction never goes below zero, never grows back, and the terms never change.
    await expect(db.query(`UPDATE matching_accruals SET reduced = accrued + 1 WHERE offer_id = $1`, [offerId])).rejects.toThrow();
    await db.query(`UPDATE matching_accruals SET reduced = 1000 WHERE offer_id = $1`, [offerId]);
    await expect(db.query(`UPDATE matching_accruals SET reduced = 500 WHERE offer_id = $1`, [offerId])).rejects.toThrow(/only ever gets reduced/);
    expect(await offerRow(offerId)).toMatchObject({ accrued: '2000' });
    await expect(db.query(`UPDATE matching_offers SET cap = 999999 WHERE id = $1`, [offerId])).rejects.toThrow(/terms never change/);
    await expect(db.query(`DELETE FROM matching_accruals WHERE offer_id = $1`, [offerId])).rejects.toThrow();
    // Nothing collected beyond what accrued.
    await expect(db.query(`UPDATE matching_offers SET collected = 2001 WHERE id = $1`, [offerId])).rejects.toThrow(/matching_offers_collected_accrued/);
  });
});
