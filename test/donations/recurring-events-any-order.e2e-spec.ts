import { jest } from '@jest/globals';
import request from 'supertest';
import type Stripe from 'stripe';
import { auditLedger } from '@ataa/ledger';
import { createCampaign, createOrganizationWithOwner, SmtpSink, startSmtpSink } from '@ataa/testing';
import { DonationWorld, drainInbox, eventually, settle, startDonationWorld, submitDonationForm } from './donation-test-kit.js';

jest.setTimeout(900_000);

/** Every order of n items (Heap's algorithm). */
function permutations<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  const a = [...items];
  const c = a.map(() => 0);
  out.push([...a]);
  let i = 0;
  while (i < a.length) {
    if (c[i] < i) {
      const j = i % 2 === 0 ? 0 : c[i];
      [a[j], a[i]] = [a[i], a[j]];
      out.push([...a]);
      c[i] += 1;
      i = 0;
    } else {
      c[i] = 0;
      i += 1;
    }
  }
  return out;
}

/**
 * A renewal's events arrive duplicated and in any order (the sandbox holds them back, then the test
 * delivers them one at a time in a chosen order, each twice): whatever the order, each paid invoice
 * is one gift, posted once, with its fee and its receipt; nothing is lost. Then a renewal that
 * fails: the donor gets the update-card link (a billing portal session made when opened), Stripe's
 * retry succeeds and posts the gift once; a card that keeps failing ends the series after Stripe's
 * last retry (customer.subscription.deleted), and the donor is told.
 */
