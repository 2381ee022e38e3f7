import { jest } from '@jest/globals';
import request from 'supertest';
import { auditLedger } from '@ataa/ledger';
import { fridays, scheduledChargeKey, ScheduledGiftsService } from '@ataa/donations';
import { createCampaign, createOrganizationWithOwner } from '@ataa/testing';
import { ScheduledGiftsRunner } from '../../apps/worker/src/scheduled/scheduled-gifts.runner.js';
import { DonationWorld, settle, startDonationWorld } from '../donations/donation-test-kit.js';

jest.setTimeout(300_000);

/**
 * Scheduled series charged by the platform (issue 20, item 1), through the Stripe sandbox: the card
 * saved once (Checkout in setup mode, its signed setup_intent.succeeded), then each Friday a gift
 * charged off-session under its occurrence's key and posted like any one-time gift; a lost answer
 * asked again under the same key posts once; a declined card fails that occurrence only.
 *
 *   Huda, 15.00 USD every Friday for 3 weeks, Asia/Amman (Fridays 9:00 local = 6:00 UTC):
 *     occurrence 1 charged: 15.00 to the campaign;
 *     occurrence 2's answer lost once (the client asks again under scheduled-charge:<id>:2): 15.00, once;
 *     occurrence 3 charged: 15.00; the series is completed. 3 gifts = 45.00, 3 PaymentIntents.
 *   Omar, 20.00 USD every Friday for 2 weeks with 4000 0000 0000 0341 (saves; every charge declined):
 *     both occurrences failed, nothing in the ledger.
 */
