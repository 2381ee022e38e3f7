import { jest } from '@jest/globals';
import type { Worker } from 'node:worker_threads';
import { loadConfig } from '@ataa/config';
import { buildStatementView, ReceiptPdfPool, ReceiptPdfRenderer, StatementPdfRenderer } from '@ataa/notifications';
import { variedReceiptViews } from './fixtures.js';
import { inspectPdf } from './pdf-inspect.js';

/** Rendering threads (piscina): real threads, started from the TypeScript sources here, from dist/ in the apps. */
describe('ReceiptPdfPool', () => {
  const creationDate = new Date('2026-06-01T12:00:00Z');
  let pool: ReceiptPdfPool;
  afterEach(async () => {
    jest.restoreAllMocks();
    await pool?.close();
  });

  it('renders on its threads the same bytes as rendering here, and never on this thread', async () => {
    pool = new ReceiptPdfPool(loadConfig({ RECEIPT_RENDER_THREADS: '2' }));
    const views = variedReceiptViews();
    const expected = await Promise.all(views.map((view) => new ReceiptPdfRenderer().render(view, { creationDate })));
    const here = jest.spyOn(ReceiptPdfRenderer.prototype, 'render');
    expect(pool.runningThreads).toBe(0); // nothing is started before the first receipt

    // More receipts at once than threads: the rest wait in the pool's queue.
    const rendered = await Promise.all([...views, ...views].map((view) => pool.render(view, { creationDate })));
    rendered.forEach((bytes, i) => {
      expect(Buffer.isBuffer(bytes)).toBe(true);
      expect(bytes.equals(expected[i % views.length])).toBe(true);
    });
    expect(inspectPdf(rendered[0]).texts.join(' ')).toContain('R-2026-000001');
    expect(pool.runningThreads).toBe(2);
    expect(here).not.toHaveBeenCalled();
  });

  it('closes: lets the receipts being rendered finish, stops its threads, and renders here after that', async () => {
    pool = new ReceiptPdfPool(loadConfig({ RECEIPT_RENDER_THREADS: '1' }));
    const [view] = variedReceiptViews();
    await pool.render(view, { creationDate }); // the thread is up
    const threads = (pool as unknown as { pool: { threads: Worker[] } }).pool.threads;
    expect(threads).toHaveLength(1);
    const exited = new Promise<number>((resolve) => threads[0].once('exit', resolve));

    const inFlight = Array.from({ length: 3 }, () => pool.render(view, { creationDate }));
    const closed = pool.close();
    expect(pool.close()).toBe(closed); // idempotent
    const finished = await Promise.all(inFlight);
    await closed;
    await exited;
    expect(finished.every((bytes) => bytes.subarray(0, 5).toString() === '%PDF-')).toBe(true);
    expect(pool.runningThreads).toBe(0);

    // A job that reaches rendering during the shutdown still gets its PDF, rendered on this thread.
    const here = jest.spyOn(ReceiptPdfRenderer.prototype, 'render');
    const late = await pool.render(view, { creationDate });
    expect(late.equals(finished[0])).toBe(true);
    expect(here).toHaveBeenCalledTimes(1);
    expect(pool.runningThreads).toBe(0);
  });

  it('draws donor statements (issue 20) on the same threads, the same bytes as here', async () => {
    pool = new ReceiptPdfPool(loadConfig({ RECEIPT_RENDER_THREADS: '1' }));
    const view = buildStatementView({
      language: 'ar', email: 'layla@example.org', generatedAt: creationDate,
      period: { kind: 'fiscal', start: new Date('2025-04-01T00:00:00Z'), lastDay: new Date('2026-03-31T00:00:00Z') },
      gifts: [{
        id: 'g1', givenAt: new Date('2025-05-01T10:00:00Z'), organizationName: 'Helping Hands', campaignTitle: 'Clean water', amount: 5000n, net: 5000n,
        currency: 'usd', status: 'succeeded', anonymous: false, receiptNumber: 'R-2025-000001', leafIndex: '3', leafHash: 'cd'.repeat(32), verifyUrl: 'https://give.example/c/w/proof/inclusion?index=3',
      }],
      totals: [{ currency: 'usd', gifts: 1, given: 5000n, returned: 0n, net: 5000n }],
    });
    const expected = await new StatementPdfRenderer().render(view, { creationDate });
    const here = jest.spyOn(StatementPdfRenderer.prototype, 'render');
    const rendered = await pool.renderStatement(view, { creationDate });
    expect(rendered.equals(expected)).toBe(true);
    expect(inspectPdf(rendered).texts.join(' ')).toContain('R-2025-000001');
    expect(pool.runningThreads).toBe(1);
    expect(here).not.toHaveBeenCalled();
  });
});