describe('recurring gifts: renewal events in every order, failures and retries (sandbox test clock, API, worker, SMTP)', () => {
  let sink: SmtpSink;
  let world: DonationWorld;
  let stripe: Stripe;
  let clockId: string;
  let campaign: { id: string; slug: string };
  const seen = new Set<string>();
  const KEY_TYPES = ['invoice.paid', 'invoice_payment.paid', 'charge.succeeded', 'charge.updated'] as const;

  const mailsTo = (email: string) => sink.messages.filter((m) => m.envelope.to.includes(email));
  const giftsOf = (id: string) => world.db.query(`SELECT * FROM donations WHERE recurring_gift_id = $1 ORDER BY settled_at, id`, [id]);
  const seriesRow = async (id: string) => (await world.db.query(`SELECT * FROM recurring_gifts WHERE id = $1`, [id]))[0];
  const hold = () => world.sandbox.control.addWebhookEndpoint({ url: `${world.apiUrl}/webhooks/stripe`, secret: world.sandbox.webhookSecret, enabledEvents: ['none.never'], replace: true });
  const release = () => world.sandbox.control.setWebhookEndpoint(`${world.apiUrl}/webhooks/stripe`, world.sandbox.webhookSecret);

  /** The events made since the last call, oldest first. */
  async function newEvents(): Promise<Stripe.Event[]> {
    const all = await stripe.events.list({ limit: 100 }).autoPagingToArray({ limit: 10_000 });
    const fresh = all.filter((e) => !seen.has(e.id)).reverse();
    for (const e of fresh) seen.add(e.id);
    return fresh;
  }

  /** Delivers the events one at a time in this order, each processed before the next. */
  async function deliverInOrder(events: readonly Stripe.Event[]): Promise<void> {
    for (const e of events) {
      await world.sandbox.control.resendEvent(e.id);
      await drainInbox(world);
    }
  }

  async function advanceTo(to: number): Promise<void> {
    await stripe.testHelpers.testClocks.advance(clockId, { frozen_time: to });
    await eventually(async () => (await stripe.testHelpers.testClocks.retrieve(clockId)).status === 'ready', 'the test clock ready', 60_000);
  }

  async function startSeries(fields: Record<string, string>): Promise<{ id: string; sessionId: string }> {
    const res = await submitDonationForm(world, campaign.slug, fields);
    expect(res.status).toBe(303);
    const [row] = await world.db.query(`SELECT id, stripe_checkout_session_id FROM recurring_gifts WHERE donor_email = $1 ORDER BY created_at DESC LIMIT 1`, [fields.donorEmail]);
    return { id: row.id, sessionId: row.stripe_checkout_session_id };
  }

  /** Each gift posted once (one donation journal entry, one public leaf), its fee known, one receipt queued. */
  async function expectPostedOnce(seriesId: string, count: number): Promise<void> {
    const gifts = await giftsOf(seriesId);
    expect(gifts).toHaveLength(count);
    for (const g of gifts) expect(g).toMatchObject({ status: 'succeeded' });
    expect(gifts.every((g: any) => g.processing_fee !== null && g.public_leaf_index !== null)).toBe(true);
    const ids = gifts.map((g: any) => g.id);
    const [{ n: entries }] = await world.db.query(`SELECT count(*)::int AS n FROM journal_entries WHERE kind = 'donation' AND metadata->>'donation_id' = ANY($1::text[])`, [ids]);
    expect(entries).toBe(count);
    const [{ n: receipts }] = await world.db.query(`SELECT count(*)::int AS n FROM outbox WHERE kind = 'donation_receipt' AND aggregate_id = ANY($1::text[])`, [ids]);
    expect(receipts).toBe(count);
  }

  beforeAll(async () => {
    sink = await startSmtpSink();
    world = await startDonationWorld({
      env: { SMTP_URL: sink.url, MAIL_FROM: 'Ataa Receipts <receipts@ataa.test>' },
      beforeApps: async (sandbox) => {
        const clock = await sandbox.stripe().testHelpers.testClocks.create({ frozen_time: await sandbox.control.now(), name: 'renewal orders' });
        return { STRIPE_TEST_CLOCK: clock.id };
      },
    });
    stripe = world.sandbox.stripe();
    clockId = world.config.STRIPE_TEST_CLOCK!;
    const org = await createOrganizationWithOwner(world.api);
    campaign = await createCampaign(world.api, org, { title: 'Weekly bread', currency: 'usd' });
    await newEvents();
  });
  afterAll(async () => {
    await world?.close();
    await sink?.close();
  });

  it('posts the first payment once when its events come in reverse (invoice.paid before customer.subscription.created), each twice', async () => {
    const series = await startSeries({ amount: 'other', customAmount: '5', frequency: 'weekly', donorName: 'Sami', donorEmail: 'sami@example.org' });
    await hold();
    expect((await world.sandbox.control.paySession(series.sessionId)).ok).toBe(true);
    await world.sandbox.control.waitForWebhooks();
    const events = await newEvents();
    const types = events.map((e) => e.type);
    expect(types.indexOf('customer.subscription.created')).toBeLessThan(types.indexOf('invoice.paid'));
    await release();
    await deliverInOrder([...events].reverse());
    await deliverInOrder(events);
    await settle(world);
    await expectPostedOnce(series.id, 1);
    expect(await seriesRow(series.id)).toMatchObject({ status: 'active', payments_count: 1 });
  });

  it('posts each renewal once whatever the order of its invoice.paid, invoice_payment.paid, charge.succeeded and charge.updated (all 24 orders), each delivered twice', async () => {
    const [series] = await world.db.query(`SELECT id, stripe_subscription_id FROM recurring_gifts WHERE donor_email = 'sami@example.org'`);
    const orders = permutations(KEY_TYPES);
    expect(orders).toHaveLength(24);
    let periodEnd = (await stripe.subscriptions.retrieve(series.stripe_subscription_id)).items.data[0].current_period_end;
    for (const [n, order] of orders.entries()) {
      await hold();
      await advanceTo(periodEnd + 60);
      await world.sandbox.control.waitForWebhooks();
      const events = await newEvents();
      await release();
      const key = order.map((type) => {
        const found = events.find((e) => e.type === type);
        if (!found) throw new Error(`renewal ${n + 2}: no ${type} among ${events.map((e) => e.type).join(', ')}`);
        return found;
      });
      const rest = events.filter((e) => !key.includes(e));
      // The chosen order first, then the renewal's other events, then everything again (duplicates, payment_failed-style late arrivals).
      await deliverInOrder([...key, ...rest, ...key.reverse()]);
      await settle(world);
      await expectPostedOnce(series.id, n + 2);
      periodEnd = (await stripe.subscriptions.retrieve(series.stripe_subscription_id)).items.data[0].current_period_end;
    }
    // 25 gifts of $5.00: 25 receipts over SMTP, one each.
    await eventually(async () => mailsTo('sami@example.org').filter((m) => /receipt/i.test(m.parsed.subject ?? '')).length >= 25 || false, '25 receipts', 90_000);
    expect(mailsTo('sami@example.org').filter((m) => /receipt/i.test(m.parsed.subject ?? ''))).toHaveLength(25);
    expect(await auditLedger(world.db.manager)).toEqual([]);
    // Stopped here so the monthly series below can move the clock a month at a time.
    const link = /\/recurring\/cancel\?token=[^\s"<>]+/.exec(mailsTo('sami@example.org')[0].parsed.text ?? '')![0];
    const agent = request.agent(world.apiUrl);
    const page = await agent.get(link).expect(200);
    await agent.post('/recurring/cancel').type('form').send({ _csrf: /name="_csrf" value="([^"]+)"/.exec(page.text)![1], token: decodeURIComponent(link.split('token=')[1]), lang: 'en' }).expect(200);
    await settle(world);
    expect(await seriesRow(series.id)).toMatchObject({ status: 'cancelled', end_reason: 'donor' });
  });

  it('a failed renewal e-mails the update-card link; Stripe retries; a card that keeps failing ends the series after the last retry', async () => {
    const email = 'fadi@example.org';
    const series = await startSeries({ amount: 'other', customAmount: '20', frequency: 'monthly', donorEmail: email });
    expect((await world.sandbox.control.paySession(series.sessionId)).ok).toBe(true);
    await settle(world);
    await newEvents();
    const row = await seriesRow(series.id);
    const failing = await stripe.paymentMethods.attach('pm_card_chargeCustomerFail', { customer: row.stripe_customer_id });
    await stripe.subscriptions.update(row.stripe_subscription_id, { default_payment_method: failing.id });
    const sub = await stripe.subscriptions.retrieve(row.stripe_subscription_id);
    let periodEnd = sub.items.data[0].current_period_end;

    // The renewal fails: past due, one e-mail with the update-card link, no gift.
    await advanceTo(periodEnd + 60);
    await settle(world);
    expect(await seriesRow(series.id)).toMatchObject({ status: 'past_due' });
    const failed = await eventually(async () => mailsTo(email).find((m) => m.parsed.subject === 'Your recurring gift could not be charged') ?? false, 'the failed-payment e-mail');
    expect(failed.parsed.text).toContain('We will try again in a few days');
    expect(await giftsOf(series.id)).toHaveLength(1);
    // Delivered again (and after a paid event of the first invoice): nothing more.
    const failEvent = (await newEvents()).find((e) => e.type === 'invoice.payment_failed')!;
    expect(failEvent).toBeDefined();
    await deliverInOrder([failEvent]);
    expect(mailsTo(email).filter((m) => m.parsed.subject === 'Your recurring gift could not be charged')).toHaveLength(1);

    // The link opens a billing portal session for this donor's customer, made now.
    const cardLink = /\/recurring\/card\?token=[^\s"<>]+/.exec(failed.parsed.text ?? '')![0];
    const portal = await request(world.apiUrl).get(cardLink).expect(303);
    expect(portal.headers.location).toMatch(/\/p\/session\//);

    // The donor updates the card (as on the portal); Stripe's retry three days later succeeds: one more gift.
    const good = await stripe.paymentMethods.attach('pm_card_visa', { customer: row.stripe_customer_id });
    await stripe.subscriptions.update(row.stripe_subscription_id, { default_payment_method: good.id });
    await advanceTo(periodEnd + 3 * 86_400 + 120);
    await settle(world);
    await expectPostedOnce(series.id, 2);
    expect(await seriesRow(series.id)).toMatchObject({ status: 'active', payments_count: 2 });
    // A late payment_failed of that invoice (after it was paid) changes nothing.
    await deliverInOrder([failEvent]);
    expect(await seriesRow(series.id)).toMatchObject({ status: 'active' });

    // A card that keeps failing: the renewal and its three retries (3, 5 and 7 days later) fail, then Stripe cancels.
    const bad = await stripe.paymentMethods.attach('pm_card_chargeCustomerFail', { customer: row.stripe_customer_id });
    await stripe.subscriptions.update(row.stripe_subscription_id, { default_payment_method: bad.id });
    periodEnd = (await stripe.subscriptions.retrieve(row.stripe_subscription_id)).items.data[0].current_period_end;
    await advanceTo(periodEnd + 16 * 86_400);
    await settle(world);
    expect((await stripe.subscriptions.retrieve(row.stripe_subscription_id)).status).toBe('canceled');
    expect(await seriesRow(series.id)).toMatchObject({ status: 'cancelled', end_reason: 'payment_failed' });
    const stopped = await eventually(async () => mailsTo(email).find((m) => m.parsed.subject === 'Your recurring gift has stopped') ?? false, 'the stopped e-mail');
    expect(stopped.parsed.text).toContain('the card could not be charged after several tries');
    await expectPostedOnce(series.id, 2);
    expect(await auditLedger(world.db.manager)).toEqual([]);
  });
});
