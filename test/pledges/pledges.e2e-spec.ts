import { INestApplicationContext } from '@nestjs/common';
import { jest } from '@jest/globals';
import request from 'supertest';
import { AppConfig } from '@ataa/config';
import { randomUUID } from 'node:crypto';
import { CampaignCloseOutService, pledgeChargeKey } from '@ataa/donations';
import { JobProducer, QUEUES } from '@ataa/queue';
import { createCampaign, createOrganizationWithOwner, SmtpSink, startSmtpSink, startTestWorker } from '@ataa/testing';
import { donationRow, DonationWorld, drainInbox, eventually, expectLedgerSound, settle, startDonationWorld, submitDonationForm } from '../donations/donation-test-kit.js';

/**
 * All-or-nothing pledges through the real path: the campaign page's form saves the card on the
 * sandbox's hosted page (Checkout in setup mode), `setup_intent.succeeded` comes back signed, the
 * worker's close-out charges the pledges off-session in batches of 2 (a worker stopped after the
 * first batch, a run killed after Stripe charged, a new worker resuming, an answer lost), failures
 * mail the donor a signed link, the donor pays on it, and a missed goal releases everything with
 * nothing charged.
 */
jest.setTimeout(180_000);

type Json = Record<string, any>;

describe('all-or-nothing pledges end to end (sandbox, API, worker, SMTP)', () => {
  let world: DonationWorld;
  let sink: SmtpSink;
  let org: Awaited<ReturnType<typeof createOrganizationWithOwner>>;
  let worker: INestApplicationContext | null = null;
  const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();

  const startWorker = async (env: Record<string, string> = {}) => {
    worker = await startTestWorker(world.env.configWith({
      ...world.sandbox.env(), SMTP_URL: sink.url, PUBLIC_BASE_URL: world.config.PUBLIC_BASE_URL, CLOSEOUT_BATCH_SIZE: '2', FEE_SWEEP_SECONDS: '0', ...env,
    }) as AppConfig);
    return worker;
  };
  const stopWorker = async () => {
    await worker?.close();
    worker = null;
  };
  const endDatePasses = (campaignId: string) => world.db.query(`UPDATE campaigns SET ends_at = now() - interval '1 second' WHERE id = $1`, [campaignId]);
  const sweepNow = async (id: string) => worker!.get(JobProducer).enqueue(QUEUES.campaignCloseOut, {}, { jobId: `test-sweep-${id}`, removeOnComplete: true });
  const pledgeRows = async (campaignId: string) => world.db.query(`SELECT * FROM pledges WHERE campaign_id = $1 ORDER BY seq`, [campaignId]) as Promise<Json[]>;
  const waitForPledges = (campaignId: string, check: (rows: Json[]) => boolean, what: string) => {
    let last = '';
    return eventually(async () => {
      const rows = await pledgeRows(campaignId);
      last = rows.map((r) => `${r.donor_email}:${r.state}:${r.last_error ?? ''}`).join(', ');
      return check(rows) ? rows : false;
    }, what, 90_000).catch((error: Error) => {
      throw new Error(`${error.message}; pledges: ${last}`);
    });
  };
  /** Pledges through the page's form, then saves the card on the sandbox's hosted setup page. */
  const pledge = async (slug: string, amount: string, email: string, card: string) => {
    const res = await submitDonationForm(world, slug, { amount: 'other', customAmount: amount, donorName: 'Donor', donorEmail: email });
    expect(res.status).toBe(303);
    const [row] = await world.db.query(`SELECT id, state, stripe_checkout_session_id, stripe_customer_id FROM pledges WHERE donor_email = $1 ORDER BY created_at DESC LIMIT 1`, [email]);
    expect(res.headers.location).toContain(row.stripe_checkout_session_id);
    expect(row).toMatchObject({ state: 'open' });
    const paid = await world.sandbox.control.paySession(row.stripe_checkout_session_id, { card });
    expect(paid.ok).toBe(true);
    return row.id as string;
  };
  const chargesOf = async (campaignId: string) =>
    (await world.sandbox.stripe().charges.list({ transfer_group: campaignId, limit: 100 })).data;
  const mailsTo = (address: string) => sink.messages.filter((m) => m.envelope.to.includes(address));

  beforeAll(async () => {
    sink = await startSmtpSink();
    world = await startDonationWorld({ worker: false, publicUrl: true, env: { ALL_OR_NOTHING_PLEDGES: 'true', SMTP_URL: sink.url } });
    org = await createOrganizationWithOwner(world.api);
  });
  afterAll(async () => {
    await stopWorker();
    await world?.close();
    await sink?.close();
  });

  it('goal met: three pledges charged in batches across a restart; a declined and a 3-D Secure one are mailed a link; the declined donor pays within the grace period', async () => {
    // Goal 100.00; pledges 40.00 + 35.00 + 30.00 = 105.00 reach it (nothing is charged before the end).
    const campaign = await createCampaign(world.api, org, { fundingModel: 'all_or_nothing', goal: '10000', endsAt: inAnHour() });
    // The first worker settles the setup events, then runs one close-out batch (2 pledges) and is
    // stopped: its next batch waits an hour, and so does its sweep.
    await startWorker({ CLOSEOUT_BATCH_DELAY_MS: '3600000', CLOSEOUT_SWEEP_INTERVAL_MS: '3600000' });
    const page = await request(world.apiUrl).get(`/c/${campaign.slug}`).expect(200);
    expect(page.text).toContain('data-testid="pledge-note"');
    expect(page.text).toContain('you are charged only if the goal is met');

    const declined = await pledge(campaign.slug, '40.00', 'declined@example.org', '4000000000000341'); // saves; every charge declined
    const secure = await pledge(campaign.slug, '35.00', 'secure@example.org', '4000002760003184'); // 3-D Secure on every payment
    const good = await pledge(campaign.slug, '30.00', 'good@example.org', '4242424242424242');
    await drainInbox(world);
    const pledged = await pledgeRows(campaign.id);
    expect(pledged.map((p) => p.state)).toEqual(['pledged', 'pledged', 'pledged']);
    expect(pledged.every((p) => p.stripe_payment_method_id && p.stripe_setup_intent_id)).toBe(true);
    // Nothing charged, nothing in the ledger: the page shows pledges as unverified figures.
    expect(await chargesOf(campaign.id)).toEqual([]);
    const [{ n: entries }] = await world.db.query(`SELECT count(*)::int AS n FROM journal_entries WHERE campaign_id = $1`, [campaign.id]);
    expect(entries).toBe(0);
    const withPledges = await request(world.apiUrl).get(`/c/${campaign.slug}`).expect(200);
    expect(withPledges.text).toMatch(/data-testid="pledge-count">3</);
    expect(withPledges.text).toContain('data-testid="pledged-unverified"');
    // The JSON APIs say the same, apart: 40.00 + 35.00 + 30.00 = 105.00 pledged in 3 (unverified), nothing collected.
    const figures = { pledgedCount: 3, pledgedAmount: '10500', collectedCount: 0, collectedAmount: '0', awaitingCount: 0 };
    expect((await request(world.apiUrl).get(`/api/v1/public/campaigns/${campaign.slug}`).expect(200)).body.pledges).toEqual(figures);
    expect((await request(world.apiUrl).get(`/api/v1/orgs/${org.orgId}/campaigns/${campaign.id}`).set('authorization', `Bearer ${org.ownerToken}`).expect(200)).body.pledges)
      .toEqual(figures);
    const thanks = await request(world.apiUrl).get(`/c/${campaign.slug}/thanks`).query({ pledge: good }).expect(200);
    expect(thanks.text).toContain('your pledge of');

    await endDatePasses(campaign.id);
    await sweepNow('met-1');
    await waitForPledges(campaign.id, (rows) => rows.filter((r) => r.state === 'awaiting_donor').length === 2, 'the first batch');
    await stopWorker();
    expect((await pledgeRows(campaign.id)).map((p) => [p.id, p.state])).toEqual([[declined, 'awaiting_donor'], [secure, 'awaiting_donor'], [good, 'pledged']]);
    const progress = await request(world.apiUrl).get(`/api/v1/orgs/${org.orgId}/campaigns/${campaign.id}/closeout`).set('authorization', `Bearer ${org.ownerToken}`).expect(200);
    // The decision counted pledged amounts: 105.00 toward a 100.00 goal.
    expect(progress.body).toMatchObject({ decision: 'keep', reason: 'goal_met' });

    // The third pledge as a run killed after Stripe charged leaves it: reserved (charging, its gift
    // pending) and the PaymentIntent made under the pledge's key, the answer never recorded.
    const goodPledge = (await pledgeRows(campaign.id)).find((r) => r.id === good)!;
    const reserved = randomUUID();
    await world.db.query(
      `INSERT INTO donations (id, campaign_id, organization_id, currency, amount, chosen_amount, covered_fees, platform_fee_bps, donor_name, donor_email, anonymous, public_message, locale)
       SELECT $2, campaign_id, organization_id, currency, amount, chosen_amount, covered_fees, platform_fee_bps, donor_name, donor_email, anonymous, public_message, locale FROM pledges WHERE id = $1`,
      [good, reserved],
    );
    await world.db.query(`UPDATE pledges SET state = 'charging', donation_id = $2 WHERE id = $1`, [good, reserved]);
    const made = await world.sandbox.stripe().paymentIntents.create({
      amount: 3000, currency: 'usd', customer: goodPledge.stripe_customer_id, payment_method: goodPledge.stripe_payment_method_id, off_session: true, confirm: true,
      metadata: { donation_id: reserved, pledge_id: good, campaign_id: campaign.id }, transfer_group: campaign.id, description: 'Pledge collected at the campaign\'s close-out',
    }, { idempotencyKey: pledgeChargeKey(good) });
    expect(made.status).toBe('succeeded');
    // And the answer to the resumed run's ask is lost once more (the client retries under the same key).
    await world.sandbox.control.timeOutNextResponse({ method: 'POST', path: '/v1/payment_intents', delayMs: 50 });
    await startWorker({ CLOSEOUT_SWEEP_INTERVAL_MS: '1000' });
    await waitForPledges(campaign.id, (rows) => rows.find((r) => r.id === good)?.state === 'collected', 'the third pledge collected');
    await settle(world);

    // Charged once: one succeeded charge for 30.00; the gift is in the ledger and the public log like any gift.
    const succeeded = (await chargesOf(campaign.id)).filter((c) => c.status === 'succeeded');
    expect(succeeded.map((c) => c.amount)).toEqual([3000]);
    const goodRow = (await pledgeRows(campaign.id)).find((r) => r.id === good)!;
    // The resumed run was answered with the payment the killed one made: one PaymentIntent, one charge, one gift.
    expect(goodRow.stripe_payment_intent_id).toBe(made.id);
    expect(succeeded[0].payment_intent).toBe(made.id);
    expect(goodRow.donation_id).toBe(reserved);
    expect(await donationRow(world.db, goodRow.donation_id)).toMatchObject({ status: 'succeeded', amount: '3000', stripe_charge_id: succeeded[0].id });
    const ledger = await request(world.apiUrl).get(`/api/v1/public/campaigns/${campaign.slug}/ledger`).query({ kind: 'donation', limit: 50 }).expect(200);
    expect(ledger.body.entries).toHaveLength(1);

    // Both failures were mailed a link, each to pay their own pledge.
    await sink.waitForMessages(2, 30_000);
    const [declinedMail] = mailsTo('declined@example.org');
    expect(mailsTo('secure@example.org')[0].parsed.text).toContain('Your bank asked you to confirm the payment');
    const link = /https?:\/\/\S+\/pledge\?token=\S+/.exec(declinedMail.parsed.text ?? '')?.[0];
    expect(link).toBeDefined();
    const url = new URL(link!);

    // A forged or altered token opens nothing.
    const forged = await request(world.apiUrl).get(url.pathname).query({ token: `${url.searchParams.get('token')!.slice(0, -2)}AA` });
    expect(forged.status).toBe(404);
    // The donor opens the page and pays with a working card.
    const agent = request.agent(world.apiUrl);
    const open = await agent.get(`${url.pathname}${url.search}`).expect(200);
    expect(open.text).toContain('data-testid="pledge-amount"');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(open.text)![1];
    const started = await agent.post(url.pathname).type('form').send({ _csrf: csrf, token: url.searchParams.get('token') });
    expect(started.status).toBe(303);
    const [{ completion_session_id: session }] = await world.db.query(`SELECT completion_session_id FROM pledges WHERE id = $1`, [declined]);
    expect(started.headers.location).toContain(session);
    expect((await world.sandbox.control.paySession(session, { card: '4242424242424242' })).ok).toBe(true);
    await settle(world);
    await sweepNow('met-2');
    await waitForPledges(campaign.id, (rows) => rows.find((r) => r.id === declined)?.state === 'collected', 'the declined pledge paid on its page');

    // Collected: 30.00 + 40.00 = 70.00 in the ledger (the 3-D Secure pledge still waits); cards of the collected pledges detached.
    const totals = await request(world.apiUrl).get(`/api/v1/public/campaigns/${campaign.slug}/ledger`).query({ kind: 'donation', limit: 50 }).expect(200);
    expect(totals.body.entries.map((e: Json) => e.amount).sort()).toEqual(['3000', '4000']);
    await waitForPledges(campaign.id, (rows) => rows.filter((r) => r.state === 'collected').every((r) => r.card_detached_at !== null), 'cards detached');
    // The paid page now says so.
    expect((await agent.get(`${url.pathname}${url.search}`).expect(200)).text).toContain('data-state="collected"');
    await expectLedgerSound(world.db);
  });

  it('goal missed: nothing is charged, every pledge is released, donors are told and the cards detached', async () => {
    if (!worker) await startWorker({ CLOSEOUT_SWEEP_INTERVAL_MS: '1000' });
    // Goal 500.00; pledges 20.00 + 25.00 = 45.00: missed.
    const campaign = await createCampaign(world.api, org, { fundingModel: 'all_or_nothing', goal: '50000', endsAt: inAnHour() });
    await pledge(campaign.slug, '20.00', 'missed-a@example.org', '4242424242424242');
    await pledge(campaign.slug, '25.00', 'missed-b@example.org', '4242424242424242');
    await drainInbox(world);
    await endDatePasses(campaign.id);
    await sweepNow('missed');
    const rows = await waitForPledges(campaign.id, (r) => r.every((p) => p.state === 'released' && p.donor_notified_at && p.card_detached_at), 'released');
    expect(rows).toHaveLength(2);
    const progress = await request(world.apiUrl).get(`/api/v1/orgs/${org.orgId}/campaigns/${campaign.id}/closeout`).set('authorization', `Bearer ${org.ownerToken}`).expect(200);
    expect(progress.body).toMatchObject({ decision: 'refund_all', reason: 'goal_missed', total: 0 });
    // Zero charges, zero fees, zero ledger entries: the campaign's funds end at 0, not minus Stripe's fees.
    expect(await chargesOf(campaign.id)).toEqual([]);
    const [{ n }] = await world.db.query(`SELECT count(*)::int AS n FROM journal_entries WHERE campaign_id = $1`, [campaign.id]);
    expect(n).toBe(0);
    for (const p of rows) {
      const pm = await world.sandbox.stripe().paymentMethods.retrieve(p.stripe_payment_method_id);
      expect(pm.customer).toBeNull();
    }
    expect(mailsTo('missed-a@example.org')[0].parsed.subject).toContain('did not reach its goal');
    // The close-out service would run again harmlessly.
    const again = await world.api.get(CampaignCloseOutService).runBatch(campaign.id);
    expect(again).toMatchObject({ outcome: 'ran', more: false, processed: 0 });
  });
});
