import { jest } from '@jest/globals';
import { INestApplicationContext } from '@nestjs/common';
import type { Worker } from 'node:worker_threads';
import { DataSource } from 'typeorm';
import { OutboxService, ReceiptPdfPool, ReceiptPdfRenderer } from '@ataa/notifications';
import { createTestEnvironment, ReceivedMail, SmtpSink, startSmtpSink, startTestWorker, TestEnvironment } from '@ataa/testing';
import { ARABIC_NAME, ARABIC_TITLE } from './fixtures.js';
import { inspectPdf } from './pdf-inspect.js';
import { settleGift, TEST_TABLES_DDL, TestReceiptDataSourceModule } from './test-receipt-data-source.js';

const ORG = '0000000e-0000-4000-8000-000000000000';

/**
 * The worker renders receipt PDFs on its rendering threads (ReceiptPdfPool), never on the event loop
 * that settles payments: settlement -> outbox -> relay -> BullMQ -> worker -> pool thread -> SMTP.
 */
describe('receipts rendered on the worker\'s rendering threads (worker, real Redis, PostgreSQL and SMTP server)', () => {
  let env: TestEnvironment;
  let sink: SmtpSink;
  let worker: INestApplicationContext | undefined;
  let dataSource: DataSource;
  let outbox: OutboxService;
  let pool: ReceiptPdfPool;

  const mailTo = async (email: string): Promise<ReceivedMail> => {
    for (let i = 0; i < 300; i++) {
      const found = sink.messages.find((m) => m.envelope.to.includes(email));
      if (found) return found;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no mail to ${email}`);
  };
  const pdfOf = (mail: ReceivedMail) => {
    const pdf = mail.parsed.attachments.find((a) => a.contentType === 'application/pdf');
    if (!pdf) throw new Error('no PDF attachment');
    return pdf.content;
  };

  beforeAll(async () => {
    env = await createTestEnvironment();
    sink = await startSmtpSink();
    worker = await startTestWorker(env.configWith({ SMTP_URL: sink.url, RECEIPT_RENDER_THREADS: '1' }), { imports: [TestReceiptDataSourceModule] });
    dataSource = worker.get(DataSource);
    await dataSource.query(TEST_TABLES_DDL);
    outbox = worker.get(OutboxService, { strict: false });
    pool = worker.get(ReceiptPdfPool, { strict: false });
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    await worker?.close();
    await sink?.close();
    await env?.cleanup();
  });

  it('delivers receipts whose PDF was drawn on a rendering thread, then stops the thread when the worker closes', async () => {
    const onThisThread = jest.spyOn(ReceiptPdfRenderer.prototype, 'render');
    const throughPool = jest.spyOn(pool, 'render');
    expect(pool.threads).toBe(1);
    expect(pool.runningThreads).toBe(0); // started with the first receipt

    await settleGift(dataSource, outbox, { id: 'threads_en', organizationId: ORG, donorEmail: 'en@example.org', amount: 123450n, currency: 'usd', coveredFees: 380n });
    await settleGift(dataSource, outbox, {
      id: 'threads_ar', organizationId: ORG, donorEmail: 'ar@example.org', donorName: ARABIC_NAME, amount: 12340n, currency: 'kwd', language: 'ar', campaignTitle: ARABIC_TITLE,
    });
    const english = await mailTo('en@example.org');
    const arabic = await mailTo('ar@example.org');

    // The sink has a message before the worker heard "250" and recorded the send: wait for the records.
    let sent: { donation_id: string; receipt_number: string }[] = [];
    for (let i = 0; i < 300 && sent.length < 2; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 100));
      sent = await dataSource.query(`SELECT donation_id, receipt_number FROM receipts WHERE status = 'sent' ORDER BY donation_id`);
    }
    expect(sent.map((r) => r.donation_id)).toEqual(['threads_ar', 'threads_en']);
    const numbers = Object.fromEntries(sent.map((r) => [r.donation_id, r.receipt_number]));
    const englishPdf = inspectPdf(pdfOf(english));
    expect(englishPdf.texts.join(' ')).toContain(numbers.threads_en);
    expect(englishPdf.texts.join(' ')).toContain('$1,234.50');
    const arabicPdf = inspectPdf(pdfOf(arabic));
    expect(arabicPdf.texts.join(' ')).toContain(numbers.threads_ar);
    expect(arabicPdf.texts.join(' ')).toMatch(/[\u0600-\u06FF]/);

    // Both PDFs came from the pool, as the thread drew them; none was drawn on the worker's event loop.
    expect(throughPool).toHaveBeenCalledTimes(2);
    const fromPool = await Promise.all(throughPool.mock.results.map((r) => r.value as Promise<Buffer>));
    for (const mail of [english, arabic]) expect(fromPool.some((bytes) => bytes.equals(pdfOf(mail)))).toBe(true);
    expect(onThisThread).not.toHaveBeenCalled();
    expect(pool.runningThreads).toBe(1);

    // Closing the worker (as on SIGTERM) closes the pool: its thread exits, nothing is left running.
    const [thread] = (pool as unknown as { pool: { threads: Worker[] } }).pool.threads;
    const exited = new Promise<number>((resolve) => thread.once('exit', resolve));
    const app = worker!;
    worker = undefined;
    await app.close();
    await exited;
    expect(pool.runningThreads).toBe(0);
  });
});