describe('scheduled series: every Friday (sandbox, worker, ledger)', () => {
  let world: DonationWorld;
  let service: ScheduledGiftsService;
  let campaign: { id: string; slug: string };

  const charges = (id: string) => world.db.query(`SELECT occurrence, status, donation_id, stripe_payment_intent_id, failure_code FROM scheduled_charges WHERE scheduled_gift_id = $1 ORDER BY occurrence`, [id]);
  const series = async (id: string) => (await world.db.query(`SELECT status FROM scheduled_gifts WHERE id = $1`, [id]))[0];
  const entriesOf = async (donationId: string) => (await world.db.query(
    `SELECT count(*)::int AS n FROM journal_entries WHERE kind = 'donation' AND metadata->>'donation_id' = $1`, [donationId],
  ))[0].n;

  async function startFridays(name: string, email: string, amount: string, weeks: number, card: string): Promise<string> {
    const started = await service.start(campaign.slug, { kind: 'fridays', weeks, timeZone: 'Asia/Amman', amount, donorName: name, donorEmail: email, anonymous: false, locale: 'en' });
    expect(started.occurrences).toEqual(fridays(weeks, new Date(), 'Asia/Amman'));
    const [row] = await world.db.query(`SELECT stripe_checkout_session_id FROM scheduled_gifts WHERE id = $1`, [started.scheduledGiftId]);
    expect((await world.sandbox.control.paySession(row.stripe_checkout_session_id, { card })).ok).toBe(true);
    await settle(world);
    expect(await series(started.scheduledGiftId)).toEqual({ status: 'active' });
    return started.scheduledGiftId;
  }

  beforeAll(async () => {
    world = await startDonationWorld({});
    service = world.api.get(ScheduledGiftsService);
    const org = await createOrganizationWithOwner(world.api, { name: 'Friday Givers' });
    campaign = await createCampaign(world.api, org, { title: 'Friday meals', currency: 'usd' });
  });
  afterAll(async () => {
    await world?.close();
  });

  it('refuses a schedule not offered, 0 or 53 weeks, an unknown time zone and a small amount, writing nothing', async () => {
    const base = { weeks: 4, timeZone: 'Asia/Amman', amount: '10', donorName: null, donorEmail: 'x@example.org', anonymous: false };
    await expect(service.start(campaign.slug, { ...base, kind: 'daily' })).rejects.toMatchObject({ code: 'schedule_not_offered', status: 400 });
    await expect(service.start(campaign.slug, { ...base, kind: 'fridays', weeks: 0 })).rejects.toMatchObject({ code: 'weeks_out_of_range', status: 422 });
    await expect(service.start(campaign.slug, { ...base, kind: 'fridays', weeks: 53 })).rejects.toMatchObject({ code: 'weeks_out_of_range', status: 422 });
    await expect(service.start(campaign.slug, { ...base, kind: 'fridays', timeZone: 'Mars/Olympus' })).rejects.toMatchObject({ code: 'time_zone_invalid', status: 400 });
    await expect(service.start(campaign.slug, { ...base, kind: 'fridays', amount: '0.40' })).rejects.toMatchObject({ code: 'amount_below_minimum' });
    expect(await world.db.query(`SELECT count(*)::int AS n FROM scheduled_gifts`)).toEqual([{ n: 0 }]);
  });

  it('charges each Friday once, like a one-time gift; a lost answer is asked again under the same key; the series completes', async () => {
    const id = await startFridays('Huda', 'huda@example.org', '15', 3, '4242424242424242');
    const planned = await world.db.query(`SELECT charge_at FROM scheduled_charges WHERE scheduled_gift_id = $1 ORDER BY occurrence`, [id]);
    const at = (i: number) => new Date(new Date(planned[i].charge_at).getTime() + 1000);

    // Before the first Friday's 9:00 in Amman: nothing is due.
    expect(await service.chargeDue(new Date(new Date(planned[0].charge_at).getTime() - 1000))).toEqual({ charged: 0, failed: 0, unknown: 0 });
    expect(await service.chargeDue(at(0))).toEqual({ charged: 1, failed: 0, unknown: 0 });
    // Run again at the same moment: nothing more.
    expect(await service.chargeDue(at(0))).toEqual({ charged: 0, failed: 0, unknown: 0 });

    // The answer to the second Friday's charge is lost once: the client asks again under the same key.
    await world.sandbox.control.timeOutNextResponse({ method: 'POST', path: '/v1/payment_intents', delayMs: 50 });
    const second = await service.chargeDue(at(1));
    if (second.unknown === 1) expect(await service.chargeDue(at(1))).toEqual({ charged: 1, failed: 0, unknown: 0 });
    // The third by the worker's own runner (what it does every minute).
    expect(await world.worker!.get(ScheduledGiftsRunner).runOnce(at(2))).toEqual({ charged: 1, failed: 0, unknown: 0 });
    await settle(world);

    const rows = await charges(id);
    expect(rows.map((r: { status: string }) => r.status)).toEqual(['paid', 'paid', 'paid']);
    expect(await series(id)).toEqual({ status: 'completed' });
    // One PaymentIntent per occurrence, each made under its key; 3 gifts of 15.00 = 45.00, each posted once.
    expect(new Set(rows.map((r: { stripe_payment_intent_id: string }) => r.stripe_payment_intent_id)).size).toBe(3);
    const intents = await Promise.all(rows.map((r: { stripe_payment_intent_id: string }) => world.sandbox.stripe().paymentIntents.retrieve(r.stripe_payment_intent_id)));
    expect(intents.map((p) => [p.metadata.occurrence, p.metadata.scheduled_gift_id, p.amount, p.status])).toEqual([['1', id, 1500, 'succeeded'], ['2', id, 1500, 'succeeded'], ['3', id, 1500, 'succeeded']]);
    // Every succeeded charge of the campaign is one of these three (the lost answer made no second one).
    const succeeded = (await world.sandbox.stripe().charges.list({ transfer_group: campaign.id, limit: 100 })).data.filter((c) => c.status === 'succeeded');
    expect(succeeded.map((c) => c.payment_intent).sort()).toEqual(intents.map((p) => p.id).sort());
    for (const r of rows) expect(await entriesOf(r.donation_id)).toBe(1);
    const gifts = await world.db.query(`SELECT status, amount::text, campaign_id FROM donations WHERE id = ANY($1::uuid[])`, [rows.map((r: { donation_id: string }) => r.donation_id)]);
    expect(gifts).toEqual(Array(3).fill({ status: 'succeeded', amount: '1500', campaign_id: campaign.id }));
    expect(scheduledChargeKey(id, 2)).toBe(`scheduled-charge:${id}:2`);
    expect(await auditLedger(world.db.manager)).toEqual([]);
  });

  it('a declined card fails its occurrences, charging and posting nothing', async () => {
    const id = await startFridays('Omar', 'omar@example.org', '20', 2, '4000000000000341');
    const planned = await world.db.query(`SELECT charge_at FROM scheduled_charges WHERE scheduled_gift_id = $1 ORDER BY occurrence`, [id]);
    expect(await service.chargeDue(new Date(new Date(planned[1].charge_at).getTime() + 1000))).toEqual({ charged: 0, failed: 2, unknown: 0 });
    await settle(world);
    const rows = await charges(id);
    expect(rows.map((r: { status: string; failure_code: string }) => [r.status, r.failure_code])).toEqual([['failed', 'card_declined'], ['failed', 'card_declined']]);
    for (const r of rows) expect(await entriesOf(r.donation_id)).toBe(0);
    expect(await series(id)).toEqual({ status: 'completed' });
  });

  it('a campaign that no longer takes gifts is not charged for its planned occurrences', async () => {
    const org = await createOrganizationWithOwner(world.api, { name: 'Closing Org' });
    const closing = await createCampaign(world.api, org, { title: 'Closing soon', currency: 'usd' });
    const started = await service.start(closing.slug, { kind: 'fridays', weeks: 1, timeZone: 'America/New_York', amount: '12', donorName: 'Rana', donorEmail: 'rana@example.org', anonymous: false });
    const [row] = await world.db.query(`SELECT stripe_checkout_session_id FROM scheduled_gifts WHERE id = $1`, [started.scheduledGiftId]);
    expect((await world.sandbox.control.paySession(row.stripe_checkout_session_id)).ok).toBe(true);
    await settle(world);
    await request(world.apiUrl).post(`/api/v1/orgs/${org.orgId}/campaigns/${closing.id}/end`).set('authorization', `Bearer ${org.ownerToken}`).send({}).expect(200);
    expect(await service.chargeDue(new Date(started.occurrences[0].chargeAt.getTime() + 1000))).toEqual({ charged: 0, failed: 0, unknown: 0 });
    expect((await charges(started.scheduledGiftId)).map((r: { status: string }) => r.status)).toEqual(['planned']);
  });

  it('a scheduled series keeps the donor\'s designation: each occurrence is a gift to it; an undeclared one is refused', async () => {
    const org = await createOrganizationWithOwner(world.api, { name: 'Wells Org' });
    const wells = await createCampaign(world.api, org, {
      title: 'Wells and zakat', currency: 'usd',
      designations: [{ code: 'zakat', labelEn: 'Zakat', labelAr: 'الزكاة', zakat: true }, { code: 'water-well', labelEn: 'Water well', labelAr: 'بئر ماء' }],
    });
    const base = { kind: 'fridays', weeks: 1, timeZone: 'Asia/Amman', amount: '11', donorName: 'Salma', donorEmail: 'salma@example.org', anonymous: false };
    await expect(service.start(wells.slug, { ...base, designation: 'school' })).rejects.toMatchObject({ code: 'unknown_designation', status: 422 });
    expect(await world.db.query(`SELECT count(*)::int AS n FROM scheduled_gifts WHERE campaign_id = $1`, [wells.id])).toEqual([{ n: 0 }]);

    const started = await service.start(wells.slug, { ...base, designation: 'water-well' });
    const [row] = await world.db.query(`SELECT stripe_checkout_session_id, designation FROM scheduled_gifts WHERE id = $1`, [started.scheduledGiftId]);
    expect(row.designation).toBe('water-well');
    expect((await world.sandbox.control.paySession(row.stripe_checkout_session_id)).ok).toBe(true);
    await settle(world);
    await service.chargeDue(new Date(started.occurrences[0].chargeAt.getTime() + 1000));
    await settle(world);
    const [charge] = await charges(started.scheduledGiftId);
    expect(charge.status).toBe('paid');
    const [gift] = await world.db.query(
      `SELECT d.designation, d.amount::text, p.leaf_format, p.designation AS leaf FROM donations d JOIN public_ledger_entries p ON p.campaign_id = d.campaign_id AND p.idx = d.public_leaf_index WHERE d.id = $1`,
      [charge.donation_id],
    );
    expect(gift).toEqual({ designation: 'water-well', amount: '1100', leaf_format: 4, leaf: 'water-well' });
    expect(await auditLedger(world.db.manager)).toEqual([]);
  });
});
