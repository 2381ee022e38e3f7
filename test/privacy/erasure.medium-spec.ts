import { jest } from '@jest/globals';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import Stripe from 'stripe';
import { DataSource } from 'typeorm';
import { DonationSyncService, OfflineGiftsService } from '@ataa/donations';
import { StripeGateway } from '@ataa/payments';
import { deriveErasureKey, ErasureService, signErasureToken } from '@ataa/privacy';
import { PublicLedgerRedactor } from '@ataa/transparency';
import { createCampaign, createOrganizationWithOwner, createTestEnvironment, startTestApi, TestEnvironment } from '@ataa/testing';

jest.setTimeout(120_000);

/**
 * The erasure use case against PostgreSQL: an erasure killed half-way (Stripe failing, the records
 * transaction failing) resumes and completes; run twice it ends in the same state as once; the
 * public log's leaves, nodes and roots do not change; another donor's gift is untouched. The donor's
 * link: no request for an address without gifts, forged / replayed links refused, rate-limited.
 */
describe('erasure (medium)', () => {
  let env: TestEnvironment;
  let api: NestFastifyApplication;
  let db: DataSource;
  let erasures: ErasureService;
  let campaignId: string;
  const gifts: Record<'named' | 'anonymous' | 'other' | 'offline' | 'offlineOther', string> = { named: '', anonymous: '', other: '', offline: '', offlineOther: '' };
  let updateId: string;
  const created = 1_780_000_000;

  const settle = async (n: number, donationId: string, amount: number) => {
    const sync = api.get(DonationSyncService);
    const charge = {
      id: `ch_e${n}`, object: 'charge', status: 'succeeded', paid: true, amount, currency: 'usd', created: created + n, payment_intent: `pi_e${n}`,
      metadata: { donation_id: donationId }, billing_details: { name: 'Card Holder', email: 'dana@example.org', address: null, phone: null },
    };
    const bt = { id: `txn_e${n}`, object: 'balance_transaction', currency: 'usd', amount, fee: 59, exchange_rate: null, created: created + n };
    const session = {
      id: `cs_e${n}`, object: 'checkout.session', status: 'complete', payment_status: 'paid', payment_intent: `pi_e${n}`, customer: `cus_e${n}`,
      customer_email: 'dana@example.org', customer_details: { email: 'dana@example.org', name: 'Dana Donor', address: null }, metadata: { donation_id: donationId },
    };
    const events = [
      { id: `evt_e${n}_0`, object: 'event', type: 'charge.succeeded', created: created + n, data: { object: charge } },
      { id: `evt_e${n}_1`, object: 'event', type: 'charge.updated', created: created + n, data: { object: { ...charge, balance_transaction: bt } } },
      { id: `evt_e${n}_2`, object: 'event', type: 'checkout.session.completed', created: created + n, data: { object: session } },
    ] as unknown as Stripe.Event[];
    await db.transaction((m) => sync.settleEvents(m, events));
    // The inbox keeps the webhook payloads (with the session's customer_details and the charge's billing_details).
    for (const e of events) {
      const object = (e.data.object as unknown as { id: string }).id;
      await db.query(
        `INSERT INTO stripe_events (id, type, object_id, stripe_created_at, payload, processed_at) VALUES ($1, $2, $3, now(), $4::jsonb, now())`,
        [e.id, e.type, object, JSON.stringify(e)],
      );
    }
  };

  const insertGift = async (n: number, name: string | null, email: string, anonymous: boolean, message: string | null, amount: number) => {
    const [{ id }] = await db.query(
      `INSERT INTO donations (id, campaign_id, organization_id, currency, amount, chosen_amount, covered_fees, platform_fee_bps, donor_name, donor_email, anonymous,
         public_message, locale, stripe_checkout_session_id)
       SELECT gen_random_uuid(), $1, organization_id, 'usd', $2, $2, 0, 300, $3, $4, $5, $6, 'en', $7 FROM campaigns WHERE id = $1 RETURNING id`,
      [campaignId, amount, name, email, anonymous, message, `cs_e${n}`],
    );
    await settle(n, id, amount);
    return id as string;
  };

  /** Everything the erasure may touch, to compare runs. */
  const snapshot = async () => ({
    donations: await db.query(
      `SELECT id, status, amount::text, currency, donor_name, donor_email, public_message, donor_commitment_salt, erased_at, retain_until, settled_at,
         stripe_checkout_session_id, stripe_payment_intent_id, stripe_charge_id, public_leaf_index, public_leaf_hash FROM donations ORDER BY id`),
    entries: await db.query(
      `SELECT idx, kind, donor_name, public_message, donor_salt, message_salt, redactions, encode(leaf_hash, 'hex') AS leaf FROM public_ledger_entries ORDER BY idx`),
    logs: await db.query(`SELECT size, encode(root_hash, 'hex') AS root, donors FROM transparency_logs`),
    offline: await db.query(`SELECT id, amount::text, donor_name, donor_email, message, public_index FROM offline_gifts ORDER BY id`),
    deliveries: await db.query(`SELECT donation_id, email_hash, status, last_error FROM campaign_update_deliveries ORDER BY donation_id`),
    nodes: await db.query(`SELECT level, idx, encode(hash, 'hex') AS hash FROM transparency_nodes ORDER BY level, idx`),
    receipts: await db.query(`SELECT donation_id, recipient, receipt_number FROM receipts ORDER BY donation_id`),
    outbox: await db.query(`SELECT aggregate_id, kind, status, last_error FROM outbox WHERE kind <> 'erasure_link' ORDER BY aggregate_id, kind`),
    events: await db.query(`SELECT id, payload FROM stripe_events ORDER BY id`),
  });

  beforeAll(async () => {
    env = await createTestEnvironment({ ERASURE_REQUESTS_PER_EMAIL: '3' });
    api = await startTestApi(env.config);
    db = api.get(DataSource);
    erasures = api.get(ErasureService);
    const org = await createOrganizationWithOwner(api);
    campaignId = (await createCampaign(api, org, { allowAnonymous: true })).id;
    gifts.named = await insertGift(1, 'Dana Donor', 'Dana@Example.org', false, 'For the well', 2500);
    gifts.anonymous = await insertGift(2, 'Dana Donor', 'dana@example.org', true, 'Quietly', 1000);
    gifts.other = await insertGift(3, 'Omar Other', 'omar@example.org', false, 'Good luck', 4000);
    // Offline gifts (issue 21): one recorded with Dana's address (its receipt not sent yet), one with Omar's.
    const principal = { organizationId: org.orgId, role: 'owner' as const, userId: org.ownerUserId, apiKeyId: null, actor: `user:${org.ownerUserId}` };
    const offline = (name: string, email: string, message: string) => api.get(OfflineGiftsService).record(principal, campaignId, {
      amount: '12.00', currency: 'usd', receivedOn: '2026-01-05', method: 'cash', reference: 'Cash book 3', anonymous: false, donorName: name, donorEmail: email,
      message, language: 'en',
    }, null);
    gifts.offline = (await offline('Dana Donor', 'dana@example.org', 'Cash for the well')).gift.id;
    gifts.offlineOther = (await offline('Omar Other', 'omar@example.org', 'Cash too')).gift.id;
    // A campaign update listed for Dana's named gift (not sent yet) and for Omar's (sent).
    [{ id: updateId }] = await db.query(
      `INSERT INTO campaign_updates (id, organization_id, campaign_id, language, title, body_markdown, body_html, status, published_at, created_by)
       VALUES (gen_random_uuid(), $1, $2, 'en', 'News', 'News', '<p>News</p>', 'published', now(), 'user:test') RETURNING id`, [org.orgId, campaignId]);
    await db.query(`INSERT INTO campaign_update_deliveries (update_id, email_hash, donation_id, locale, batch, status, last_error) VALUES ($1, repeat('d', 64), $2, 'en', 0, 'pending', 'greylisted dana@example.org')`, [updateId, gifts.named]);
    await db.query(`INSERT INTO campaign_update_deliveries (update_id, email_hash, donation_id, locale, batch, status, sent_at) VALUES ($1, repeat('e', 64), $2, 'en', 0, 'sent', now())`, [updateId, gifts.other]);
    // The named gift's receipt went out (its row keeps the address).
    const [outbox] = await db.query(`SELECT id FROM outbox WHERE aggregate_id = $1 AND kind = 'donation_receipt'`, [gifts.named]);
    await db.query(
      `INSERT INTO receipts (outbox_id, kind, organization_id, donation_id, aggregate_id, year, sequence, receipt_number, recipient, locale, message_id, status, sent_at)
       SELECT $1, 'donation_receipt', organization_id, id, id, 2026, 1, '2026-000001', donor_email, 'en', '<r1@ataa.local>', 'sent', now() FROM donations WHERE id = $2`,
      [outbox.id, gifts.named],
    );
  });
  afterAll(async () => {
    await api?.close();
    await env?.cleanup();
  });

  it('resumes after being killed half-way, and running it again changes nothing', async () => {
    const before = await snapshot();
    // Her named card gift and her offline gift.
    expect(before.entries.filter((e: { donor_name: string | null }) => e.donor_name === 'Dana Donor').map((e: { kind: string }) => e.kind).sort()).toEqual(['donation', 'offline_gift']);

    const gateway = api.get(StripeGateway);
    const deleted: string[] = [];
    const retrieve = jest.spyOn(gateway, 'retrieveCheckoutSession').mockImplementation(async (id: string) => ({ id, customer: `cus_${id.slice(3)}` }) as Stripe.Checkout.Session);
    const del = jest.spyOn(gateway, 'deleteCustomer')
      .mockImplementationOnce(async () => {
        throw new Error('connection reset');
      })
      .mockImplementation(async (id: string) => {
        if (deleted.includes(id)) throw new Stripe.errors.StripeInvalidRequestError({ type: 'invalid_request_error', code: 'resource_missing', message: `No such customer: '${id}'` });
        deleted.push(id);
        return { id, object: 'customer', deleted: true } as Stripe.DeletedCustomer;
      });

    // A donor-page sign-in link (with its session) for Dana, one for Omar.
    const link = `INSERT INTO donor_sign_in_links (id, email, nonce, expires_at, used_at, session_nonce, session_expires_at)
      VALUES (gen_random_uuid(), $1, repeat('a', 32), now() + interval '10 minutes', now(), repeat('b', 32), now() + interval '30 minutes')`;
    await db.query(link, ['dana@example.org']);
    await db.query(link, ['omar@example.org']);

    const request = await erasures.requestByOperator({ email: ' DANA@example.org' });
    expect(request.state).toBe('confirmed');
    expect([...request.donationIds].sort()).toEqual([gifts.named, gifts.anonymous].sort());

    // 1. Stripe fails after the first step: nothing local is erased yet; the step done is recorded.
    await expect(erasures.process(request.id)).rejects.toThrow('connection reset');
    let state = await erasures.find(request.id);
    expect(state.completedSteps).toEqual(['cancel_recurring_gifts']);
    expect(state.lastError).toMatch(/erase_stripe_customers/);
    expect((await snapshot()).donations).toEqual(before.donations);

    // 2. The records transaction fails (killed): everything in it rolls back.
    const redactor = api.get(PublicLedgerRedactor);
    const redact = jest.spyOn(redactor, 'redact').mockImplementationOnce(async () => {
      throw new Error('killed');
    });
    await expect(erasures.process(request.id)).rejects.toThrow('killed');
    state = await erasures.find(request.id);
    expect(state.completedSteps).toEqual(['cancel_recurring_gifts', 'erase_stripe_customers']);
    expect(state.state).toBe('confirmed');
    const halfway = await snapshot();
    expect(halfway.donations).toEqual(before.donations);
    expect(halfway.entries).toEqual(before.entries);
    expect(deleted.sort()).toEqual(['cus_e1', 'cus_e2']);

    // 3. The rerun completes.
    expect(await erasures.process(request.id)).toEqual({ outcome: 'completed', steps: ['erase_records'] });
    redact.mockRestore();
    const once = await snapshot();
    state = await erasures.find(request.id);
    expect(state.state).toBe('completed');
    expect(state.completedSteps).toEqual(['cancel_recurring_gifts', 'erase_stripe_customers', 'erase_records']);

    const erased = once.donations.filter((d: { id: string }) => d.id !== gifts.other);
    for (const d of erased) {
      expect(d).toMatchObject({ donor_name: null, donor_email: null, public_message: null, donor_commitment_salt: null, status: 'succeeded' });
      expect(d.erased_at).toBeInstanceOf(Date);
      // Accounting facts stay, for ERASURE_ACCOUNTING_RETENTION_DAYS (3650 by default).
      expect(d.retain_until.getTime() - d.erased_at.getTime()).toBe(3650 * 86_400_000);
      expect(d.stripe_charge_id).toMatch(/^ch_e[12]$/);
    }
    const other = once.donations.find((d: { id: string }) => d.id === gifts.other);
    expect(other).toEqual(before.donations.find((d: { id: string }) => d.id === gifts.other));
    // The public log: no trace of the name or messages; leaves, nodes, roots as they were.
    expect(JSON.stringify(once.entries)).not.toMatch(/Dana|For the well|Quietly|Cash for the well/);
    // Dana's offline gift: name, e-mail and message gone, amount and public entry kept (redacted); Omar's untouched; its receipt not sent.
    expect(once.offline.find((g: { id: string }) => g.id === gifts.offline)).toMatchObject({ donor_name: null, donor_email: null, message: null, amount: '1200' });
    expect(once.offline.find((g: { id: string }) => g.id === gifts.offlineOther)).toEqual(before.offline.find((g: { id: string }) => g.id === gifts.offlineOther));
    const offlineEntry = once.entries.find((e: { idx: string }) => String(e.idx) === String(once.offline.find((g: { id: string }) => g.id === gifts.offline).public_index));
    expect(offlineEntry.redactions).toMatchObject({ donor: { reason: 'erased' }, message: { reason: 'erased' } });
    expect(once.outbox.find((o: { aggregate_id: string; kind: string }) => o.aggregate_id === gifts.offline && o.kind === 'offline_receipt')).toMatchObject({ status: 'skipped', last_error: 'donor data erased' });
    // The update delivery to Dana's gift no longer carries her address's hash or the error text, and will not be sent; Omar's is untouched.
    const danaDelivery = once.deliveries.find((d: { donation_id: string }) => d.donation_id === gifts.named);
    expect(danaDelivery).toMatchObject({ status: 'skipped', last_error: null });
    expect(danaDelivery.email_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(danaDelivery.email_hash).not.toBe('d'.repeat(64));
    expect(once.deliveries.find((d: { donation_id: string }) => d.donation_id === gifts.other)).toEqual(before.deliveries.find((d: { donation_id: string }) => d.donation_id === gifts.other));
    expect(JSON.stringify(once.entries)).toMatch(/Omar Other/);
    expect(once.entries.map((e: { leaf: string }) => e.leaf)).toEqual(before.entries.map((e: { leaf: string }) => e.leaf));
    expect(once.nodes).toEqual(before.nodes);
    expect(once.logs.map((l: { root: string; size: string }) => [l.root, l.size])).toEqual(before.logs.map((l: { root: string; size: string }) => [l.root, l.size]));
    const namedEntry = once.entries.find((e: { idx: string }) => String(e.idx) === String(erased.find((d: { id: string }) => d.id === gifts.named).public_leaf_index));
    expect(namedEntry.redactions).toMatchObject({ donor: { reason: 'erased' }, message: { reason: 'erased' } });
    // Receipts keep their number, not the address; the unsent receipts are not sent.
    expect(once.receipts).toEqual([{ donation_id: gifts.named, recipient: null, receipt_number: '2026-000001' }]);
    for (const id of [gifts.named, gifts.anonymous]) {
      expect(once.outbox.find((o: { aggregate_id: string }) => o.aggregate_id === id)).toMatchObject({ status: 'skipped', last_error: 'donor data erased' });
    }
    // Webhook payloads: the personal fields are gone, ids and amounts stay; the other donor's are untouched.
    const events = JSON.stringify(once.events.filter((e: { id: string }) => !e.id.startsWith('evt_e3')));
    expect(events).not.toMatch(/Dana|dana@example|Card Holder/);
    expect(events).toMatch(/cus_e1/);
    expect(JSON.stringify(once.events.filter((e: { id: string }) => e.id.startsWith('evt_e3')))).toMatch(/dana@example/);
    // The donor page's links and sessions of the address are gone; another donor's stay.
    expect((await db.query(`SELECT email FROM donor_sign_in_links ORDER BY email`)).map((r: { email: string }) => r.email)).toEqual(['omar@example.org']);
    // Audited: who, which gifts, counts; never the erased data.
    const audit = await db.query(`SELECT actor, action, target_id, details FROM audit_log WHERE action = 'donor.erased'`);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor: 'operator', target_id: request.id, details: { requestedThrough: 'operator', offlineGiftIds: [gifts.offline], counts: { donations: 2, receipts: 1, publicEntries: 3, offlineGifts: 1, offlineGiftsChanged: 1, updateDeliveries: 1 } } });
    expect(JSON.stringify(audit)).not.toMatch(/Dana|dana@|well|Quietly|Cash/i);

    // Run twice = once: the same request again, and a new request for an erased gift.
    expect(await erasures.process(request.id)).toEqual({ outcome: 'already_completed', steps: [] });
    const again = await erasures.requestByOperator({ donationId: gifts.named });
    expect((await erasures.process(again.id)).outcome).toBe('completed');
    expect(await snapshot()).toEqual(once);
    // An address whose gifts are all erased has nothing left to erase.
    await expect(erasures.requestByOperator({ email: 'dana@example.org' })).rejects.toMatchObject({ code: 'donor_not_found', status: 404 });
    expect(retrieve).toHaveBeenCalled();
    expect(del).toHaveBeenCalled();
    retrieve.mockRestore();
    del.mockRestore();
  });

  it('mails a link only for an address with gifts, confirms once, refuses forged, replayed and expired links, and limits requests', async () => {
    const key = deriveErasureKey(env.config.AUTH_SECRET!);
    const requests = async () => db.query(`SELECT id, state, email, expires_at FROM erasure_requests WHERE source = 'donor_link' ORDER BY created_at`);
    const links = async () => db.query(`SELECT aggregate_id FROM outbox WHERE kind = 'erasure_link'`);

    await erasures.requestLink({ email: 'nobody@example.org', clientAddress: '203.0.113.9', language: 'en' });
    expect(await requests()).toEqual([]);
    expect(await links()).toEqual([]);

    await erasures.requestLink({ email: 'Omar@example.org', clientAddress: '203.0.113.9', language: 'ar' });
    const [waiting] = await requests();
    expect(waiting).toMatchObject({ state: 'awaiting_confirmation', email: 'omar@example.org' });
    expect(await links()).toEqual([{ aggregate_id: waiting.id }]);

    const token = signErasureToken(key, waiting.id, waiting.expires_at);
    const forged = signErasureToken(deriveErasureKey('someone-elses-secret-of-32-characters-or-more'), waiting.id, waiting.expires_at);
    await expect(erasures.confirmLink(forged)).rejects.toMatchObject({ code: 'erasure_link_invalid', status: 400 });
    await expect(erasures.confirmLink(token.slice(0, -2) + (token.endsWith('AA') ? 'BB' : 'AA'))).rejects.toMatchObject({ code: 'erasure_link_invalid' });
    await expect(erasures.confirmLink(signErasureToken(key, waiting.id, new Date(Date.now() - 1000)))).rejects.toMatchObject({ code: 'erasure_link_expired', status: 410 });

    const confirmed = await erasures.confirmLink(token);
    expect(confirmed).toMatchObject({ state: 'confirmed', donationIds: [gifts.other] });
    // The address is dropped once the gifts are fixed.
    expect((await requests())[0]).toMatchObject({ state: 'confirmed', email: null });
    await expect(erasures.confirmLink(token)).rejects.toMatchObject({ code: 'erasure_link_used', status: 409 });
    await expect(erasures.checkLink(token)).rejects.toMatchObject({ code: 'erasure_link_used' });

    // Per e-mail address: 3 requests per window (the first one above counted), whatever the address's gifts.
    await erasures.requestLink({ email: 'omar@example.org', clientAddress: '203.0.113.10', language: 'en' });
    await erasures.requestLink({ email: 'OMAR@example.org', clientAddress: '203.0.113.11', language: 'en' });
    await expect(erasures.requestLink({ email: 'omar@example.org', clientAddress: '203.0.113.12', language: 'en' })).rejects.toMatchObject({ code: 'rate_limited', status: 429 });
  });
});
