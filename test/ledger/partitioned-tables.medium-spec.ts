import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type Stripe from 'stripe';
import { DataSource } from 'typeorm';
import type { AppConfig } from '@ataa/config';
import { dataSourceOptions, TransactionRunner } from '@ataa/database';
import { auditLedger, campaignFundsAccount, donationEntry, LedgerRepository, LedgerService, processingFeeEntry } from '@ataa/ledger';
import type { MetricsService } from '@ataa/observability';
import { StripeEventInbox } from '@ataa/payments';
import type { JobProducer } from '@ataa/queue';
import { createTestEnvironment, TestEnvironment, withServerClient } from '@ataa/testing';

/**
 * The tables that grow with gifts are hash-partitioned (migration 1795004400000,
 * docs/partitioning.md), the Stripe inbox by month of receipt (migration 1795004800000). This file checks, on a seeded database, that the hot queries still read
 * one partition (or only the partitions of the rows they join to) through the same indexes, with
 * the plans the unpartitioned tables had; that the database still refuses to change the ledger,
 * partition by partition; and that down() gives back the previous schema with every row.
 *
 * The queries are the application's own, copied from the files named beside each.
 */
describe('partitioned growing tables (migrations 1795004400000, 1795004800000)', () => {
  let env: TestEnvironment;
  let ds: DataSource;
  // 32 campaigns, 4 in each of the 8 hash partitions (32 random ids leave one empty in about 1 run in 9).
  let campaigns: string[];
  let campaign: string;
  const GROWING = ['journal_entries', 'postings', 'public_ledger_entries', 'transparency_nodes', 'stripe_events'];
  const APPEND_ONLY = ['journal_entries', 'postings', 'public_ledger_entries', 'transparency_nodes'];
  // The months the seeded Stripe events were received in (the seed spreads them over about four).
  let eventMonths: string[];
  // The inbox's partitions: every month from the oldest seeded one to two months ahead, and the default.
  let eventPartitions: string[];

  beforeAll(async () => {
    env = await createTestEnvironment();
    ds = await new DataSource(dataSourceOptions(env.database.url, { logging: false })).initialize();
    campaigns = await campaignsInEveryPartition(ds, 4);
    campaign = campaigns[5];
    await seed(ds, campaigns);
    eventMonths = (await ds.query(`SELECT DISTINCT 'stripe_events_' || to_char(received_at AT TIME ZONE 'UTC', 'YYYY_MM') AS m FROM stripe_events ORDER BY 1`))
      .map((r: { m: string }) => r.m);
    eventPartitions = await stripeEventPartitions(ds);
  }, 120_000);
  afterAll(async () => {
    await ds?.destroy();
    await env?.cleanup();
  });

  it('partitions each ledger table by hash of the key its unique constraints share, 8 ways, and the inbox by month', async () => {
    const rows: { t: string; key: string; parts: number }[] = await ds.query(
      `SELECT c.relname AS t, pg_get_partkeydef(c.oid) AS key, (SELECT count(*)::int FROM pg_inherits i WHERE i.inhparent = c.oid) AS parts
         FROM pg_class c WHERE c.relkind = 'p' AND c.relnamespace = 'public'::regnamespace ORDER BY 1`,
    );
    expect(rows).toEqual([
      { t: 'journal_entries', key: 'HASH (id)', parts: 8 },
      { t: 'postings', key: 'HASH (entry_id)', parts: 8 },
      { t: 'public_ledger_entries', key: 'HASH (campaign_id)', parts: 8 },
      { t: 'stripe_events', key: 'RANGE (received_at)', parts: eventPartitions.length },
      { t: 'transparency_nodes', key: 'HASH (campaign_id)', parts: 8 },
    ]);
    // The seeded rows are spread over every partition (the plans below are read on real data).
    for (const t of APPEND_ONLY) {
      const [{ used }] = await ds.query(`SELECT count(DISTINCT tableoid)::int AS used FROM ${t}`);
      expect(used).toBe(8);
    }
    // The inbox: one partition per UTC month, from the oldest event's to two months ahead, plus an empty default.
    const month = (offset: number) => {
      const d = new Date();
      return `stripe_events_${new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + offset, 1)).toISOString().slice(0, 7).replace('-', '_')}`;
    };
    expect(eventMonths.length).toBeGreaterThanOrEqual(4);
    const months = eventPartitions.filter((p) => p !== 'stripe_events_default');
    expect(months[0]).toBe(eventMonths[0]);
    expect(months.slice(-3)).toEqual([month(0), month(1), month(2)]);
    expect(months.length).toBe(eventMonths.length + 2);
    expect(eventPartitions).toContain('stripe_events_default');
    const byPartition: { p: string; m: string }[] = await ds.query(
      `SELECT DISTINCT tableoid::regclass::text AS p, 'stripe_events_' || to_char(received_at AT TIME ZONE 'UTC', 'YYYY_MM') AS m FROM stripe_events`,
    );
    expect(byPartition.every((r) => r.p === r.m)).toBe(true);
    expect(byPartition.map((r) => r.p).sort()).toEqual(eventMonths);
    const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM stripe_events_default`);
    expect(n).toBe(0);
  });

  it('keeps every unique key and foreign key, the two journal-entry keys through journal_entry_keys, the event id through stripe_event_ids', async () => {
    const constraints: { c: string }[] = await ds.query(
      `SELECT conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid) AS c FROM pg_constraint
        WHERE contype IN ('p', 'u', 'f') AND conparentid = 0 AND conrelid::regclass::text IN (${[...GROWING, 'journal_entry_keys', 'stripe_event_ids'].map((t) => `'${t}'`).join(', ')})`,
    );
    expect(constraints.map((r) => r.c).sort()).toEqual([
      'journal_entries journal_entries_key_fkey FOREIGN KEY (id, seq, source_id, kind) REFERENCES journal_entry_keys(entry_id, seq, source_id, kind)',
      'journal_entries journal_entries_pkey PRIMARY KEY (id)',
      'journal_entry_keys journal_entries_seq_key UNIQUE (seq)',
      'journal_entry_keys journal_entries_source_kind_uq PRIMARY KEY (source_id, kind)',
      'journal_entry_keys journal_entry_keys_entry_uq UNIQUE (entry_id, seq, source_id, kind)',
      'postings postings_account_code_currency_fkey FOREIGN KEY (account_code, currency) REFERENCES ledger_accounts(code, currency)',
      'postings postings_entry_id_fkey FOREIGN KEY (entry_id) REFERENCES journal_entries(id)',
      'postings postings_pkey PRIMARY KEY (entry_id, id)',
      'public_ledger_entries public_ledger_entries_pkey PRIMARY KEY (campaign_id, idx)',
      'public_ledger_entries public_ledger_entries_source_unique UNIQUE (campaign_id, source_ref, kind)',
      'stripe_event_ids stripe_event_ids_pkey PRIMARY KEY (id)',
      'stripe_event_ids stripe_event_ids_received_uq UNIQUE (id, received_at)',
      'stripe_events stripe_events_id_fkey FOREIGN KEY (id, received_at) REFERENCES stripe_event_ids(id, received_at)',
      'stripe_events stripe_events_pkey PRIMARY KEY (id, received_at)',
      'transparency_nodes transparency_nodes_pkey PRIMARY KEY (campaign_id, level, idx)',
    ].sort());

    // The idempotency key holds over the whole ledger, whatever partitions two entries hash to.
    const duplicate = ds.transaction((m) => m.query(
      `INSERT INTO journal_entries (kind, source_id, campaign_id, currency, occurred_at) VALUES ('donation', 'ch_17', $1, 'usd', now())`, [campaign],
    ));
    await expect(duplicate).rejects.toThrow(/journal_entries_source_kind_uq/);
    // An entry that names another entry's key row (its id and seq) is refused by the foreign key's match on all four columns.
    const [taken] = await ds.query(`SELECT entry_id, seq FROM journal_entry_keys WHERE source_id = 'ch_17' AND kind = 'donation'`);
    const forged = ds.transaction((m) => m.query(
      `INSERT INTO journal_entries (id, seq, kind, source_id, currency, occurred_at) VALUES (gen_random_uuid(), $1, 'adjustment', 'forged', 'usd', now())`, [taken.seq],
    ));
    await expect(forged).rejects.toThrow(/journal_entries_seq_key|journal_entries_key_fkey/);
    await expect(ds.query(`INSERT INTO postings (entry_id, account_code, currency, amount) VALUES ($1, 'platform:stripe_balance', 'usd', 1)`, [randomUUID()]))
      .rejects.toThrow(/postings_entry_id_fkey/);
    // A unique violation on a partitioned table names the partition's index: it is the partition of the parent's.
    // An event id already recorded (in another month) is refused under the same name by the claim trigger.
    expect(await violated(ds, ds.query(`INSERT INTO stripe_events (id, type, stripe_created_at, payload) VALUES ('evt_17', 'charge.succeeded', now(), '{}')`)))
      .toBe('stripe_events_pkey');
    const [old] = await ds.query(`SELECT received_at FROM stripe_events WHERE id = 'evt_17'`);
    expect(await violated(ds, ds.query(`INSERT INTO stripe_events (id, type, stripe_created_at, payload, received_at) VALUES ('evt_17', 'charge.succeeded', now(), '{}', $1)`, [old.received_at])))
      .toBe('stripe_events_pkey');
    expect(await violated(ds, ds.query(
      `INSERT INTO public_ledger_entries (campaign_id, idx, occurred_at, month, kind, amount, currency, balance, leaf_hash, source_ref)
       VALUES ($1, 999, now(), '2026-12', 'donation', 1, 'usd', 1, sha256('x'), $2)`, [campaign, `je_${campaign}_3`],
    ))).toBe('public_ledger_entries_source_unique');
    expect(await violated(ds, ds.query(
      `INSERT INTO public_ledger_entries (campaign_id, idx, occurred_at, month, kind, amount, currency, balance, leaf_hash, source_ref)
       VALUES ($1, 3, now(), '2026-12', 'donation', 1, 'usd', 1, sha256('x'), 'another')`, [campaign],
    ))).toBe('public_ledger_entries_pkey');
    expect(await violated(ds, ds.query(`INSERT INTO transparency_nodes (campaign_id, level, idx, hash) VALUES ($1, 1, 0, sha256('x'))`, [campaign])))
      .toBe('transparency_nodes_pkey');
  });

  it('the ledger writer posts each fact once: a redelivered batch finds the entries its keys name', async () => {
    const ledger = new LedgerService(new LedgerRepository(ds));
    const tx = new TransactionRunner(ds);
    const giftCampaign = randomUUID();
    const base = (sourceId: string) => ({ campaignId: giftCampaign, currency: 'usd', occurredAt: new Date('2026-12-01T00:00:00Z'), sourceId });
    const batch = () => [donationEntry(base('ch_partitioned'), 10_000n), processingFeeEntry(base('txn_partitioned'), 320n)];
    // A $100.00 gift and its $3.20 fee: the campaign keeps 10,000 - 320 = 9,680.
    const first = await tx.run((m) => ledger.postMany(m, batch()));
    expect(first.map((r) => r.created)).toEqual([true, true]);
    const [keys] = await ds.query(`SELECT count(*)::int AS n FROM journal_entry_keys WHERE source_id IN ('ch_partitioned', 'txn_partitioned')`);
    expect(keys.n).toBe(2);
    // The same facts again (a webhook redelivered): nothing is written, the same entries are returned.
    const again = await tx.run((m) => ledger.postMany(m, batch()));
    expect(again.map((r) => [r.created, r.entry.id])).toEqual(first.map((r) => [false, r.entry.id]));
    expect(await ledger.balanceOf(campaignFundsAccount(giftCampaign), 'usd')).toBe(9_680n);
    expect(await ledger.campaignTotals(giftCampaign)).toMatchObject({ raised: 10_000n, processingFees: 320n, donationsCount: 1 });
    // Each entry's key row carries its id and seq (the foreign key checks all four columns).
    const rows = await ds.query(
      `SELECT count(*)::int AS n FROM journal_entries j JOIN journal_entry_keys k ON k.entry_id = j.id AND k.seq = j.seq AND k.source_id = j.source_id AND k.kind = j.kind
        WHERE j.id = ANY($1::uuid[])`, [first.map((r) => r.entry.id)],
    );
    expect(rows[0].n).toBe(2);
    expect(await auditLedger(ds.manager)).toEqual([]);
  });

  it('refuses UPDATE, DELETE and TRUNCATE on every partition of the append-only tables, and on the key table', async () => {
    for (const table of APPEND_ONLY) {
      for (let r = 0; r < 8; r++) {
        const partition = `${table}_p${r}`;
        const change = { journal_entries: `memo = 'rewritten'`, postings: 'amount = amount * 2', public_ledger_entries: 'amount = amount + 1', transparency_nodes: 'hash = sha256(hash)' }[table];
        await expect(ds.query(`UPDATE ${partition} SET ${change}`)).rejects.toThrow(/append-only/);
        await expect(ds.query(`DELETE FROM ${partition}`)).rejects.toThrow(/append-only: DELETE/);
        await expect(ds.query(`TRUNCATE ${partition} CASCADE`)).rejects.toThrow(/append-only: TRUNCATE/);
      }
      await expect(ds.query(`TRUNCATE ${table} CASCADE`)).rejects.toThrow(/append-only: TRUNCATE/);
    }
    await expect(ds.query(`UPDATE journal_entry_keys SET kind = 'refund'`)).rejects.toThrow(/append-only: UPDATE/);
    await expect(ds.query(`DELETE FROM journal_entry_keys`)).rejects.toThrow(/append-only: DELETE/);
    await expect(ds.query(`TRUNCATE journal_entry_keys CASCADE`)).rejects.toThrow(/append-only: TRUNCATE/);
    // A public entry may still have its personal fields redacted, on its partition too (migration 1795001500000).
    const [{ p }] = await ds.query(`SELECT tableoid::regclass::text AS p FROM public_ledger_entries WHERE campaign_id = $1 AND idx = 3`, [campaign]);
    await ds.query(`UPDATE ${p} SET donor_name = NULL WHERE campaign_id = $1 AND idx = 3`, [campaign]);
    // A posting written into a partition directly would miss the balance trigger on postings: refused.
    const [entry] = await ds.query(`SELECT id FROM journal_entries LIMIT 1`);
    for (let r = 0; r < 8; r++) {
      await expect(ds.query(`INSERT INTO postings_p${r} (entry_id, account_code, currency, amount) VALUES ($1, 'platform:stripe_balance', 'usd', 1)`, [entry.id]))
        .rejects.toThrow(/insert into postings, not into its partition/);
    }
    expect(await auditLedger(ds.manager)).toEqual([]);
  });

  it('records a Stripe event once, whatever month it is delivered again in (the key table stripe_event_ids)', async () => {
    const inbox = inboxOn(ds);
    // First received 62 days ago (in that month's partition), delivered again now, twice at once.
    const event = stripeEvent('evt_across_months');
    await ds.query(
      `INSERT INTO stripe_events (id, type, object_id, stripe_created_at, payload, received_at) VALUES ($1, $2, 'ch_across', now(), $3, now() - interval '62 days')`,
      [event.id, event.type, JSON.stringify(event)],
    );
    expect(await inbox.receive(event)).toEqual({ stored: false, pending: true });
    expect(await Promise.all([inbox.receive(event), inbox.receive(event)])).toEqual([{ stored: false, pending: true }, { stored: false, pending: true }]);
    const rows = await ds.query(`SELECT tableoid::regclass::text AS p, to_char(received_at AT TIME ZONE 'UTC', 'YYYY_MM') AS m FROM stripe_events WHERE id = $1`, [event.id]);
    expect(rows).toHaveLength(1);
    expect(rows[0].p).toBe(`stripe_events_${rows[0].m}`);

    // A new event: stored once in this month's partition; processed, then delivered again: not pending.
    const fresh = stripeEvent('evt_this_month');
    const both = await Promise.all([inbox.receive(fresh), inbox.receive(fresh)]);
    expect(both.map((r) => r.stored).sort()).toEqual([false, true]);
    expect((await inbox.find(fresh.id))?.processedAt).toBeNull();
    await inbox.markProcessed(fresh.id, 'settled');
    expect((await inbox.find(fresh.id))?.outcome).toBe('settled');
    expect(await inbox.receive(fresh)).toEqual({ stored: false, pending: false });
    const keys = await ds.query(`SELECT id, received_at = (SELECT e.received_at FROM stripe_events e WHERE e.id = k.id) AS same FROM stripe_event_ids k WHERE id = ANY($1) ORDER BY id`, [[event.id, fresh.id]]);
    expect(keys).toEqual([{ id: event.id, same: true }, { id: fresh.id, same: true }]);
  });

  it('keeps the next months\' partitions: idempotent, one at a time when two workers run it, rows in the default moved out', async () => {
    const inbox = inboxOn(ds);
    expect(await inbox.ensurePartitions()).toEqual([]);
    // The farthest month missing: two workers' retention jobs at once create it once.
    const last = eventPartitions.filter((p) => p !== 'stripe_events_default').at(-1)!;
    await ds.query(`ALTER TABLE stripe_events DETACH PARTITION ${last}`);
    await ds.query(`DROP TABLE ${last}`);
    const created = await Promise.all([inboxOn(ds).ensurePartitions(), inboxOn(ds).ensurePartitions()]);
    expect(created.flat()).toEqual([last]);
    expect(await stripeEventPartitions(ds)).toEqual(eventPartitions);

    // An event received before any partition lands in the default; the step makes its month (that one only) and moves it.
    const early = stripeEvent('evt_before_partitions');
    await ds.query(`INSERT INTO stripe_events (id, type, stripe_created_at, payload, received_at) VALUES ($1, $2, now(), '{}', '2020-03-15T12:00:00Z')`, [early.id, early.type]);
    const where = async () => (await ds.query(`SELECT tableoid::regclass::text AS p FROM stripe_events WHERE id = $1`, [early.id]))[0].p;
    expect(await where()).toBe('stripe_events_default');
    expect(await inbox.ensurePartitions()).toEqual(['stripe_events_2020_03']);
    expect(await where()).toBe('stripe_events_2020_03');
    expect((await inbox.find(early.id))?.id).toBe(early.id);
    expect(await inbox.receive(early)).toEqual({ stored: false, pending: true });
    const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM stripe_events_default`);
    expect(n).toBe(0);
    // A month's table detached (being moved) while the default holds rows of that month: refused loudly, nothing changed.
    await ds.query(`ALTER TABLE stripe_events DETACH PARTITION stripe_events_2020_03`);
    await ds.query(`INSERT INTO stripe_events (id, type, stripe_created_at, payload, received_at) VALUES ('evt_in_detached_month', 'charge.succeeded', now(), '{}', '2020-03-16T00:00:00Z')`);
    await expect(inbox.ensurePartitions()).rejects.toThrow(/stripe_events_2020_03 exists but is not a partition of stripe_events/);

    // Back as it was (the down() test below rebuilds the partitions from the rows).
    await ds.query(`DELETE FROM stripe_events WHERE id = 'evt_in_detached_month'`);
    await ds.query(`DROP TABLE stripe_events_2020_03`);
    await ds.query(`DELETE FROM stripe_event_ids WHERE id IN ('evt_in_detached_month', $1)`, [early.id]);
    expect(await stripeEventPartitions(ds)).toEqual(eventPartitions);
  });

  it('moves a finished month to another tablespace, or detaches and attaches it again, while the inbox keeps working', async () => {
    const inbox = inboxOn(ds);
    const oldest = eventMonths[0];
    const [sample] = await ds.query(`SELECT id FROM ${oldest} ORDER BY id LIMIT 1`);

    // docs/partitioning.md: CREATE TABLESPACE, then the month's table and its indexes, each under a lock on that month only.
    const directory = coldDirectory();
    const space = `ataa_cold_${randomBytes(4).toString('hex')}`;
    await ds.query(`CREATE TABLESPACE ${space} LOCATION '${directory}'`);
    const indexes = async () => (await ds.query(`SELECT indexname FROM pg_indexes WHERE tablename = $1`, [oldest])).map((r: { indexname: string }) => r.indexname);
    try {
      await ds.query(`ALTER TABLE ${oldest} SET TABLESPACE ${space}`);
      for (const index of await indexes()) await ds.query(`ALTER INDEX ${index} SET TABLESPACE ${space}`);
      const [{ spaces }] = await ds.query(
        `SELECT string_agg(DISTINCT coalesce(t.spcname, 'pg_default'), ',') AS spaces FROM pg_class c LEFT JOIN pg_tablespace t ON t.oid = c.reltablespace
          WHERE c.relname = $1 OR c.oid IN (SELECT indexrelid FROM pg_index WHERE indrelid = $1::regclass)`, [oldest],
      );
      expect(spaces).toBe(space);
      // The inbox: the cold month's events read, deduped and updated; new events stored in this month's.
      expect((await inbox.find(sample.id))?.id).toBe(sample.id);
      expect(await inbox.receive(stripeEvent(sample.id))).toEqual({ stored: false, pending: false });
      expect(await inbox.receive(stripeEvent('evt_while_cold'))).toEqual({ stored: true, pending: true });
      await inbox.markProcessed('evt_while_cold', 'settled');
    } finally {
      // The tablespace must be empty to be dropped (and the test database goes with the test).
      await ds.query(`ALTER TABLE ${oldest} SET TABLESPACE pg_default`);
      for (const index of await indexes()) await ds.query(`ALTER INDEX ${index} SET TABLESPACE pg_default`);
      await ds.query(`DROP TABLESPACE ${space}`);
      rmSync(directory, { recursive: true, force: true });
    }

    // Out of the table while it moves: DETACH (a brief lock: CONCURRENTLY is refused while a default partition exists), a CHECK of
    // the month's bounds, ATTACH (SHARE UPDATE EXCLUSIVE on the parent; the CHECK spares its validation scan).
    const [{ bound }] = await ds.query(`SELECT pg_get_expr(relpartbound, oid) AS bound FROM pg_class WHERE relname = $1`, [oldest]);
    const [, from, to] = /FROM \('([^']+)'\) TO \('([^']+)'\)/.exec(bound)!;
    await ds.query(`ALTER TABLE stripe_events DETACH PARTITION ${oldest}`);
    expect(await inbox.find(sample.id)).toBeNull();
    // Still recorded once while its month is away: the key table keeps every id.
    expect(await inbox.receive(stripeEvent(sample.id))).toEqual({ stored: false, pending: true });
    expect(await inbox.receive(stripeEvent('evt_while_detached'))).toEqual({ stored: true, pending: true });
    expect(await inbox.ensurePartitions()).toEqual([]);
    await ds.query(`ALTER TABLE ${oldest} ADD CONSTRAINT ${oldest}_bounds CHECK (received_at >= '${from}' AND received_at < '${to}')`);
    await ds.query(`ALTER TABLE stripe_events ATTACH PARTITION ${oldest} ${bound}`);
    await ds.query(`ALTER TABLE ${oldest} DROP CONSTRAINT ${oldest}_bounds`);
    expect((await inbox.find(sample.id))?.id).toBe(sample.id);
    expect(await stripeEventPartitions(ds)).toEqual(eventPartitions);
  });

  it('reads one partition (or only the partitions of the rows joined) in the hot queries, through their indexes', async () => {
    const report = await explainAll(ds, hotQueries(await facts(ds, campaign), eventPartitions.length));
    for (const q of report) {
      expect({ query: q.name, seqScans: q.seqScans }).toEqual({ query: q.name, seqScans: [] });
      expect({ query: q.name, partitions: q.partitionsRead.length <= q.expect.partitions ? 'at most expected' : q.partitionsRead })
        .toEqual({ query: q.name, partitions: 'at most expected' });
      expect({ query: q.name, indexes: q.indexes }).toEqual({ query: q.name, indexes: expect.arrayContaining(q.expect.indexes) });
    }
    // The batch claim reads each month through one of its partial indexes of waiting events.
    const claim = report.find((q) => q.name.startsWith('inbox: claim'))!;
    expect(claim.indexes.length).toBeGreaterThan(0);
    expect(claim.indexes.filter((i) => i !== 'stripe_events_batch_idx' && i !== 'stripe_events_unprocessed_idx')).toEqual([]);
  }, 60_000);

  it('down() gives back the unpartitioned tables with every row and the previous schema; the hot queries had the same plans there', async () => {
    const migrations = ds.migrations;
    const index = migrations.findIndex((m) => m.name === 'PartitionGrowingTables1795004400000');
    expect(index).toBeGreaterThan(0);
    expect(migrations.findIndex((m) => m.name === 'StripeEventsByMonth1795004800000')).toBeGreaterThan(index);
    const counted = () => ds.query(`SELECT ${GROWING.map((t) => `(SELECT count(*)::int FROM ${t}) AS ${t}`).join(', ')},
      (SELECT sum(amount)::text FROM postings WHERE account_code = 'platform:stripe_balance') AS stripe_balance, (SELECT max(seq)::text FROM journal_entries) AS seq`);
    const migrated = { schema: await schemaFingerprint(ds), rows: await counted() };
    const queries = hotQueries(await facts(ds, campaign), eventPartitions.length);
    const partitioned = await explainAll(ds, queries);

    for (let left = migrations.length; left > index; left--) {
      await ds.undoLastMigration({ transaction: 'each' });
      // The inbox back in its 8 hash partitions by id (migration 1795004800000's down()), every row kept.
      if (migrations[left - 1].name === 'StripeEventsByMonth1795004800000') expect(await ds.query(`SELECT pg_get_partkeydef('stripe_events'::regclass) AS key`)).toEqual([{ key: 'HASH (id)' }]);
    }
    expect(await counted()).toEqual(migrated.rows);
    expect(await auditLedger(ds.manager)).toEqual([]);
    const previousName = `ataa_t_${randomBytes(6).toString('hex')}`;
    await withServerClient((client) => client.query(`CREATE DATABASE ${previousName}`));
    const previous = await new DataSource(dataSourceOptions(Object.assign(new URL(env.database.url), { pathname: `/${previousName}` }).toString(), {
      logging: ['error'], migrations: migrations.slice(0, index).map((m) => m.constructor),
    })).initialize();
    try {
      await previous.runMigrations({ transaction: 'each' });
      expect(await schemaFingerprint(ds)).toEqual(await schemaFingerprint(previous));
    } finally {
      await previous.destroy();
      await withServerClient((client) => client.query(`DROP DATABASE IF EXISTS ${previousName} WITH (FORCE)`));
    }

    // The same queries (the two that now start from the key table: as they were written before)
    // on the unpartitioned tables: the plan shapes match, a partition read standing for its table.
    await ds.query(`ANALYZE ${GROWING.join(', ')}`);
    const unpartitioned = await explainAll(ds, queries.map((q) => ({ ...q, sql: q.before ?? q.sql })));
    expect(unpartitioned.flatMap((q) => q.seqScans)).toEqual([]);
    for (const [i, q] of partitioned.entries()) {
      if (q.before || q.shapeDiffers) continue;
      expect({ query: q.name, shape: q.shape }).toEqual({ query: q.name, shape: renameIndexes(unpartitioned[i].shape) });
    }

    await ds.runMigrations({ transaction: 'each' });
    expect(await schemaFingerprint(ds)).toEqual(migrated.schema);
    expect(await counted()).toEqual(migrated.rows);
    // Up again on a database with rows: every month from the oldest event's, every event in its month, one key row each.
    expect(await stripeEventPartitions(ds)).toEqual(eventPartitions);
    const [inbox] = await ds.query(
      `SELECT (SELECT count(*)::int FROM stripe_event_ids) AS keys, (SELECT count(*)::int FROM stripe_events) AS events,
              (SELECT count(*)::int FROM stripe_events WHERE tableoid::regclass::text <> 'stripe_events_' || to_char(received_at AT TIME ZONE 'UTC', 'YYYY_MM')) AS misplaced`,
    );
    expect(inbox).toEqual({ keys: inbox.events, events: migrated.rows[0].stripe_events, misplaced: 0 });
    expect(await auditLedger(ds.manager)).toEqual([]);
  }, 180_000);
});

