// SMTP sending alone, the ceiling for the delivery run: the same receipts (same mix, same HTML, text
// and PDF, rendered beforehand and not timed) sent through the worker's SMTP adapter (SmtpMailer,
// pooled connections) at the worker's concurrency to the same sink, from a process of its own like
// the worker's. No database, no queue, no rendering while it runs. Reports receipts per second to
// the parent over IPC.
import path from 'node:path';
import { root } from './lib.js';
import { benchReceiptData } from './receipts-data.js';

const dist = (p) => path.join(root, 'dist', p);
const { ReceiptRenderer, ReceiptPdfRenderer, SmtpMailer, buildReceiptView } = await import(dist('libs/notifications/src/index.js'));
const { NOTIFICATIONS_CONCURRENCY } = await import(dist('apps/worker/src/notifications/notifications.processor.js'));

const count = Number(process.env.RECEIPTS ?? 400);
const warmup = Number(process.env.WARMUP ?? 40);
const from = process.env.MAIL_FROM ?? 'Ataa <receipts@ataa.local>';

const html = new ReceiptRenderer();
const pdf = new ReceiptPdfRenderer();
const mails = [];
for (let n = 0; n < warmup + count; n++) {
  const number = `R-2026-${String(n + 1).padStart(6, '0')}`;
  const view = buildReceiptView('donation_receipt', benchReceiptData(`bench-${n}`), number);
  const message = html.render(view);
  const attachments = [{ filename: `receipt-${number}.pdf`, content: await pdf.render(view), contentType: 'application/pdf' }];
  if (view.verification?.proof) attachments.push({ filename: view.verification.proof.fileName, content: Buffer.from(view.verification.proof.json, 'utf8'), contentType: 'application/json' });
  mails.push({
    from, to: `donor-${n}@bench.example.org`, subject: message.subject, html: message.html, text: message.text,
    messageId: `<smtp-only-${n}@ataa.local>`, headers: { 'X-Ataa-Receipt-Number': number }, attachments,
  });
}

const mailer = new SmtpMailer(process.env.SMTP_URL);
const sendAll = async (batch) => {
  let next = 0;
  await Promise.all(Array.from({ length: NOTIFICATIONS_CONCURRENCY }, async () => {
    while (next < batch.length) await mailer.send(batch[next++]);
  }));
};
await sendAll(mails.slice(0, warmup));
const start = process.hrtime.bigint();
await sendAll(mails.slice(warmup));
const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
mailer.close();
process.send({ rate: count / elapsed, elapsed });
process.disconnect();
