import { Test, TestingModule } from '@nestjs/testing';
import { DataSource } from 'typeorm';
import { ConfigModule } from '@ataa/config';
import { DatabaseModule } from '@ataa/database';
import {
  MAILER, Mailer, NotificationsModule, NotificationsRepository, OutboxService, OutgoingMail, ReceiptDeliveryService, ReceiptsService,
  SmtpMailer, TransientDeliveryError,
} from '@ataa/notifications';
import { ObservabilityModule } from '@ataa/observability';
import { QueueModule } from '@ataa/queue';
import { createTestEnvironment, SmtpSink, startSmtpSink, TestEnvironment } from '@ataa/testing';
import { settleGift, TEST_TABLES_DDL, TestReceiptDataSourceModule } from './test-receipt-data-source.js';

const ORG_A = '0000000a-0000-4000-8000-000000000000';
const ORG_B = '0000000b-0000-4000-8000-000000000000';

/** The real SMTP adapter, with a switch that freezes the worker right after the server accepted a message. */
class CrashableMailer implements Mailer {
  freezeAfterNextSend = false;
  constructor(private readonly real: SmtpMailer) {}
  async send(mail: OutgoingMail) {
    const result = await this.real.send(mail);
    if (this.freezeAfterNextSend) {
      this.freezeAfterNextSend = false;
      return new Promise<never>(() => undefined); // the process "dies" here: nothing after the send runs
    }
    return result;
  }
  close() {
    this.real.close();
  }
}