/** The constraint a statement violated, named by the parent's index when it is a partition's. */
async function violated(ds: DataSource, statement: Promise<unknown>): Promise<string | null> {
  const error = await statement.then(() => null, (e: { driverError?: { code?: string; constraint?: string } }) => e);
  if (error?.driverError?.code !== '23505' || !error.driverError.constraint) return `not a unique violation: ${String(error)}`;
  const [row] = await ds.query(
    `SELECT coalesce((SELECT p.relname FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent WHERE i.inhrelid = c.oid), c.relname) AS name
       FROM pg_class c WHERE c.relname = $1`, [error.driverError.constraint],
  );
  return row?.name ?? null;
}

/** The inbox's partitions (months in order, then the default). */
async function stripeEventPartitions(ds: DataSource): Promise<string[]> {
  const rows: { p: string }[] = await ds.query(
    `SELECT c.relname AS p FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'stripe_events'::regclass ORDER BY c.relname = 'stripe_events_default', c.relname`,
  );
  return rows.map((r) => r.p);
}

/** The application's inbox on this database (Redis and metrics stubbed: these tests are about its SQL). */
function inboxOn(ds: DataSource): StripeEventInbox {
  const producer = { enqueue: async () => undefined, queue: () => ({ getJob: async () => null }) } as unknown as JobProducer;
  const metrics = { gauge: () => undefined } as unknown as MetricsService;
  return new StripeEventInbox(ds, producer, metrics, { INBOX_MAX_ATTEMPTS: 5 } as AppConfig);
}

