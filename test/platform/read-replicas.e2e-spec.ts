import { jest } from '@jest/globals';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import pg from 'pg';
import { ConfigError, ConfigModule } from '@ataa/config';
import { DatabaseModule, ReadReplicas, TransactionRunner, verifyReadReplicas } from '@ataa/database';
import { baseUrlOf, createTestEnvironment, ReplicatedPostgres, startReplicatedPostgres, startTestApi, startTestWorker, TestEnvironment } from '@ataa/testing';
import { PublicLedgerAppender, PublicLedgerService, TransparencyModule } from '@ataa/transparency';
import { appendEntries, insertCampaign, sampleHistory } from '../transparency/support.js';

// Ports of this file's private primary and its replica (loopback); 5449: nothing listens there.
const PRIMARY_PORT = 5440;
const REPLICA_PORT = 5441;
const NOBODY_PORT = 5449;

jest.setTimeout(180_000);

/**
 * Read replicas (issue 23, item 1), against a real streaming replica: a private primary and one
 * replica of it started on loopback for this file (startReplicatedPostgres), stopped and removed at
 * the end. The replica is kept behind on purpose by pausing its replay (it still receives WAL), so
 * which server answered shows in what the answer contains.
 */
describe('public reads on a streaming read replica', () => {
  let servers: ReplicatedPostgres;
  let env: TestEnvironment;
  let app: NestFastifyApplication;
  let base: string;
  let replicas: ReadReplicas;
  const slug = 'replicated-relief';
  let campaignId: string;
  const api = `/api/v1/public/campaigns/${slug}`;
  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${base}${path}`, { headers: { accept: 'application/json', ...headers } });
  const json = async (path: string, headers: Record<string, string> = {}) => {
    const res = await get(path, headers);
    expect([path, res.status]).toEqual([path, 200]);
    return { body: (await res.json()) as Record<string, unknown> & { size: number }, etag: res.headers.get('etag') as string };
  };
  const appendGifts = (count: number) =>
    appendEntries(app.get(TransactionRunner), app.get(PublicLedgerAppender), campaignId, Array.from({ length: count }, (_, i) => ({ kind: 'donation' as const, amount: 500n + BigInt(i), occurredAt: new Date(), donorDisplayName: `Late ${i}` })));
  /** The log size on the primary itself. */
  const primarySize = async () => {
    const client = new pg.Client({ connectionString: servers.primaryUrl });
    await client.connect();
    try {
      return Number((await client.query(`SELECT size FROM transparency_logs WHERE campaign_id = $1`, [campaignId])).rows[0].size);
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    servers = await startReplicatedPostgres({ primaryPort: PRIMARY_PORT, replicaPort: REPLICA_PORT });
    env = await createTestEnvironment();
    // Checks only when a test asks (checkNow), so what the replica's state is stays under the test's control.
    const config = env.configWith({ DATABASE_URL: servers.primaryUrl, DATABASE_REPLICA_URLS: servers.replicaUrl, REPLICA_MAX_LAG_MS: '600000', REPLICA_CHECK_INTERVAL_MS: '60000' });
    app = await startTestApi(config, { listen: true });
    base = await baseUrlOf(app);
    replicas = app.get(ReadReplicas);
    campaignId = await insertCampaign(servers.primaryUrl, { slug, title: 'Replicated relief' });
    await appendEntries(app.get(TransactionRunner), app.get(PublicLedgerAppender), campaignId, sampleHistory());
    await servers.caughtUp();
    await replicas.checkNow();
  });

  afterAll(async () => {
    await app?.close();
    await servers?.stop();
    await env?.cleanup();
  });

  it('refuses at boot a replica URL that is not a replica of DATABASE_URL, with one line naming it', async () => {
    // A real replica passes; one that does not answer is let through (skipped until it answers).
    await expect(verifyReadReplicas(servers.primaryUrl, [servers.replicaUrl])).resolves.toEqual({ unreachable: [] });
    const down = await verifyReadReplicas(servers.primaryUrl, [`postgres://postgres@127.0.0.1:${NOBODY_PORT}/ataa`]);
    expect(down.unreachable).toEqual([expect.stringMatching(new RegExp(`^127\\.0\\.0\\.1:${NOBODY_PORT}/ataa \\(ECONNREFUSED\\)$`))]);

    const refusal = async (primaryUrl: string, replicaUrl: string) => {
      const error = await verifyReadReplicas(primaryUrl, [replicaUrl]).then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      const message = (error as Error).message;
      expect(message).not.toContain('\n');
      return message;
    };
    // The shared test server: a primary of another database cluster (its own system identifier).
    const otherPrimary = env.database.url;
    const otherName = `127.0.0.1:5432/${env.database.name}`;
    expect(await refusal(servers.primaryUrl, otherPrimary)).toMatch(new RegExp(`^Configuration error: DATABASE_REPLICA_URLS: ${otherName} is not a replica of DATABASE_URL: its system identifier is \\d+, the primary's \\d+ \\(another PostgreSQL cluster\\)$`));
    // A standby, but of another primary than DATABASE_URL.
    expect(await refusal(env.database.url, servers.replicaUrl)).toMatch(/^Configuration error: DATABASE_REPLICA_URLS: 127\.0\.0\.1:5441\/ataa is not a replica of DATABASE_URL: its system identifier is \d+/);
    // The primary itself given as a replica: same cluster, not in recovery.
    expect(await refusal(servers.primaryUrl, servers.primaryUrl)).toBe('Configuration error: DATABASE_REPLICA_URLS: 127.0.0.1:5440/ataa is not in recovery: it is a primary (promoted, or DATABASE_URL itself), not a read replica');
    expect(await refusal(servers.primaryUrl, `postgres://postgres@127.0.0.1:${REPLICA_PORT}/nowhere`)).toBe('Configuration error: DATABASE_REPLICA_URLS: 127.0.0.1:5441/nowhere its database does not exist');
  });

  it('sends the public reads to the replica and the writes to the primary', async () => {
    const shown = 11; // sampleHistory(): 11 entries, all replayed.
    expect(replicas.status()).toEqual([{ name: '127.0.0.1:5441/ataa', usable: true, lagMs: expect.any(Number), reason: null }]);
    const listed = (await json(`/api/v1/public/campaigns/${slug}`)).body.donors as number;
    await servers.pauseReplay();
    try {
      // Three gifts written (through the app: on the primary) that the paused replica does not have.
      await appendGifts(3);
      expect(await primarySize()).toBe(shown + 3);
      // Lag is far below the limit (10 minutes here): the replica stays in use.
      await replicas.checkNow();
      expect(replicas.status()[0].usable).toBe(true);

      // Every public read answers from the replica: the ledger (JSON, page, CSV), report, checkpoint, proofs, discovery.
      const ledger = await json(`${api}/ledger`);
      expect(ledger.body.size).toBe(shown);
      expect(ledger.etag.startsWith(`"${shown}-`)).toBe(true);
      const page = await get(`/c/${slug}/ledger`, { accept: 'text/html' });
      expect(page.headers.get('etag')?.startsWith(`"${shown}-`)).toBe(true);
      const csv = await get(`${api}/ledger.csv`);
      expect(csv.headers.get('content-disposition')).toBe(`attachment; filename="${slug}-ledger-${shown}.csv"`);
      expect((await csv.text()).trim().split('\n')).toHaveLength(1 + shown);
      expect((await json(`${api}/report`)).body.size).toBe(shown);
      const checkpoint = (await json(`${api}/checkpoint`)).body as unknown as { size: number; note: string };
      expect(checkpoint.size).toBe(shown);
      expect((await json(`${api}/proof/inclusion?index=3`)).body.size).toBe(shown);
      // Discovery's campaign (its donor count comes with the log head): three new named donors not there yet.
      expect((await json(`/api/v1/public/campaigns/${slug}`)).body.donors).toBe(listed);

      // What was written, the primary has (the worker's and receipts' reads stay there).
      expect((await app.get(PublicLedgerService).logById(campaignId))?.size).toBe(shown + 3);
    } finally {
      await servers.resumeReplay();
      await servers.caughtUp();
    }
    expect((await json(`${api}/ledger`)).body.size).toBe(shown + 3);
    expect((await json(`/api/v1/public/campaigns/${slug}`)).body.donors).toBe(listed + 3);
  });

  it('never shows a visitor a ledger older than one they were shown: a newer size in the ETag or query is read from the primary', async () => {
    const before = await primarySize();
    const seen = await json(`${api}/ledger`);
    expect(seen.body.size).toBe(before);
    await servers.pauseReplay();
    try {
      await appendGifts(2);
      // The visitor is shown the newer ledger once (an answer from the primary, say after a failover).
      const newer = before + 2;
      const etag = `"${newer}-0123456789abcdefghijklmnopq"`;
      // A plain request is served by the replica, behind…
      expect((await json(`${api}/ledger`)).body.size).toBe(before);
      // …but revalidating the copy that showed size `newer` is never answered with the older one.
      const revalidated = await json(`${api}/ledger`, { 'if-none-match': etag });
      expect(revalidated.body.size).toBe(newer);
      expect(revalidated.etag.startsWith(`"${newer}-`)).toBe(true);
      const html = await get(`/c/${slug}/ledger`, { accept: 'text/html', 'if-none-match': `W/${etag}` });
      expect([html.status, html.headers.get('etag')?.startsWith(`"${newer}-`)]).toEqual([200, true]);
      // The same answer revalidated again: 304 from the primary, not a 200 of an older page.
      expect((await get(`${api}/ledger`, { 'if-none-match': revalidated.etag })).status).toBe(304);
      // Sizes named in the query (a checkpoint, proof or cursor the visitor got from a newer answer) too: not a 400 from the replica.
      expect((await json(`${api}/checkpoint?size=${newer}`)).body.size).toBe(newer);
      expect((await json(`${api}/proof/consistency?from=${before}&to=${newer}`)).body).toMatchObject({ from: before, to: newer });
      expect((await json(`${api}/report`, { 'if-none-match': etag })).body.size).toBe(newer);
      // An ETag of an older or equal size does not need the primary.
      expect((await json(`${api}/ledger`, { 'if-none-match': seen.etag.replace(/-.*/, '-x"') })).body.size).toBe(before);
    } finally {
      await servers.resumeReplay();
      await servers.caughtUp();
    }
  });

  it('serves the campaign page from the replica, every figure from one server, never behind the log size the visitor was shown', async () => {
    const page = async (path: string, cookie?: string) => {
      const res = await fetch(`${base}${path}`, { headers: { accept: 'text/html', ...(cookie ? { cookie } : {}) } });
      const seen = res.headers.getSetCookie().find((c) => c.startsWith('ataa_seen='));
      return { status: res.status, text: await res.text(), seen: seen ? /^ataa_seen=(\d+); Path=([^;]+)/.exec(seen)!.slice(1) : null };
    };
    const query = async (sql: string, params: unknown[]) => {
      const client = new pg.Client({ connectionString: servers.primaryUrl });
      await client.connect();
      try {
        return (await client.query(sql, params)).rows;
      } finally {
        await client.end();
      }
    };
    await query(`UPDATE campaigns SET summary = 'Summary as the replica has it' WHERE id = $1`, [campaignId]);
    await servers.caughtUp();
    const size = await primarySize();
    // Caught up: the page, and the size it showed, kept for this campaign's pages (the cookie's path).
    const first = await page(`/c/${slug}`);
    expect([first.status, first.text.includes('Summary as the replica has it'), first.seen]).toEqual([200, true, [String(size), `/c/${slug}`]]);

    await servers.pauseReplay();
    try {
      // Written on the primary, not on the paused replica: a new summary, two entries, a campaign published just now.
      await query(`UPDATE campaigns SET summary = 'Summary only the primary has' WHERE id = $1`, [campaignId]);
      await appendGifts(2);
      const fresh = 'replicated-fresh';
      await insertCampaign(servers.primaryUrl, { slug: fresh, title: 'Published a moment ago' });

      // A visitor who was shown `size` (or nothing): the replica answers, its summary and no new cookie.
      const again = await page(`/c/${slug}`, `ataa_seen=${size}`);
      expect([again.status, again.text.includes('Summary as the replica has it'), again.seen]).toEqual([200, true, null]);
      expect((await page(`/c/${slug}`)).text).toContain('Summary as the replica has it');
      // A visitor shown size + 2 (a page the primary served): never an older page from the replica.
      const newer = await page(`/c/${slug}`, `ataa_seen=${size + 2}`);
      expect([newer.status, newer.text.includes('Summary only the primary has')]).toEqual([200, true]);
      // A page the replica does not have yet (published a moment ago) is read from the primary, not a 404.
      expect((await page(`/c/${fresh}`)).status).toBe(200);
    } finally {
      await servers.resumeReplay();
      await servers.caughtUp();
    }
    // Caught up: the replica's page is the new one, and the visitor's size moves on.
    const caught = await page(`/c/${slug}`, `ataa_seen=${size}`);
    expect([caught.text.includes('Summary only the primary has'), caught.seen]).toEqual([true, [String(size + 2), `/c/${slug}`]]);
  });

  it('serves the embed widget from the replica, never behind the log size of the copy being revalidated', async () => {
    const widget = async (path: string, headers: Record<string, string> = {}) => {
      const res = await fetch(`${base}${path}`, { headers: { accept: 'text/html', ...headers } });
      return { status: res.status, etag: res.headers.get('etag'), text: await res.text(), cookies: res.headers.getSetCookie() };
    };
    const query = async (sql: string, params: unknown[]) => {
      const client = new pg.Client({ connectionString: servers.primaryUrl });
      await client.connect();
      try {
        await client.query(sql, params);
      } finally {
        await client.end();
      }
    };
    await query(`UPDATE campaigns SET title = 'Wells as the replica has them' WHERE id = $1`, [campaignId]);
    await servers.caughtUp();
    const size = await primarySize();
    const first = await widget(`/embed/c/${slug}`);
    expect([first.status, first.text.includes('Wells as the replica has them'), first.etag?.startsWith(`"${size}-`), first.cookies]).toEqual([200, true, true, []]);

    await servers.pauseReplay();
    try {
      // Written on the primary only: a new title, two entries, a campaign published just now.
      await query(`UPDATE campaigns SET title = 'Wells only the primary has' WHERE id = $1`, [campaignId]);
      await appendGifts(2);
      const fresh = 'replicated-widget-fresh';
      await insertCampaign(servers.primaryUrl, { slug: fresh, title: 'A widget published a moment ago' });

      // A plain request, and a revalidation of the replica's own copy: the replica answers (304: unchanged there).
      const plain = await widget(`/embed/c/${slug}`);
      expect([plain.status, plain.text.includes('Wells as the replica has them'), plain.etag]).toEqual([200, true, first.etag]);
      expect((await widget(`/embed/c/${slug}`, { 'if-none-match': first.etag! })).status).toBe(304);
      // A copy that showed size + 2 (served by the primary, say after a failover) is never answered with the older one.
      const newer = await widget(`/embed/c/${slug}`, { 'if-none-match': `"${size + 2}-0123456789abcdefghijklmnopq"` });
      expect([newer.status, newer.text.includes('Wells only the primary has'), newer.etag?.startsWith(`"${size + 2}-`)]).toEqual([200, true, true]);
      // …and revalidating that newer copy is a 304 from the primary, not a 200 of the replica's older widget.
      expect((await widget(`/embed/c/${slug}`, { 'if-none-match': `W/${newer.etag}` })).status).toBe(304);
      // A widget the replica does not have yet is read from the primary, not a 404.
      const published = await widget(`/embed/c/${fresh}`);
      expect([published.status, published.text.includes('A widget published a moment ago')]).toEqual([200, true]);
      // An unknown campaign is still a 404 (from the primary, after the replica has nothing).
      expect((await widget('/embed/c/no-such-widget')).status).toBe(404);
    } finally {
      await servers.resumeReplay();
      await servers.caughtUp();
    }
    // Caught up: the replica's widget is the new one.
    const caught = await widget(`/embed/c/${slug}`);
    expect([caught.text.includes('Wells only the primary has'), caught.etag?.startsWith(`"${size + 2}-`)]).toEqual([true, true]);
  });

  it('starts no replica pools or lag checks in the worker, which serves no public reads', async () => {
    // The same configuration as the API above (a deployment shares it): the worker drops the replicas.
    const config = env.configWith({ DATABASE_URL: servers.primaryUrl, DATABASE_REPLICA_URLS: servers.replicaUrl, REPLICA_MAX_LAG_MS: '600000', REPLICA_CHECK_INTERVAL_MS: '60000' });
    expect(config.DATABASE_REPLICA_URLS).toEqual([servers.replicaUrl]);
    const worker = await startTestWorker(config);
    try {
      const workerReplicas = worker.get(ReadReplicas);
      expect([workerReplicas.configured, workerReplicas.status(), workerReplicas.reader().name]).toEqual([false, [], 'primary']);
      // The API in the same configuration does use the replica.
      expect(replicas.configured).toBe(true);
    } finally {
      await worker.close();
    }
  });

  it('skips a replica lagging beyond REPLICA_MAX_LAG_MS, with the lag as a Prometheus gauge', async () => {
    // A second process view with a 1 s limit (the app above allows 10 minutes), checking when asked.
    const config = env.configWith({ DATABASE_URL: servers.primaryUrl, DATABASE_REPLICA_URLS: servers.replicaUrl, REPLICA_MAX_LAG_MS: '1000', REPLICA_CHECK_INTERVAL_MS: '60000' });
    @Module({ imports: [ConfigModule.forRoot(config), DatabaseModule, TransparencyModule] })
    class LagModule {}
    const context: INestApplicationContext = await NestFactory.createApplicationContext(LagModule, { logger: false });
    try {
      const strict = context.get(ReadReplicas);
      const service = context.get(PublicLedgerService);
      expect(strict.status()[0].usable).toBe(true);
      expect((await service.log(slug)).reads?.name).toBe('127.0.0.1:5441/ataa');
      await servers.pauseReplay();
      try {
        await appendGifts(1);
        // Wait (polling, no timing asserted) until the replica has been behind for longer than the limit.
        for (let i = 0; i < 200; i++) {
          await strict.checkNow();
          if (!strict.status()[0].usable) break;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        expect(strict.status()[0]).toMatchObject({ usable: false, reason: expect.stringMatching(/^lagging \d+ ms behind the primary \(REPLICA_MAX_LAG_MS 1000\)$/) });
        expect(strict.status()[0].lagMs).toBeGreaterThan(1000);
        const log = await service.log(slug);
        expect([log.reads?.name, log.size]).toEqual(['primary', await primarySize()]);
      } finally {
        await servers.resumeReplay();
        await servers.caughtUp();
      }
      await strict.checkNow();
      expect(strict.status()[0]).toMatchObject({ usable: true, reason: null });
      expect((await service.log(slug)).reads?.name).toBe('127.0.0.1:5441/ataa');
    } finally {
      await context.close();
    }
    // The API's gauges, at /metrics.
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/^ataa_db_replica_lag_seconds\{replica="127\.0\.0\.1:5441\/ataa"\} [0-9.e-]+$/m);
    expect(metrics).toContain('ataa_db_replica_usable{replica="127.0.0.1:5441/ataa"} 1');
  });

  it('reads from the primary while the replica is down, and from the replica again once it answers', async () => {
    const size = await primarySize();
    await servers.stopReplica();
    try {
      // No check has run since: the read finds the replica gone, is made on the primary, and the replica is skipped.
      expect((await json(`${api}/ledger`)).body.size).toBe(size);
      expect(replicas.status()[0]).toMatchObject({ usable: false, reason: expect.stringMatching(/^unavailable/) });
      await appendGifts(1);
      expect((await json(`${api}/ledger`)).body.size).toBe(size + 1);
      // The campaign page too: read on the primary, with the size it has.
      const campaignPage = await fetch(`${base}/c/${slug}`, { headers: { accept: 'text/html' } });
      expect([campaignPage.status, campaignPage.headers.getSetCookie().find((c) => c.startsWith('ataa_seen='))?.split(';')[0]]).toEqual([200, `ataa_seen=${size + 1}`]);
      const csv = await get(`${api}/ledger.csv`);
      expect((await csv.text()).trim().split('\n')).toHaveLength(2 + size);
      await replicas.checkNow();
      expect(replicas.status()[0].usable).toBe(false);
      expect(await (await fetch(`${base}/metrics`)).text()).toContain('ataa_db_replica_usable{replica="127.0.0.1:5441/ataa"} 0');
    } finally {
      await servers.startReplica();
    }
    await servers.caughtUp();
    await replicas.checkNow();
    expect(replicas.status()[0].usable).toBe(true);
    expect((await app.get(PublicLedgerService).log(slug)).reads?.name).toBe('127.0.0.1:5441/ataa');
  });
});