describe('receipt delivery (real PostgreSQL, real SMTP server)', () => {
  let env: TestEnvironment;
  let sink: SmtpSink;
  let moduleRef: TestingModule;
  let mailer: CrashableMailer;
  let dataSource: DataSource;
  let outbox: OutboxService;
  let delivery: ReceiptDeliveryService;
  let receipts: ReceiptsService;
  let repository: NotificationsRepository;
  let seq = 0;

  const gift = async (over: Partial<Parameters<typeof settleGift>[2]> = {}) => {
    seq += 1;
    const id = `gift_${seq}`;
    const outboxId = await settleGift(dataSource, outbox, { id, organizationId: ORG_A, donorEmail: `donor${seq}@example.org`, amount: 2500n, currency: 'usd', ...over });
    return { id, outboxId, email: over.donorEmail ?? `donor${seq}@example.org` };
  };
  const mailsTo = (email: string) => sink.messages.filter((m) => m.envelope.to.includes(email));

  beforeAll(async () => {
    env = await createTestEnvironment();
    sink = await startSmtpSink();
    const config = env.configWith({ SMTP_URL: sink.url });
    mailer = new CrashableMailer(new SmtpMailer(sink.url));
    moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(config), ObservabilityModule, DatabaseModule, QueueModule, NotificationsModule, TestReceiptDataSourceModule],
    }).overrideProvider(MAILER).useValue(mailer).compile();
    await moduleRef.init();
    dataSource = moduleRef.get(DataSource);
    await dataSource.query(TEST_TABLES_DDL);
    outbox = moduleRef.get(OutboxService);
    delivery = moduleRef.get(ReceiptDeliveryService);
    receipts = moduleRef.get(ReceiptsService);
    repository = moduleRef.get(NotificationsRepository);
  });
  afterAll(async () => {
    mailer?.close();
    await moduleRef?.close();
    await sink?.close();
    await env?.cleanup();
  });

  it('numbers receipts per organization and year without gaps, also when deliveries race and a transaction rolls back', async () => {
    const a = await Promise.all(Array.from({ length: 8 }, () => gift({ organizationId: ORG_A })));
    const b = await Promise.all(Array.from({ length: 4 }, () => gift({ organizationId: ORG_B })));
    const nextYear = await gift({ organizationId: ORG_A, occurredAt: new Date('2027-01-02T00:00:00Z') });
    // A transaction that takes a number and then fails gives it back.
    await expect(dataSource.transaction(async (m) => {
      await repository.nextReceiptSequence(m, ORG_A, 2026);
      throw new Error('settlement failed after taking a number');
    })).rejects.toThrow('settlement failed');
    const outcomes = await Promise.all([...a, ...b, nextYear].map((g) => delivery.deliver(g.outboxId)));
    expect(outcomes.every((o) => o === 'sent')).toBe(true);

    const rows: { organization_id: string; year: number; sequence: number; receipt_number: string }[] = await dataSource.query(
      `SELECT organization_id, year, sequence, receipt_number FROM receipts WHERE kind = 'donation_receipt' ORDER BY organization_id, year, sequence`);
    const of = (org: string, year: number) => rows.filter((r) => r.organization_id === org && r.year === year).map((r) => r.sequence);
    expect(of(ORG_A, 2026)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(of(ORG_B, 2026)).toEqual([1, 2, 3, 4]);
    expect(of(ORG_A, 2027)).toEqual([1]);
    expect(rows.find((r) => r.organization_id === ORG_A && r.year === 2027)?.receipt_number).toBe('R-2027-000001');
    // Each donor got exactly one mail, carrying their receipt's number.
    for (const g of [...a, ...b]) expect(mailsTo(g.email)).toHaveLength(1);
  });

  it('writes one outbox row per gift however often settlement runs, and only inside a transaction', async () => {
    const g = await gift();
    const again = await dataSource.transaction((m) => outbox.enqueue(m, { kind: 'donation_receipt', aggregateId: g.id }));
    expect(again).toEqual({ id: g.outboxId, created: false });
    await expect(outbox.enqueue(dataSource.manager, { kind: 'donation_receipt', aggregateId: 'x' })).rejects.toThrow(/inside the transaction/);
    expect(await delivery.deliver(g.outboxId)).toBe('sent');
    expect(await delivery.deliver(g.outboxId)).toBe('already_done');
    expect(mailsTo(g.email)).toHaveLength(1);
  });

  it('after a crash between sending and recording, re-sends the same receipt with the same Message-ID, then never again', async () => {
    const g = await gift();
    mailer.freezeAfterNextSend = true;
    void delivery.deliver(g.outboxId); // this worker dies after the SMTP server accepted the mail
    await sink.waitForMessages(sink.messages.length + 1);
    const [frozen] = await dataSource.query(`SELECT status, sent_at, receipt_number FROM receipts WHERE donation_id = $1`, [g.id]);
    expect(frozen.status).toBe('pending');
    expect(frozen.sent_at).toBeNull();
    // Another worker cannot send while the dead one's lease runs...
    await expect(delivery.deliver(g.outboxId)).rejects.toThrow(TransientDeliveryError);
    // ...and takes over once it has expired (here: expired by hand instead of waiting two minutes).
    await dataSource.query(`UPDATE receipts SET sending_until = now() - interval '1 second' WHERE donation_id = $1`, [g.id]);
    expect(await delivery.deliver(g.outboxId)).toBe('sent');
    expect(await delivery.deliver(g.outboxId)).toBe('already_done');

    const mails = mailsTo(g.email);
    expect(mails).toHaveLength(2);
    expect(mails[0].parsed.messageId).toBe(mails[1].parsed.messageId);
    expect(mails[0].parsed.headers.get('x-ataa-receipt-number')).toBe(frozen.receipt_number);
    expect(mails[1].parsed.headers.get('x-ataa-receipt-number')).toBe(frozen.receipt_number);
    const rows = await dataSource.query(`SELECT count(*)::int AS n FROM receipts WHERE donation_id = $1`, [g.id]);
    expect(rows[0].n).toBe(1);
  });

  it('when the link dies after the server took the message, the retry carries the same receipt number and Message-ID', async () => {
    const g = await gift();
    sink.dropReplyAfterData(g.email);
    // The server kept the mail, but the worker never heard "250": to it, the send failed.
    await expect(delivery.deliver(g.outboxId)).rejects.toThrow(TransientDeliveryError);
    expect(mailsTo(g.email)).toHaveLength(1);
    const [pending] = await dataSource.query(`SELECT status, sent_at, receipt_number, attempts FROM receipts WHERE donation_id = $1`, [g.id]);
    expect(pending).toMatchObject({ status: 'pending', sent_at: null, attempts: 1 });
    expect(await delivery.deliver(g.outboxId)).toBe('sent');
    expect(await delivery.deliver(g.outboxId)).toBe('already_done');
    const [first, second] = mailsTo(g.email);
    expect(mailsTo(g.email)).toHaveLength(2);
    expect(second.parsed.messageId).toBe(first.parsed.messageId);
    expect(second.parsed.headers.get('x-ataa-receipt-number')).toBe(pending.receipt_number);
    expect(first.parsed.headers.get('x-ataa-receipt-number')).toBe(pending.receipt_number);
    const [{ n }] = await dataSource.query(`SELECT count(*)::int AS n FROM receipts WHERE donation_id = $1`, [g.id]);
    expect(n).toBe(1);
  });

  it('retries a temporary SMTP rejection with the same receipt, and records a permanent one without retrying', async () => {
    const busy = await gift();
    sink.rejectTemporarily(busy.email, 1);
    await expect(delivery.deliver(busy.outboxId)).rejects.toThrow(/451/);
    const [pending] = await dataSource.query(`SELECT status, attempts, last_error, receipt_number FROM receipts WHERE donation_id = $1`, [busy.id]);
    expect(pending).toMatchObject({ status: 'pending', attempts: 1 });
    expect(pending.last_error).toMatch(/451/);
    expect(await delivery.deliver(busy.outboxId)).toBe('sent');
    expect(mailsTo(busy.email)).toHaveLength(1);
    expect(mailsTo(busy.email)[0].parsed.headers.get('x-ataa-receipt-number')).toBe(pending.receipt_number);

    const unknown = await gift();
    sink.rejectPermanently(unknown.email);
    expect(await delivery.deliver(unknown.outboxId)).toBe('failed');
    expect(await delivery.deliver(unknown.outboxId)).toBe('already_done');
    expect(mailsTo(unknown.email)).toHaveLength(0);
    const [outboxRow] = await dataSource.query(`SELECT status, last_error FROM outbox WHERE id = $1`, [unknown.outboxId]);
    expect(outboxRow.status).toBe('failed');
    // The organization sees the failure and why.
    const failed = await receipts.list(ORG_A, { status: 'failed' });
    expect(failed.map((r) => r.donationId)).toContain(unknown.id);
    expect(failed.find((r) => r.donationId === unknown.id)?.lastError).toMatch(/550/);

    const lastTry = await gift();
    sink.rejectTemporarily(lastTry.email);
    expect(await delivery.deliver(lastTry.outboxId, { finalAttempt: true })).toBe('failed');
    sink.clearRejections();
  });

  it('re-sends a copy with the same receipt number, only to the organization that owns the gift', async () => {
    const g = await gift({ organizationId: ORG_B });
    // Not issued yet: nothing to copy.
    await expect(receipts.resend(ORG_B, g.id, 'user:1')).rejects.toMatchObject({ status: 404, code: 'receipt_not_found' });
    expect(await delivery.deliver(g.outboxId)).toBe('sent');
    await expect(receipts.resend(ORG_A, g.id, 'user:1')).rejects.toMatchObject({ status: 404, code: 'receipt_not_found' });
    await expect(receipts.resend(ORG_B, 'no-such-gift', 'user:1')).rejects.toMatchObject({ status: 404 });
    const { outboxId, receiptNumber } = await receipts.resend(ORG_B, g.id, 'user:1');
    expect(await delivery.deliver(outboxId)).toBe('sent');
    const [original, copy] = mailsTo(g.email);
    expect(copy.parsed.headers.get('x-ataa-receipt-number')).toBe(receiptNumber);
    expect(original.parsed.headers.get('x-ataa-receipt-number')).toBe(receiptNumber);
    expect(copy.parsed.headers.get('x-ataa-copy')).toBe('yes');
    expect(copy.parsed.subject).toBe(`Copy of your donation receipt ${receiptNumber} from Helping Hands`);
    expect(copy.parsed.messageId).not.toBe(original.parsed.messageId);
    const listed = await receipts.list(ORG_B, { donationId: g.id });
    expect(listed.map((r) => r.kind).sort()).toEqual(['donation_receipt', 'receipt_copy']);
    // The counter did not move for the copy.
    const [{ last_number }] = await dataSource.query(`SELECT last_number FROM receipt_counters WHERE organization_id = $1 AND year = 2026`, [ORG_B]);
    expect(Number(receiptNumber.slice(-6))).toBe(last_number);
  });
});