function stripeEvent(id: string): Stripe.Event {
  return { id, object: 'event', type: 'charge.succeeded', created: Math.floor(Date.now() / 1000), livemode: false, api_version: null, data: { object: { id: `ch_${id}` } } } as unknown as Stripe.Event;
}

/** An empty directory the PostgreSQL server (running here as the OS user postgres) can own, for CREATE TABLESPACE. */
function coldDirectory(): string {
  const directory = mkdtempSync(path.join(tmpdir(), 'ataa-cold-'));
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  chownSync(directory, uid, gid);
  return directory;
}

/** postings' key (entry_id, id) serves what postings_entry_idx (entry_id) served. */
function renameIndexes(shape: string): string {
  return shape.replaceAll('postings_entry_idx', 'postings_pkey');
}

/**
 * 16,000 gifts: a journal entry with two postings each, spread over 32 campaigns; 500 public
 * entries per campaign and the Merkle nodes of a 4,096-leaf log; 20,000 Stripe events, 100 of
 * them waiting to be claimed. About 2,000 rows a partition: enough that the planner reads them by index, as it would
 * the far larger partitions of a real deployment.
 */
/** `perPartition` campaign ids for each hash partition of the campaign-keyed tables, asked of PostgreSQL itself. */
async function campaignsInEveryPartition(ds: DataSource, perPartition: number): Promise<string[]> {
  const candidates = Array.from({ length: 400 }, () => randomUUID());
  const rows: { id: string; r: number }[] = await ds.query(
    `SELECT id::text AS id, r FROM unnest($1::uuid[]) WITH ORDINALITY AS c(id, n), generate_series(0, 7) AS r
      WHERE satisfies_hash_partition('public_ledger_entries'::regclass, 8, r, id) ORDER BY n`,
    [candidates],
  );
  const byPartition = Array.from({ length: 8 }, (_, r) => rows.filter((row) => row.r === r).map((row) => row.id).slice(0, perPartition));
  if (byPartition.some((ids) => ids.length < perPartition)) throw new Error('400 random ids did not fill every partition');
  // interleaved: any run of 8 consecutive campaigns covers every partition
  return Array.from({ length: 8 * perPartition }, (_, i) => byPartition[i % 8][Math.floor(i / 8)]);
}

