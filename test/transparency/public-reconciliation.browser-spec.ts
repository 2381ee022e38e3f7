import { jest } from '@jest/globals';
import pg from 'pg';
import type { Browser } from 'playwright-core';
import { TransactionRunner } from '@ataa/database';
import { axeViolations, baseUrlOf, createTestEnvironment, launchBrowser, startTestApi, TestEnvironment } from '@ataa/testing';
import { PublicLedgerAppender } from '@ataa/transparency';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { appendEntries, insertCampaign, sampleHistory } from './support.js';

jest.setTimeout(120_000);

/**
 * The reconciliation section of the report and ledger pages (issue 21, item 7) in a real browser,
 * English and Arabic, with JavaScript on and off: the summary line, the open and resolved
 * differences, links to the entries; axe-clean in every state.
 */
describe('reconciliation on the public report and ledger pages (browser, axe)', () => {
  let env: TestEnvironment;
  let app: NestFastifyApplication;
  let browser: Browser;
  let base: string;
  let db: pg.Client;

  beforeAll(async () => {
    env = await createTestEnvironment();
    app = await startTestApi(env.config, { listen: true });
    base = await baseUrlOf(app);
    const campaignId = await insertCampaign(env.database.url, { slug: 'clean-water', language: 'ar', title: 'مياه نظيفة' });
    await appendEntries(app.get(TransactionRunner), app.get(PublicLedgerAppender), campaignId, sampleHistory());
    db = new pg.Client({ connectionString: env.database.url });
    await db.connect();
    // A run as the worker records one (window end 12:00, grace one hour: reconciled up to 11:00), an
    // open refund missing in the ledger and a resolved amount mismatch on the payout (entry 9).
    const [run] = (await db.query(
      `INSERT INTO reconciliation_runs (trigger, status, window_end, grace_ms, started_at, finished_at) VALUES ('schedule', 'succeeded', '2026-03-10T12:00:00Z', 3600000, '2026-03-10T12:00:00Z', '2026-03-10T12:00:04Z') RETURNING id`,
    )).rows;
    const [payoutEntry] = (await db.query(`SELECT source_ref FROM public_ledger_entries WHERE campaign_id = $1 AND idx = 9`, [campaignId])).rows;
    await db.query(
      `INSERT INTO reconciliation_differences (key, kind, ledger_kind, stripe_object_id, ledger_entry_ids, stripe_amount, ledger_amount, currency, campaign_id, occurred_at, details, first_run_id, last_run_id, first_seen_at)
       VALUES ('missing_in_ledger|refund|re_open', 'missing_in_ledger', 'refund', 're_open', '{}', -1500, NULL, 'usd', $1, '2026-03-05T09:00:00Z', '{"chargeId":"ch_secret"}', $2, $2, '2026-03-06T12:00:00Z')`,
      [campaignId, run.id],
    );
    await db.query(
      `INSERT INTO reconciliation_differences (key, kind, ledger_kind, stripe_object_id, ledger_entry_ids, stripe_amount, ledger_amount, currency, campaign_id, occurred_at, details, first_run_id, last_run_id, first_seen_at, resolved_at, resolved_run_id)
       VALUES ('amount_mismatch|payout|tr_done', 'amount_mismatch', 'payout', 'tr_done', ARRAY[$3]::uuid[], -8000, -8100, 'usd', $1, '2026-03-03T09:00:00Z', '{}', $2, $2, '2026-03-03T10:00:00Z', '2026-03-04T10:00:00Z', $2)`,
      [campaignId, run.id, payoutEntry.source_ref],
    );
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await db?.end();
    await app?.close();
    await env?.cleanup();
  });

  for (const lang of ['en', 'ar'] as const) {
    for (const pageName of ['report', 'ledger'] as const) {
      for (const javaScript of [true, false]) {
        it(`${pageName} page in ${lang}, JavaScript ${javaScript ? 'on' : 'off'}: summary, open and resolved differences, axe-clean`, async () => {
          const context = await browser.newContext({ javaScriptEnabled: javaScript });
          const page = await context.newPage();
          await page.goto(`${base}/c/clean-water/${pageName}?lang=${lang}`);
          const summary = page.getByTestId('reconciliation-summary');
          expect(await summary.getAttribute('data-open')).toBe('1');
          expect(await summary.textContent()).toBe(lang === 'en'
            ? 'Reconciled with the payment processor up to 2026-03-10 11:00 UTC: 1 difference open.'
            : 'تمت المطابقة مع معالج الدفع حتى 2026-03-10 11:00 UTC: الفروق المفتوحة: 1.');
          const open = page.getByTestId('reconciliation-open').locator('tbody tr');
          expect(await open.count()).toBe(1);
          // Open since 03-06 12:00, last run finished 03-10 12:00:04: 4 days.
          expect(await open.locator('td').nth(4).textContent()).toBe(lang === 'en' ? '4 days' : '4 يوماً');
          expect(await open.locator('th').textContent()).toBe(lang === 'en' ? 'Missing in the ledger' : 'مفقود في السجل');
          const resolved = page.getByTestId('reconciliation-resolved').locator('tbody tr');
          expect(await resolved.count()).toBe(1);
          const entryLink = resolved.getByRole('link', { name: '#9' });
          expect(await entryLink.count()).toBe(1);
          const html = await page.content();
          expect(html).not.toMatch(/re_open|tr_done|ch_secret/);
          expect(await axeViolations(page)).toEqual([]);

          // The entry's link leads to the ledger page that starts with it.
          await entryLink.click();
          await page.waitForURL(/\/ledger\?cursor=/);
          expect(await page.locator('table.tl-ledger tbody tr').first().getAttribute('data-index')).toBe('9');
          await context.close();
        });
      }
    }
  }
});
