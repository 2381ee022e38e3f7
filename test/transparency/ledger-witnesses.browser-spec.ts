import { jest } from '@jest/globals';
import type { Browser } from 'playwright-core';
import pg from 'pg';
import { TransactionRunner } from '@ataa/database';
import { axeViolations, baseUrlOf, createTestEnvironment, launchBrowser, startTestApi, TestEnvironment } from '@ataa/testing';
import { createCosigner, formatCosignerKey, PublicLedgerAppender } from '@ataa/transparency';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { privateKeyFromSeed } from '../../libs/transparency/src/domain/index.js';
import { appendEntries, insertCampaign, sampleHistory } from './support.js';

jest.setTimeout(120_000);

/**
 * The ledger page's witness line in the states it shows with two witnesses configured (this size
 * cosigned by one of them; not cosigned yet, with an earlier cosignature), in English and Arabic,
 * each checked by axe. The witnesses' state is written as the worker would store it.
 */
describe('ledger page: what the witnesses cosigned (headless Chromium)', () => {
  let env: TestEnvironment;
  let app: NestFastifyApplication;
  let browser: Browser;
  let base: string;
  const vkeys = ['w1.example', 'w2.example'].map((name, i) => formatCosignerKey({ name, publicKey: createCosigner(name, privateKeyFromSeed(Buffer.alloc(32, 40 + i))).publicKey }));

  beforeAll(async () => {
    env = await createTestEnvironment();
    app = await startTestApi(env.configWith({ TRANSPARENCY_WITNESSES: `http://127.0.0.1:9/ ${vkeys[0]}, http://127.0.0.1:9/w2 ${vkeys[1]}` }), { listen: true });
    base = await baseUrlOf(app);
    const client = new pg.Client({ connectionString: env.database.url });
    await client.connect();
    try {
      for (const [slug, w1Size, w2Size] of [['cosigned-water', 11, 9], ['behind-water', 9, null]] as const) {
        const id = await insertCampaign(env.database.url, { slug, title: 'Clean water for the village' });
        await appendEntries(app.get(TransactionRunner), app.get(PublicLedgerAppender), id, sampleHistory());
        for (const [vkey, size] of [[vkeys[0], w1Size], [vkeys[1], w2Size]] as const) {
          if (size === null) continue;
          await client.query(
            `INSERT INTO transparency_witness_state (campaign_id, witness, known_size, cosigned_size, cosignature, cosigned_at, revision)
             VALUES ($1, $2, $3, $3, '— x AAAA\n', '2026-03-01T10:02:00Z', 1)`,
            [id, vkey, size],
          );
        }
      }
    } finally {
      await client.end();
    }
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await env?.cleanup();
  });

  it.each([
    ['/c/cosigned-water/ledger?lang=en', 'Checkpoint cosigned by 1 of 2 independent witnesses (w1.example, w2.example), latest at 2026-03-01 10:02 UTC.'],
    ['/c/cosigned-water/ledger?lang=ar', 'وقّع نقطة التحقق من الشهود المستقلين 1 من أصل 2 (w1.example، w2.example)، وآخر توقيع في 2026-03-01 10:02 UTC.'],
    ['/c/behind-water/ledger?lang=en', 'This checkpoint is not cosigned yet by the 2 independent witnesses (w1.example, w2.example); the latest cosignature, of the log at 9 entries, was at 2026-03-01 10:02 UTC.'],
    ['/c/behind-water/ledger?lang=ar', 'لم يوقّع الشهود المستقلون (2: w1.example، w2.example) نقطة التحقق هذه بعد؛ آخر توقيع، للسجل عند 9 قيداً، كان في 2026-03-01 10:02 UTC.'],
  ])('%s says what the witnesses cosigned', async (path, text) => {
    const page = await browser.newPage();
    await page.goto(`${base}${path}`);
    expect((await page.locator('[data-testid="witnesses"]').innerText()).trim()).toBe(text);
    expect(await page.getAttribute('[data-testid="witnesses"] time', 'datetime')).toBe('2026-03-01T10:02:00.000Z');
    expect(await axeViolations(page)).toEqual([]);
    await page.close();
  });
});