async function seed(ds: DataSource, campaigns: string[]): Promise<void> {
  await ds.transaction(async (m) => {
    await m.query(`INSERT INTO ledger_accounts (code, currency, type) VALUES ('platform:stripe_balance', 'usd', 'asset'), ('platform:fee_revenue', 'usd', 'revenue')`);
    await m.query(
      `INSERT INTO journal_entries (kind, source_id, campaign_id, currency, occurred_at, metadata)
       SELECT 'donation', 'ch_' || g, ($1::uuid[])[1 + g % 32], 'usd', now() - g * interval '1 minute', jsonb_build_object('donation_id', md5(g::text)::uuid)
         FROM generate_series(1, 16000) g`,
      [campaigns],
    );
    await m.query(
      `INSERT INTO postings (entry_id, account_code, currency, amount)
       SELECT e.id, v.a, 'usd', v.x FROM journal_entries e, (VALUES ('platform:fee_revenue', -1000), ('platform:stripe_balance', 1000)) AS v(a, x) ORDER BY v.a`,
    );
  });
  await ds.query(
    `INSERT INTO public_ledger_entries (campaign_id, idx, occurred_at, month, kind, amount, currency, donor_name, balance, leaf_hash, source_ref)
     SELECT c, i, now(), '2026-12', 'donation', 1000, 'usd', 'Donor ' || i, 1000 * (i + 1), sha256((c::text || i)::bytea), 'je_' || c || '_' || i
       FROM unnest($1::uuid[]) AS c, generate_series(0, 499) AS i`,
    [campaigns],
  );
  await ds.query(
    `INSERT INTO transparency_nodes (campaign_id, level, idx, hash)
     SELECT c, l, i, sha256((c::text || l || ':' || i)::bytea) FROM unnest($1::uuid[]) AS c, generate_series(1, 12) AS l, generate_series(0, 2047) AS i
      WHERE i < 4096 >> l`,
    [campaigns],
  );
  // Received over the last 125 days (one every 9 minutes): the older months land in the default
  // partition (the template database has this month's and the next two), and the partition step
  // moves them to their months, as it would after an outage of the step.
  await ds.query(
    `INSERT INTO stripe_events (id, type, object_id, stripe_created_at, payload, received_at, processed_at, outcome, attempts, last_attempt_at)
     SELECT 'evt_' || g, 'charge.succeeded', 'ch_' || g, now(), '{}'::jsonb, now() - (20000 - g) * interval '9 minutes',
            CASE WHEN g <= 19900 THEN now() END, CASE WHEN g <= 19900 THEN 'settled' END, CASE WHEN g <= 19900 THEN 1 ELSE 0 END, CASE WHEN g <= 19900 THEN now() END
       FROM generate_series(1, 20000) g`,
  );
  await ds.query(`SELECT stripe_events_ensure_partitions()`);
  await ds.query(`ANALYZE journal_entries, journal_entry_keys, postings, public_ledger_entries, transparency_nodes, stripe_events, stripe_event_ids`);
}

