import { jest } from '@jest/globals';
import { createHash } from 'node:crypto';
import { INestApplicationContext } from '@nestjs/common';
import type Stripe from 'stripe';
import { DataSource } from 'typeorm';
import { DonationSyncService } from '@ataa/donations';
import { auditLedger } from '@ataa/ledger';
import { PublicLedgerAppender } from '@ataa/transparency';
import {
  createCampaign, createOrganizationWithOwner, createTestEnvironment, startTestApi, startTestWorker, testDatabaseUrl, TestEnvironment, withServerClient,
} from '@ataa/testing';

jest.setTimeout(180_000);

/**
 * Batching changes nothing but speed: the same random sequence of a gift's events (charges, fees
 * arriving before or after their charge, paid sessions, duplicates) over 3 campaigns, recorded one
 * event per transaction in one database and in random batch sizes in an identical clone, leaves
 * byte-identical ledgers, public logs, Merkle roots and donation rows.
 */
describe('settlement in batches equals settlement one event at a time', () => {
  let env: TestEnvironment;
  let single: INestApplicationContext;
  let batched: INestApplicationContext;
  const clone = `${'ataa_t_'}clone_${process.pid}_${Date.now().toString(36)}`;
  const events: Stripe.Event[] = [];

  // A seeded generator: the sequence is the same in every run (and so are failures).
  let seed = 20261205;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const pick = <T>(items: T[]) => items[Math.floor(random() * items.length)];

  beforeAll(async () => {
    env = await createTestEnvironment();
    const api = await startTestApi(env.config);
    const org = await createOrganizationWithOwner(api);
    const campaigns = [await createCampaign(api, org), await createCampaign(api, org), await createCampaign(api, org)];
    const db = api.get(DataSource);
    const created = 1_780_000_000;
    for (let n = 0; n < 60; n++) {
      const campaign = pick(campaigns);
      const amount = 1_000 + Math.floor(random() * 9_000);
      const [{ id }] = await db.query(
        `INSERT INTO donations (id, campaign_id, organization_id, currency, amount, chosen_amount, covered_fees, platform_fee_bps, donor_name, donor_email, anonymous, public_message, locale)
         SELECT gen_random_uuid(), $1, organization_id, 'usd', $2, $2, 0, 300, $3, $4, false, $5, 'en' FROM campaigns WHERE id = $1 RETURNING id`,
        [campaign.id, amount, n % 7 === 0 ? null : `Donor ${n}`, `donor${n}@example.org`, n % 3 === 0 ? `Message ${n}` : null],
      );
      const charge = {
        id: `ch_${n}`, object: 'charge', status: 'succeeded', paid: true, amount, currency: 'usd', created: created + n, payment_intent: `pi_${n}`,
        metadata: { donation_id: id }, balance_transaction: null as unknown,
      };
      const bt = { id: `txn_${n}`, object: 'balance_transaction', currency: 'usd', amount, fee: Math.round(amount * 0.029) + 30, exchange_rate: null, created: created + n + 1 };
      const event = (type: string, object: Record<string, unknown>, k: number) => ({ id: `evt_${n}_${k}`, object: 'event', type, created: created + n, data: { object } }) as unknown as Stripe.Event;
      events.push(event('charge.succeeded', charge, 0));
      events.push(event('charge.updated', { ...charge, balance_transaction: bt }, 1));
      events.push(event('payment_intent.succeeded', { id: `pi_${n}`, object: 'payment_intent', latest_charge: charge.id, metadata: { donation_id: id } }, 2));
      events.push(event('checkout.session.completed', { id: `cs_${n}`, object: 'checkout.session', status: 'complete', payment_status: 'paid', payment_intent: `pi_${n}`, metadata: { donation_id: id } }, 3));
      if (random() < 0.3) events.push(event('charge.updated', { ...charge, balance_transaction: bt }, 4)); // a second update of the same charge
    }
    // A random order: fees before their charge, sessions before anything.
    for (let i = events.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [events[i], events[j]] = [events[j], events[i]];
    }
    await api.close();
    await withServerClient((client) => client.query(`CREATE DATABASE ${clone} TEMPLATE ${env.database.name}`));
    single = await startTestWorker(env.config);
    batched = await startTestWorker(env.configWith({ DATABASE_URL: testDatabaseUrl(clone), QUEUE_PREFIX: `${env.queuePrefix}-b` }));
    // Public entries commit names and messages with random salts (leaf format 3): the same salts for
    // the same entry in both runs, so that their leaves, roots and nodes compare byte for byte.
    const saltsOf = (campaignId: string, index: number) => Buffer.concat(['donor', 'message'].map((field) => createHash('sha256').update(`${campaignId}|${index}|${field}`).digest()));
    for (const worker of [single, batched]) Object.assign(worker.get(PublicLedgerAppender), { drawSalts: saltsOf });
  });
  afterAll(async () => {
    await single?.close();
    await batched?.close();
    await withServerClient((client) => client.query(`DROP DATABASE IF EXISTS ${clone} WITH (FORCE)`));
    await env?.cleanup();
  });

  /** Everything settlement writes, in a comparable form (no generated ids; journal entries by order of posting). */
  const dump = async (app: INestApplicationContext) => {
    const db = app.get(DataSource);
    return {
      entries: await db.query(
        `SELECT row_number() OVER (ORDER BY seq) AS n, kind, source_id, campaign_id, currency, occurred_at, memo, metadata,
           (SELECT json_agg(json_build_array(account_code, currency, amount::text) ORDER BY id) FROM postings p WHERE p.entry_id = e.id) AS postings
         FROM journal_entries e ORDER BY seq`),
      balances: await db.query(`SELECT account_code, currency, sum(balance)::text AS balance FROM ledger_balances GROUP BY 1, 2 ORDER BY 1, 2`),
      totals: await db.query(`SELECT campaign_id, raised, donations_count, processing_fees, platform_fees, refunded, disputed, paid_out, other FROM campaign_ledger_totals ORDER BY 1`),
      publicEntries: await db.query(
        `SELECT campaign_id, idx, occurred_at, month, kind, amount, currency, donor_name, donor_commitment, public_message, payout_purpose, balance,
           encode(leaf_hash, 'hex') AS leaf FROM public_ledger_entries ORDER BY campaign_id, idx`),
      logs: await db.query(`SELECT campaign_id, currency, size, encode(root_hash, 'hex') AS root, encode(frontier, 'hex') AS frontier, balance, donors FROM transparency_logs ORDER BY 1`),
      nodes: await db.query(`SELECT campaign_id, level, idx, encode(hash, 'hex') AS hash FROM transparency_nodes ORDER BY 1, 2, 3`),
      publicTotals: await db.query(`SELECT * FROM transparency_totals ORDER BY campaign_id, month, kind`),
      donations: await db.query(
        `SELECT id, status, platform_fee, processing_fee, refunded_amount, disputed_amount, stripe_charge_id, stripe_payment_intent_id, payment_status,
           settled_at, public_leaf_index, public_leaf_hash FROM donations ORDER BY id`),
      receipts: await db.query(`SELECT kind, aggregate_id, dedupe_key FROM outbox ORDER BY dedupe_key`),
    };
  };

  it('records the same sequence identically one at a time and in random batch sizes', async () => {
    const outcomesSingle: (string | null)[] = [];
    const syncA = single.get(DonationSyncService);
    for (const event of events) {
      outcomesSingle.push(...await single.get(DataSource).transaction((m) => syncA.settleEvents(m, [event])));
    }
    const outcomesBatched: (string | null)[] = [];
    const syncB = batched.get(DonationSyncService);
    const sizes: number[] = [];
    for (let i = 0; i < events.length;) {
      const size = 1 + Math.floor(random() * 40);
      sizes.push(size);
      outcomesBatched.push(...await batched.get(DataSource).transaction((m) => syncB.settleEvents(m, events.slice(i, i + size))));
      i += size;
    }
    expect(sizes.some((s) => s > 10)).toBe(true);

    const [a, b] = [await dump(single), await dump(batched)];
    expect(a.entries.length).toBe(60 * 3); // donation, platform fee, processing fee: once each
    expect(a.publicEntries.length).toBe(60 * 3);
    expect(a.receipts.length).toBe(60);
    expect(a.donations.every((d: { status: string; processing_fee: string | null }) => d.status === 'succeeded' && d.processing_fee !== null)).toBe(true);
    expect(b).toEqual(a);
    expect(await auditLedger(batched.get(DataSource).manager)).toEqual([]);
    // A paid session or payment intent seen before its charge marks the gift paid; its charge then settles it.
    expect(outcomesSingle.filter((o) => o === 'awaiting_charge').length).toBeGreaterThan(0);
    expect(outcomesSingle.every((o) => o !== null)).toBe(true);
  });
});
