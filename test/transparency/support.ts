import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import type { INestApplicationContext } from '@nestjs/common';
import { TransactionRunner } from '@ataa/database';
import { baseUrlOf, createTestEnvironment, startTestApi, type TestEnvironment } from '@ataa/testing';
import { createDonorCommitment, PublicEntryInput, PublicLedgerAppender } from '@ataa/transparency';
import {
  ANONYMOUS, appendToFrontier, CheckpointSigner, emptyRoot, encodeFrontier, isStoredNode, LEAF_VERSION, PublicLeaf, publicLeafHash, signCheckpoint,
} from '../../libs/transparency/src/domain/index.js';

/**
 * A log of `size` plain gifts written straight with SQL (no Merkle nodes: for the exports, which read
 * entries only): entry i from "Donor i" at 2026-01-01 plus i seconds, 10.00 each, a 320-character message.
 */
export async function insertPlainLog(db: pg.Client, campaignId: string, size: number): Promise<void> {
  await db.query(`INSERT INTO transparency_logs (campaign_id, currency, size, root_hash) VALUES ($1, 'usd', $2, decode(repeat('00', 32), 'hex'))`, [campaignId, size]);
  await db.query(
    `INSERT INTO public_ledger_entries (campaign_id, idx, occurred_at, month, kind, amount, currency, donor_name, public_message, balance, leaf_hash, source_ref)
     SELECT $1, i, '2026-01-01'::timestamptz + i * interval '1 second', '2026-01', 'donation', 1000, 'usd', 'Donor ' || i, repeat(md5(i::text), 10), 1000 * (i + 1), sha256(i::text::bytea), 'src-' || i
     FROM generate_series(0, $2 - 1) AS i`,
    [campaignId, size],
  );
}

/** A GET over plain HTTP, the body's bytes exactly as sent (no decoding). */
export function getRaw(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http.get(url, { headers: { 'accept-encoding': 'identity', ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    }).on('error', reject);
  });
}

/**
 * A listening API on its own database with one published campaign whose public ledger holds the
 * sample history (the pages' browser tests read it).
 */
export async function startSampleLedger(campaign: { slug: string; language?: 'en' | 'ar'; title?: string }): Promise<{ base: string; close: () => Promise<void> }> {
  const env = await createTestEnvironment();
  const app = await startTestApi(env.config, { listen: true });
  const campaignId = await insertCampaign(env.database.url, campaign);
  await appendEntries(app.get(TransactionRunner), app.get(PublicLedgerAppender), campaignId, sampleHistory());
  return {
    base: await baseUrlOf(app),
    close: async () => {
      await app.close();
      await env.cleanup();
    },
  };
}

/** Inserts an organization and a campaign straight into the tables (contract 3 columns). */
/**
 * The transparency lib alone (no HTTP) on a test database of its own, for the medium specs. Nest and
 * the modules are loaded here, when asked for: the e2e files that use this support load the API instead.
 */
export async function startTransparencyContext(): Promise<{ env: TestEnvironment; app: INestApplicationContext; close: () => Promise<void> }> {
  const [{ Module }, { NestFactory }, { ConfigModule }, { DatabaseModule }, { TransparencyModule }] = await Promise.all([
    import('@nestjs/common'), import('@nestjs/core'), import('@ataa/config'), import('@ataa/database'), import('@ataa/transparency'),
  ]);
  const env = await createTestEnvironment();
  class TransparencyTestModule {}
  Module({ imports: [ConfigModule.forRoot(env.config), DatabaseModule, TransparencyModule] })(TransparencyTestModule);
  const app = await NestFactory.createApplicationContext(TransparencyTestModule, { logger: false });
  return { env, app, close: async () => { await app.close(); await env.cleanup(); } };
}

export async function insertCampaign(databaseUrl: string, options: { slug: string; status?: string; currency?: string; language?: 'en' | 'ar'; title?: string }): Promise<string> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const org = await client.query(`INSERT INTO organizations (name) VALUES ($1) RETURNING id`, [`Org ${options.slug}`]);
    const status = options.status ?? 'published';
    const campaign = await client.query(
      `INSERT INTO campaigns (organization_id, slug, title, currency, goal_amount, funding_model, language, platform_fee_bps, status, published_at)
       VALUES ($1, $2, $3, $4, 1000000, 'flexible', $5, 200, $6, $7) RETURNING id`,
      [org.rows[0].id, options.slug, options.title ?? `Campaign ${options.slug}`, options.currency ?? 'usd', options.language ?? 'en', status, status === 'draft' ? null : new Date()],
    );
    return campaign.rows[0].id;
  } finally {
    await client.end();
  }
}