interface Facts {
  campaign: string;
  entryId: string;
  donationId: string;
  sources: string[];
  events: string[];
}

async function facts(ds: DataSource, campaign: string): Promise<Facts> {
  const [entry] = await ds.query(`SELECT id, metadata->>'donation_id' AS donation_id FROM journal_entries WHERE campaign_id = $1 ORDER BY seq LIMIT 1`, [campaign]);
  return { campaign, entryId: entry.id, donationId: entry.donation_id, sources: ['ch_17', 'ch_18', 'ch_16001'], events: ['evt_17', 'evt_19950', 'evt_new'] };
}

interface HotQuery {
  name: string;
  sql: string;
  /** The query as written before the migration, when it changed. */
  before?: string;
  params: unknown[];
  /** At most this many partitions of a growing table are read; these (parent) indexes are used. */
  expect: { partitions: number; indexes: string[] };
  /** Why the plan's shape may differ from the unpartitioned table's though the query did not change. */
  shapeDiffers?: string;
}

const ENTRY_COLUMNS = `idx, to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS time, kind, amount::text AS amount, currency,
  donor_name, donor_commitment, public_message, payout_purpose, balance::text AS balance, encode(leaf_hash, 'hex') AS leaf_hash, terms,
  leaf_format, encode(donor_hash, 'hex') AS donor_hash, encode(donor_salt, 'hex') AS donor_salt, encode(message_hash, 'hex') AS message_hash,
  encode(message_salt, 'hex') AS message_salt, redactions`;

