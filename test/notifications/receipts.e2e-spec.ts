import { INestApplicationContext } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { OutboxService } from '@ataa/notifications';
import { createTestEnvironment, ReceivedMail, SmtpSink, startSmtpSink, startTestWorker, TestEnvironment } from '@ataa/testing';
import { inspectPdf } from './pdf-inspect.js';
import { refundGift, settleGift, TEST_TABLES_DDL, TestReceiptDataSourceModule } from './test-receipt-data-source.js';

const ORG = '0000000d-0000-4000-8000-000000000000';
const HOSTILE_NAME = `<script>alert("x")</script> O'Brien & Sons`;
const LONG_MESSAGE = `${'Keep going! '.repeat(200)}<b>end</b>`;
const ARABIC_NAME = 'ليلى حداد (Layla)';
const ARABIC_MESSAGE = 'شكرًا لكم Thank you 100 مرة';

/** The whole pipeline: settlement -> outbox -> relay -> BullMQ -> worker -> SMTP -> MIME, as a donor receives it. */
describe('receipts end to end (worker, real Redis, PostgreSQL and SMTP server)', () => {
  let env: TestEnvironment;
  let sink: SmtpSink;
  let worker: INestApplicationContext;
  let dataSource: DataSource;
  let outbox: OutboxService;
  const mailTo = async (email: string, nth = 1): Promise<ReceivedMail> => {
    for (let i = 0; i < 300; i++) {
      const found = sink.messages.filter((m) => m.envelope.to.includes(email));
      if (found.length >= nth) return found[nth - 1];
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no mail #${nth} to ${email}`);
  };
  const pdfOf = (mail: ReceivedMail) => {
    const pdf = mail.parsed.attachments.find((a) => a.contentType === 'application/pdf');
    if (!pdf) throw new Error('no PDF attachment');
    return pdf;
  };

  beforeAll(async () => {
    env = await createTestEnvironment();
    sink = await startSmtpSink();
    worker = await startTestWorker(env.configWith({ SMTP_URL: sink.url, MAIL_FROM: 'Ataa Receipts <receipts@ataa.test>' }), { imports: [TestReceiptDataSourceModule] });
    dataSource = worker.get(DataSource);
    await dataSource.query(TEST_TABLES_DDL);
    outbox = worker.get(OutboxService, { strict: false });
  });
  afterAll(async () => {
    await worker?.close();
    await sink?.close();
    await env?.cleanup();
  });

  it('sends an English receipt with both bodies, escaped donor text and a PDF carrying the receipt number', async () => {
    await settleGift(dataSource, outbox, {
      id: 'usd_1', organizationId: ORG, donorEmail: 'obrien@example.org', donorName: HOSTILE_NAME, amount: 123450n, currency: 'usd',
      coveredFees: 380n, publicMessage: LONG_MESSAGE,
    });
    const mail = await mailTo('obrien@example.org');
    const [receipt] = await dataSource.query(`SELECT receipt_number, message_id FROM receipts WHERE donation_id = 'usd_1'`);
    expect(receipt.receipt_number).toBe('R-2026-000001');
    expect(mail.envelope.to).toEqual(['obrien@example.org']);
    expect(mail.parsed.to).toMatchObject({ text: 'obrien@example.org' });
    expect(mail.parsed.from?.value).toEqual([{ address: 'receipts@ataa.test', name: 'Ataa Receipts' }]);
    expect(mail.parsed.subject).toBe('Your donation receipt R-2026-000001 from Helping Hands');
    expect(mail.parsed.messageId).toBe(receipt.message_id);
    const html = String(mail.parsed.html);
    const text = mail.parsed.text ?? '';
    expect(html).toContain('$1,234.50');
    expect(html).toContain('$3.80');
    expect(text).toContain('Amount: \u2068$1,234.50\u2069');
    expect(text).toContain('Of which you covered in fees: \u2068$3.80\u2069');
    // HTML in the donor's name and message is shown, never executed; the text body keeps it literally.
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<b>end</b>');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; O&#x27;Brien &amp; Sons');
    expect(text).toContain(HOSTILE_NAME);
    expect(text).toContain(LONG_MESSAGE);
    const pdf = pdfOf(mail);
    expect(pdf.filename).toBe('receipt-R-2026-000001.pdf');
    expect(pdf.content.subarray(0, 5).toString()).toBe('%PDF-');
    // A valid PDF (header, xref offsets, trailer, catalog, pages) whose page shows the number and amount.
    const shown = inspectPdf(pdf.content);
    expect(shown.pages).toBeGreaterThanOrEqual(1);
    expect(shown.texts.join(' ')).toContain('R-2026-000001');
    expect(shown.texts.join(' ')).toContain('$1,234.50');
  });

  it('formats zero- and three-decimal currencies, numbering on without gaps', async () => {
    await settleGift(dataSource, outbox, { id: 'jpy_1', organizationId: ORG, donorEmail: 'jpy@example.org', amount: 5000n, currency: 'jpy' });
    const jpy = await mailTo('jpy@example.org');
    await settleGift(dataSource, outbox, { id: 'kwd_1', organizationId: ORG, donorEmail: 'kwd@example.org', amount: 12340n, currency: 'kwd', coveredFees: 340n });
    const kwd = await mailTo('kwd@example.org');
    expect(jpy.parsed.text).toContain('Amount: \u2068¥5,000\u2069');
    expect(String(jpy.parsed.html)).toContain('¥5,000');
    expect(jpy.parsed.subject).toContain('R-2026-000002');
    expect(kwd.parsed.text).toMatch(/Amount: \u2068KWD\s12\.340\u2069/);
    expect(kwd.parsed.text).toMatch(/covered in fees: \u2068KWD\s0\.340\u2069/);
    expect(String(kwd.parsed.html)).toMatch(/KWD\s12\.340/);
    expect(kwd.parsed.subject).toContain('R-2026-000003');
  });

  it('sends Arabic receipts right to left, names and mixed-script messages intact, with verification data', async () => {
    const leafHash = 'a1'.repeat(32);
    await settleGift(dataSource, outbox, {
      id: 'ar_1', organizationId: ORG, donorEmail: 'layla@example.org', donorName: ARABIC_NAME, amount: 2500n, currency: 'eur', language: 'ar',
      campaignTitle: 'مياه نظيفة لغزة', publicMessage: ARABIC_MESSAGE, anonymous: true,
      verification: { leafIndex: 12, leafHash, commitmentSalt: 'c0'.repeat(16), checkpoint: 'ataa.local/campaign/x\n13\nroot=\n\n— ataa.local sig=' },
    });
    const mail = await mailTo('layla@example.org');
    const html = String(mail.parsed.html);
    expect(mail.parsed.subject).toBe('إيصال تبرعك R-2026-000004 من Helping Hands');
    expect(html).toContain('<html lang="ar" dir="rtl">');
    expect(html).toContain('<body dir="rtl"');
    expect(html).toContain(`<bdi>${ARABIC_NAME}</bdi>`);
    expect(html).toContain(ARABIC_MESSAGE);
    expect(html).toContain('مياه نظيفة لغزة');
    expect(html).toContain('مجهول'); // anonymous
    expect(html).toContain(leafHash);
    expect(mail.parsed.text).toContain('رقم الإيصال: \u2068R-2026-000004\u2069');
    // 2500 minor units of EUR are 25.00 €
    expect(mail.parsed.text).toMatch(/المبلغ: \u2068\u200f?25\.00\s€\u2069/);
    expect(mail.parsed.text).toContain(`بصمة القيد: ${leafHash}`);
    expect(mail.parsed.text).toContain('ملح الالتزام');
    const arabicPdf = inspectPdf(pdfOf(mail).content);
    expect(arabicPdf.texts.join(' ')).toContain('R-2026-000004');
    // laid out right to left: the first line (the Arabic title) starts in the right half of the page
    const titleLine = arabicPdf.placed.filter((p) => p.page === 0 && p.y === arabicPdf.placed[0].y);
    expect(Math.min(...titleLine.map((p) => p.x))).toBeGreaterThan(595.28 / 2);
  });

  it('sends partial and full refund notices through the same pipeline, naming the original receipt', async () => {
    await refundGift(dataSource, outbox, { id: 're_1', giftId: 'usd_1', amount: 23450n });
    const partial = await mailTo('obrien@example.org', 2);
    expect(partial.parsed.subject).toBe('Refund of your donation to Helping Hands');
    expect(partial.parsed.text).toContain('Part of the amount was refunded.');
    expect(partial.parsed.text).toContain('Amount refunded: \u2068$234.50\u2069');
    expect(partial.parsed.text).toContain('Original receipt: \u2068R-2026-000001\u2069');
    await refundGift(dataSource, outbox, { id: 're_2', giftId: 'usd_1', amount: 100000n });
    const full = await mailTo('obrien@example.org', 3);
    expect(full.parsed.text).toContain('The full amount was refunded.');
    expect(full.parsed.text).toContain('Amount refunded: \u2068$1,000.00\u2069');
    expect(pdfOf(full).filename).toMatch(/^refund-notice-/);
    // Refund notices take no receipt number of their own.
    const [{ last_number }] = await dataSource.query(`SELECT last_number FROM receipt_counters WHERE organization_id = $1`, [ORG]);
    expect(last_number).toBe(4);
  });

  it('retries temporary SMTP rejections with backoff, and records permanent ones for the organization', async () => {
    sink.rejectTemporarily('busy@example.org', 2);
    sink.rejectPermanently('nobody@example.org');
    await settleGift(dataSource, outbox, { id: 'busy_1', organizationId: ORG, donorEmail: 'busy@example.org', amount: 1000n, currency: 'usd' });
    await settleGift(dataSource, outbox, { id: 'nobody_1', organizationId: ORG, donorEmail: 'nobody@example.org', amount: 1000n, currency: 'usd' });
    const busy = await mailTo('busy@example.org');
    // The sink has the message once the SMTP server took it; the worker records the send just after.
    let busyRow: { status: string; attempts: number } | undefined;
    for (let i = 0; i < 100 && busyRow?.status !== 'sent'; i++) {
      [busyRow] = await dataSource.query(`SELECT status, attempts FROM receipts WHERE donation_id = 'busy_1'`);
      if (busyRow?.status !== 'sent') await new Promise((r) => setTimeout(r, 100));
    }
    expect(busyRow).toEqual({ status: 'sent', attempts: 3 });
    expect(busy.parsed.headers.get('x-ataa-receipt-number')).toMatch(/^R-2026-00000[56]$/);
    let failed: { status: string; attempts: number; last_error: string }[] = [];
    for (let i = 0; i < 100 && failed[0]?.status !== 'failed'; i++) {
      failed = await dataSource.query(`SELECT status, attempts, last_error FROM receipts WHERE donation_id = 'nobody_1'`);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(failed[0]).toMatchObject({ status: 'failed', attempts: 1 });
    expect(failed[0].last_error).toMatch(/^550 /);
    expect(sink.messages.filter((m) => m.envelope.to.includes('nobody@example.org'))).toHaveLength(0);
  });
});