/**
 * k entries appended in one transaction (as a settlement batch appends them), numbered from `first`
 * (entry n at 2026-01-01 plus n minutes): every fifth a fee, the others gifts of 500 + n cents from
 * `donor(n)` (null: anonymous), every seventh with a message outside ASCII.
 */
export function appendMixedBatch(app: INestApplicationContext, campaignId: string, first: number, k: number, donor: (n: number) => string | null): Promise<unknown> {
  const inputs: PublicEntryInput[] = Array.from({ length: k }, (_, i) => {
    const n = first + i;
    const at = new Date(Date.UTC(2026, 0, 1) + n * 60_000);
    return n % 5 === 4
      ? { campaignId, kind: 'fee', amount: -30n, currency: 'usd', occurredAt: at, donorDisplayName: null, donorCommitment: null, publicMessage: null, payoutPurpose: null, sourceRef: randomUUID() }
      : { campaignId, kind: 'donation', amount: BigInt(500 + n), currency: 'usd', occurredAt: at, donorDisplayName: donor(n), donorCommitment: null, publicMessage: n % 7 === 0 ? `Message ${n} ✓` : null, payoutPurpose: null, sourceRef: randomUUID() };
  });
  return app.get(TransactionRunner).run((manager) => app.get(PublicLedgerAppender).appendMany(manager, inputs));
}

export type SeedEntry = Omit<PublicEntryInput, 'campaignId' | 'sourceRef' | 'currency' | 'donorCommitment' | 'publicMessage' | 'payoutPurpose' | 'donorDisplayName'> &
  Partial<Pick<PublicEntryInput, 'sourceRef' | 'currency' | 'donorCommitment' | 'publicMessage' | 'payoutPurpose' | 'donorDisplayName'>>;

/** Appends entries one transaction each, as the ledger does; returns the salts of anonymous gifts by index. */
export async function appendEntries(runner: TransactionRunner, appender: PublicLedgerAppender, campaignId: string, entries: SeedEntry[]): Promise<Map<number, { salt: string; name: string }>> {
  const salts = new Map<number, { salt: string; name: string }>();
  for (const entry of entries) {
    let commitment: string | null = entry.donorCommitment ?? null;
    let secret: { salt: string; name: string } | null = null;
    if (entry.kind === 'donation' && entry.donorDisplayName === undefined && commitment === null) {
      const made = createDonorCommitment('Hidden Donor');
      commitment = made.commitment;
      secret = { salt: made.salt, name: 'Hidden Donor' };
    }
    const appended = await runner.run((manager) =>
      appender.append(manager, {
        campaignId,
        currency: 'usd',
        sourceRef: randomUUID(),
        donorDisplayName: null,
        publicMessage: null,
        payoutPurpose: null,
        ...entry,
        donorCommitment: commitment,
      }),
    );
    if (secret) salts.set(appended.index, secret);
  }
  return salts;
}

/** A small campaign history: gifts (named and anonymous), fees, a refund, a dispute won back, a payout. */
export function sampleHistory(): SeedEntry[] {
  const at = (day: number) => new Date(Date.UTC(2026, 0, 1) + day * 86_400_000);
  return [
    { kind: 'donation', amount: 10000n, occurredAt: at(0), donorDisplayName: 'Amal', publicMessage: 'For the winter' },
    { kind: 'fee', amount: -320n, occurredAt: at(0) },
    { kind: 'platform_fee', amount: -200n, occurredAt: at(0) },
    { kind: 'donation', amount: 2500n, occurredAt: at(3) },
    { kind: 'fee', amount: -103n, occurredAt: at(3) },
    { kind: 'donation', amount: 5000n, occurredAt: at(35), donorDisplayName: 'Yusuf' },
    { kind: 'refund', amount: -2500n, occurredAt: at(36) },
    { kind: 'dispute', amount: -5000n, occurredAt: at(40) },
    { kind: 'dispute_reversal', amount: 5000n, occurredAt: at(55) },
    { kind: 'payout', amount: -8000n, occurredAt: at(62), payoutPurpose: 'Blankets and heaters' },
    { kind: 'donation', amount: 1500n, occurredAt: at(63), donorDisplayName: 'Amal', publicMessage: 'Again!' },
  ];
}