function hotQueries(f: Facts, eventPartitions: number): HotQuery[] {
  return [
    {
      // The ledger writer's balance check, per entry at commit (ledger_check_entry_balanced).
      name: 'balance check: an entry\'s postings',
      sql: `SELECT currency, count(*) AS n, sum(amount) AS total FROM postings WHERE entry_id = $1 GROUP BY currency`,
      params: [f.entryId],
      expect: { partitions: 1, indexes: ['postings_pkey'] },
    },
    {
      name: 'balance check: the entry written by this transaction',
      sql: `SELECT 1 FROM journal_entries WHERE id = $1 AND xmin = pg_current_xact_id()::xid`,
      params: [f.entryId],
      expect: { partitions: 1, indexes: ['journal_entries_pkey'] },
    },
    {
      // libs/ledger/src/ledger.service.ts postMany: the facts already posted.
      name: 'ledger writer: entries already posted',
      sql: `SELECT j.* FROM journal_entry_keys k JOIN journal_entries j ON j.id = k.entry_id
             WHERE (k.source_id, k.kind) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
      before: `SELECT * FROM journal_entries WHERE (source_id, kind) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
      params: [f.sources, f.sources.map(() => 'donation')],
      expect: { partitions: 2, indexes: ['journal_entries_source_kind_uq', 'journal_entries_pkey'] },
    },
    {
      // libs/donations/src/persistence/settlement.repository.ts lockGifts.
      name: 'settlement: facts posted for these sources',
      sql: `SELECT k.kind, k.source_id, j.metadata->>'donation_id' AS donation_id
              FROM journal_entry_keys k JOIN journal_entries j ON j.id = k.entry_id
             WHERE k.source_id = ANY($1::text[])`,
      before: `SELECT kind, source_id, metadata->>'donation_id' AS donation_id FROM journal_entries WHERE source_id = ANY($1::text[])`,
      params: [f.sources],
      expect: { partitions: 2, indexes: ['journal_entries_source_kind_uq', 'journal_entries_pkey'] },
    },
    {
      // libs/ledger/src/ledger.service.ts entriesForDonation (the dashboard's gift page).
      name: 'ledger read: a gift\'s entries and postings',
      sql: `SELECT e.*, p.account_code, p.currency AS posting_currency, p.amount::text AS amount
              FROM journal_entries e JOIN postings p ON p.entry_id = e.id
             WHERE e.campaign_id = $1 AND e.metadata->>'donation_id' = $2
             ORDER BY e.seq, p.id`,
      params: [f.campaign, f.donationId],
      // By campaign: every partition's campaign index; the postings of the one entry found, from its one partition.
      expect: { partitions: 9, indexes: ['journal_entries_campaign_idx', 'postings_pkey'] },
    },
    {
      // libs/transparency/src/persistence/public-ledger.repository.ts page (newest first).
      name: 'public ledger: a page',
      sql: `SELECT ${ENTRY_COLUMNS} FROM public_ledger_entries WHERE campaign_id = $1 AND idx < $2 ORDER BY idx DESC LIMIT $3`,
      params: [f.campaign, 500, 50],
      expect: { partitions: 1, indexes: ['public_ledger_entries_pkey'] },
    },
    {
      name: 'public ledger: a page of one kind',
      sql: `SELECT ${ENTRY_COLUMNS} FROM public_ledger_entries WHERE campaign_id = $1 AND idx < $2 AND kind = $4 ORDER BY idx DESC LIMIT $3`,
      params: [f.campaign, 500, 50, 'donation'],
      expect: { partitions: 1, indexes: [] },
    },
    {
      // public-ledger.repository.ts findManyBySource (the appender's idempotency read).
      name: 'public ledger appender: entries already appended',
      sql: `SELECT e.campaign_id, e.source_ref, e.kind, e.idx, e.leaf_hash FROM public_ledger_entries e
            JOIN unnest($1::uuid[], $2::text[], $3::text[]) AS t(c, s, k) ON e.campaign_id = t.c AND e.source_ref = t.s AND e.kind = t.k`,
      params: [[f.campaign, f.campaign], [`je_${f.campaign}_3`, `je_${f.campaign}_4`], ['donation', 'donation']],
      expect: { partitions: 1, indexes: ['public_ledger_entries_source_unique'] },
    },
    {
      // public-ledger.repository.ts nodes (inclusion and consistency proofs).
      name: 'proofs: leaves and Merkle nodes',
      sql: `SELECT 0 AS level, idx, leaf_hash AS hash FROM public_ledger_entries WHERE campaign_id = $1 AND idx = ANY($2::bigint[])
            UNION ALL
            SELECT n.level, n.idx, n.hash FROM transparency_nodes n JOIN unnest($3::smallint[], $4::bigint[]) AS t(l, i) ON n.level = t.l AND n.idx = t.i
            WHERE n.campaign_id = $1`,
      params: [f.campaign, [3, 4], [1, 2, 3, 4, 5], [2, 0, 1, 0, 0]],
      expect: { partitions: 2, indexes: ['public_ledger_entries_pkey', 'transparency_nodes_pkey'] },
    },
    {
      // public-ledger.repository.ts tileHashes (tlog tiles), level 1.
      name: 'proofs: a tile of nodes',
      sql: `SELECT string_agg(hash, ''::bytea ORDER BY idx) AS tile FROM transparency_nodes WHERE campaign_id = $1 AND level = $2 AND idx >= $3 AND idx < $4`,
      params: [f.campaign, 1, 0, 100],
      expect: { partitions: 1, indexes: ['transparency_nodes_pkey'] },
    },
    {
      // libs/payments/src/inbox/stripe-event-inbox.ts claimBatch.
      name: 'inbox: claim a batch FOR UPDATE SKIP LOCKED',
      sql: `SELECT * FROM stripe_events
             WHERE processed_at IS NULL AND dead_lettered_at IS NULL AND last_attempt_at IS NULL AND type = ANY($1::text[])
               AND ($3::text[] IS NULL OR id = ANY($3::text[]))
             ORDER BY received_at, id LIMIT $2 FOR UPDATE SKIP LOCKED`,
      params: [['charge.succeeded'], 500, null],
      // Oldest first over the whole inbox: each month's partial index of waiting events, merged in order or sorted.
      expect: { partitions: eventPartitions, indexes: [] },
      shapeDiffers: 'a finished month has no waiting event: the planner may read each month\'s stripe_events_unprocessed_idx and sort the few rows',
    },
    {
      // stripe-event-inbox.ts flush: the events already stored, by id, each in its month (MONTHS_OF).
      name: 'inbox: events by id',
      sql: `SELECT id, processed_at, dead_lettered_at FROM stripe_events
             WHERE (id, received_at) IN (SELECT k.id, k.received_at FROM stripe_event_ids k WHERE k.id = ANY($1::text[]))`,
      before: `SELECT id, processed_at, dead_lettered_at FROM stripe_events WHERE id = ANY($1::text[])`,
      params: [f.events],
      expect: { partitions: 2, indexes: ['stripe_events_pkey'] },
    },
    {
      // stripe-event-inbox.ts find (the dispatcher's read of an event), MONTH_OF.
      name: 'inbox: an event by id',
      sql: `SELECT * FROM stripe_events WHERE id = $1 AND received_at = (SELECT k.received_at FROM stripe_event_ids k WHERE k.id = $1)`,
      before: `SELECT * FROM stripe_events WHERE id = $1`,
      params: [f.events[0]],
      expect: { partitions: 1, indexes: ['stripe_events_pkey'] },
    },
    {
      // stripe-event-inbox.ts markProcessed (evt_17 is processed already: nothing changes).
      name: 'inbox: mark an event processed',
      sql: `UPDATE stripe_events SET processed_at = now(), outcome = $2, attempts = attempts + 1, last_attempt_at = now(), last_error = NULL, dead_lettered_at = NULL
             WHERE id = $1 AND received_at = (SELECT k.received_at FROM stripe_event_ids k WHERE k.id = $1) AND processed_at IS NULL`,
      before: `UPDATE stripe_events SET processed_at = now(), outcome = $2, attempts = attempts + 1, last_attempt_at = now(), last_error = NULL, dead_lettered_at = NULL
             WHERE id = $1 AND processed_at IS NULL`,
      params: [f.events[0], 'settled'],
      // One month; by its primary key or its small partial index of unprocessed events, as the estimates pick.
      expect: { partitions: 1, indexes: [] },
    },
    {
      // stripe-event-inbox.ts eventsForObjects (the dashboard's gift page: a gift's events).
      name: 'dashboard: a gift\'s Stripe events',
      sql: `SELECT id, type, object_id, stripe_created_at, received_at, processed_at, outcome, attempts, last_error, dead_lettered_at
              FROM stripe_events WHERE object_id = ANY($1::text[]) ORDER BY stripe_created_at, received_at, id LIMIT $2`,
      params: [['ch_17', 'ch_19950'], 200],
      expect: { partitions: eventPartitions, indexes: ['stripe_events_object_idx'] },
    },
  ];
}

interface Explained extends HotQuery {
  shape: string;
  seqScans: string[];
  partitionsRead: string[];
  indexes: string[];
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Actual Loops'?: number;
  Plans?: PlanNode[];
}

/**
 * EXPLAIN ANALYZE of each query (rolled back: the claim locks rows), read as: its shape (node types,
 * tables and indexes, a partition standing for its table and an Append of the same scan of every
 * partition for the one scan; an index scan, index-only scan or bitmap scan is one "index read"), the sequential scans of growing tables, the partitions actually read
 * (after planning-time and run-time pruning) and the indexes used.
 */
async function explainAll(ds: DataSource, queries: HotQuery[]): Promise<Explained[]> {
  const parents = new Map<string, string>(
    (await ds.query(`SELECT c.relname AS child, p.relname AS parent FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent`))
      .map((r: { child: string; parent: string }) => [r.child, r.parent]),
  );
  const parentOf = (name: string) => parents.get(name) ?? name;
  // Partitions without a page (the inbox's months ahead): the planner reads those by a sequential
  // scan of nothing, which is no scan of data. Left out of the checks and of the plan's shape.
  const empty = new Set<string>((await ds.query(`SELECT relname FROM pg_class WHERE relispartition AND relkind = 'r' AND pg_relation_size(oid) = 0`))
    .map((r: { relname: string }) => r.relname));
  const emptyScan = (node: PlanNode): boolean => (node['Node Type'] === 'Seq Scan' && empty.has(node['Relation Name'] ?? ''))
    || (node['Node Type'] === 'Sort' && node.Plans?.length === 1 && emptyScan(node.Plans[0]));
  const growing = new Set(['journal_entries', 'postings', 'public_ledger_entries', 'transparency_nodes', 'stripe_events']);
  const out: Explained[] = [];
  for (const q of queries) {
    const plan: PlanNode = await ds.transaction(async (m) => {
      const [row] = await m.query(`EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF, FORMAT JSON) ${q.sql}`, q.params);
      return row['QUERY PLAN'][0].Plan;
    });
    const seqScans: string[] = [];
    const partitionsRead = new Set<string>();
    const indexes = new Set<string>();
    const walk = (node: PlanNode): string => {
      const relation = node['Relation Name'];
      const read = (node['Actual Loops'] ?? 0) > 0;
      if (relation && growing.has(parentOf(relation)) && node['Node Type'] === 'Seq Scan') seqScans.push(relation);
      if (relation && read && parents.has(relation)) partitionsRead.add(relation);
      if (node['Index Name'] && read) indexes.add(parentOf(node['Index Name']));
      const appended = node['Node Type'] === 'Append' || node['Node Type'] === 'Merge Append';
      const children = (node.Plans ?? []).filter((child) => !(appended && emptyScan(child))).map(walk);
      if ((node['Node Type'] === 'Append' || node['Node Type'] === 'Merge Append') && children.length > 0 && children.every((c) => c === children[0])) {
        return children[0];
      }
      // An index read, whichever of its forms the estimates pick (they move with ANALYZE's sample).
      if (node['Node Type'] === 'Bitmap Heap Scan' && children.length === 1 && children[0].startsWith('Index read ')) return children[0];
      if (['Index Scan', 'Index Only Scan', 'Bitmap Index Scan'].includes(node['Node Type'])) return `Index read ${parentOf(node['Index Name'] ?? '')}`;
      const label = [node['Node Type'], relation && parentOf(relation)].filter(Boolean).join(' ');
      return children.length > 0 ? `${label} (${children.join(', ')})` : label;
    };
    const shape = walk(plan);
    out.push({ ...q, shape, seqScans, partitionsRead: [...partitionsRead].sort(), indexes: [...indexes].sort() });
  }
  return out;
}