/**
 * A mirror of the site that serves a tampered copy of the public ledger: every request is proxied to
 * `target`, and `rewrite` may change each answer's body. What an attacker (or a broken cache) would
 * hand the verifier CLI, over real HTTP.
 */
export async function startTamperingMirror(target: string, rewrite: (url: string, body: string) => string): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    void (async () => {
      try {
        const upstream = await fetch(`${target}${req.url ?? '/'}`, { headers: { accept: String(req.headers.accept ?? '*/*') } });
        const body = rewrite(req.url ?? '/', await upstream.text());
        res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/octet-stream' });
        res.end(body);
      } catch (error) {
        res.writeHead(502);
        res.end(String(error));
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** A mirror of the site that may change the bytes of any answer (tiles are binary). */
export async function startBinaryMirror(target: string, rewrite: (url: string, body: Buffer) => Buffer): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    void (async () => {
      const upstream = await fetch(`${target}${req.url ?? '/'}`, { headers: { accept: String(req.headers.accept ?? '*/*') } });
      const body = rewrite(req.url ?? '/', Buffer.from(await upstream.arrayBuffer()));
      res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/octet-stream' });
      res.end(body);
    })().catch((error) => {
      res.writeHead(502);
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** Rewrites the entries of every ledger page a mirror serves. */
export function rewriteLedgerEntries(change: (entries: Record<string, any>[]) => Record<string, any>[]): (url: string, body: string) => string {
  return (url, body) => {
    if (!/\/ledger\?/.test(url)) return body;
    const page = JSON.parse(body);
    page.entries = change(page.entries);
    return JSON.stringify(page);
  };
}

/**
 * Writes format-1 entries (leaf holding donor and message in clear) as the appender did before leaf
 * format 3, straight into the tables of a campaign with no log yet: the entries, their Merkle nodes,
 * totals, donor names and the log head. Later appends (format 3) continue that log.
 */
export async function insertLegacyEntries(databaseUrl: string, campaignId: string, entries: { kind: 'donation' | 'fee'; amount: bigint; donor?: string | null; message?: string | null; sourceRef?: string }[]): Promise<{ index: number; sourceRef: string; leafHash: string }[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('BEGIN');
    let frontier: Buffer[] = [];
    let root = emptyRoot();
    let balance = 0n;
    const names = new Set<string>();
    let anonymous = 0;
    const out: { index: number; sourceRef: string; leafHash: string }[] = [];
    for (const [index, e] of entries.entries()) {
      balance += e.amount;
      const time = new Date(Date.UTC(2025, 11, 1) + index * 60_000).toISOString();
      const donor = e.kind === 'donation' ? (e.donor ?? ANONYMOUS) : null;
      const leaf: PublicLeaf = {
        v: LEAF_VERSION, campaign: campaignId, index, time, kind: e.kind, amount: e.amount.toString(), currency: 'usd', donor, donorCommitment: null,
        message: e.message ?? null, purpose: null, balance: balance.toString(),
      };
      const hash = publicLeafHash(leaf);
      const appended = appendToFrontier(frontier, index, hash);
      frontier = appended.frontier;
      root = appended.root;
      const sourceRef = e.sourceRef ?? randomUUID();
      await client.query(
        `INSERT INTO public_ledger_entries (campaign_id, idx, occurred_at, month, kind, amount, currency, donor_name, public_message, balance, leaf_hash, source_ref)
         VALUES ($1, $2, $3, $4, $5, $6, 'usd', $7, $8, $9, $10, $11)`,
        [campaignId, index, time, time.slice(0, 7), e.kind, e.amount.toString(), donor, leaf.message, balance.toString(), hash, sourceRef],
      );
      for (const node of appended.newNodes) await client.query(`INSERT INTO transparency_nodes (campaign_id, level, idx, hash) VALUES ($1, $2, $3, $4)`, [campaignId, node.level, node.index, node.hash]);
      await client.query(
        `INSERT INTO transparency_totals AS t (campaign_id, month, kind, entries, amount) VALUES ($1, $2, $3, 1, $4)
         ON CONFLICT (campaign_id, month, kind) DO UPDATE SET entries = t.entries + 1, amount = t.amount + EXCLUDED.amount`,
        [campaignId, time.slice(0, 7), e.kind, e.amount.toString()],
      );
      if (donor !== null && donor !== ANONYMOUS) names.add(donor);
      else if (e.kind === 'donation') anonymous++;
      out.push({ index, sourceRef, leafHash: hash.toString('hex') });
    }
    for (const name of names) await client.query(`INSERT INTO transparency_donors (campaign_id, donor_name) VALUES ($1, $2)`, [campaignId, name]);
    await client.query(
      `INSERT INTO transparency_logs (campaign_id, currency, size, root_hash, frontier, balance, donors) VALUES ($1, 'usd', $2, $3, $4, $5, $6)`,
      [campaignId, entries.length, root, encodeFrontier(frontier), balance.toString(), names.size + anonymous],
    );
    await client.query('COMMIT');
    return out;
  } finally {
    await client.end();
  }
}

/**
 * What a platform (or whoever holds its database and key) would do to rewrite history: changes one
 * entry's columns and leaf hash in place, recomputes the stored Merkle nodes and the log head, drops
 * every checkpoint signed so far and signs the rewritten tree with the log's key. Triggers that keep
 * the tables append-only are bypassed (superuser, replica role), as such an insider could.
 */
export async function rewriteLeafAndResign(
  databaseUrl: string,
  campaign: { id: string; origin: string },
  index: number,
  change: { columns: Record<string, string | null>; leafHash: Buffer },
  signer: CheckpointSigner,
): Promise<{ size: number; root: Buffer; note: string }> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('BEGIN');
    await client.query('SET LOCAL session_replication_role = replica');
    const columns = Object.keys(change.columns);
    const sets = columns.map((c, i) => `${c} = $${i + 4}`).join(', ');
    const updated = await client.query(`UPDATE public_ledger_entries SET leaf_hash = $1${sets ? `, ${sets}` : ''} WHERE campaign_id = $2 AND idx = $3`, [
      change.leafHash, campaign.id, index, ...columns.map((c) => change.columns[c]),
    ]);
    if (updated.rowCount !== 1) throw new Error(`no entry ${index} to rewrite`);
    const rows = (await client.query(`SELECT leaf_hash FROM public_ledger_entries WHERE campaign_id = $1 ORDER BY idx`, [campaign.id])).rows as { leaf_hash: Buffer }[];
    let frontier: Buffer[] = [];
    let root = emptyRoot();
    const nodes: { level: number; index: number; hash: Buffer }[] = [];
    for (const [i, row] of rows.entries()) {
      const appended = appendToFrontier(frontier, i, row.leaf_hash);
      frontier = appended.frontier;
      root = appended.root;
      nodes.push(...appended.newNodes.filter(isStoredNode));
    }
    await client.query(`DELETE FROM transparency_nodes WHERE campaign_id = $1`, [campaign.id]);
    for (const node of nodes) await client.query(`INSERT INTO transparency_nodes (campaign_id, level, idx, hash) VALUES ($1, $2, $3, $4)`, [campaign.id, node.level, node.index, node.hash]);
    await client.query(`UPDATE transparency_logs SET root_hash = $2, frontier = $3 WHERE campaign_id = $1`, [campaign.id, root, encodeFrontier(frontier)]);
    await client.query(`DELETE FROM transparency_checkpoints WHERE campaign_id = $1`, [campaign.id]);
    const note = signCheckpoint({ origin: campaign.origin, size: rows.length, rootHash: root }, signer);
    await client.query(`INSERT INTO transparency_checkpoints (campaign_id, size, root_hash, key_name, note) VALUES ($1, $2, $3, $4, $5)`, [campaign.id, rows.length, root, signer.keyName, note]);
    await client.query('COMMIT');
    return { size: rows.length, root, note };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
}