/** The public schema in comparable form (as in libs/database/src/database.medium-spec.ts). */
async function schemaFingerprint(ds: DataSource): Promise<Record<string, string[]>> {
  const list = async (sql: string) => (await ds.query(sql)).map((r: { v: string }) => r.v);
  return {
    columns: await list(`SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '') AS v
      FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1`),
    constraints: await list(`SELECT conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid) AS v
      FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1`),
    indexes: await list(`SELECT indexdef AS v FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1`),
    triggers: await list(`SELECT tgrelid::regclass || ' ' || tgname || ' ' || pg_get_triggerdef(oid) AS v FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1`),
    functions: await list(`SELECT proname || '(' || pg_get_function_identity_arguments(oid) || ') ' || md5(prosrc) AS v
      FROM pg_proc WHERE pronamespace = 'public'::regnamespace ORDER BY 1`),
    sequences: await list(`SELECT sequence_name AS v FROM information_schema.sequences WHERE sequence_schema = 'public' ORDER BY 1`),
    owned: await list(`SELECT s.relname || ' ' || coalesce(t.relname || '.' || a.attname, '') AS v FROM pg_class s
      LEFT JOIN pg_depend d ON d.objid = s.oid AND d.deptype = 'a' AND d.classid = 'pg_class'::regclass
      LEFT JOIN pg_class t ON t.oid = d.refobjid LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
      WHERE s.relkind = 'S' AND s.relnamespace = 'public'::regnamespace ORDER BY 1`),
    views: await list(`SELECT table_name AS v FROM information_schema.views WHERE table_schema = 'public' ORDER BY 1`),
  };
}
