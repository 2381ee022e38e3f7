import { Injectable } from '@nestjs/common';
import { ConflictError, DomainError, NotFoundError } from '@ataa/common';
import { TransactionRunner } from '@ataa/database';
import { OutboxService } from '../outbox/outbox.service.js';
import { NotificationsRepository, ReceiptRow } from '../persistence/notifications.repository.js';

export interface ReceiptSummary {
  id: string;
  kind: ReceiptRow['kind'];
  donationId: string;
  receiptNumber: string | null;
  copyOf: string | null;
  status: ReceiptRow['status'];
  attempts: number;
  lastError: string | null;
  sentAt: string | null;
  failedAt: string | null;
  createdAt: string;
}

function summarize(row: ReceiptRow): ReceiptSummary {
  return {
    id: row.id,
    kind: row.kind,
    donationId: row.donationId,
    receiptNumber: row.receiptNumber,
    copyOf: row.copyOf,
    status: row.status,
    attempts: row.attempts,
    // Only the SMTP server's reply is stored: it tells the organization why (e.g. "550 no such user").
    lastError: row.lastError,
    sentAt: row.sentAt?.toISOString() ?? null,
    failedAt: row.failedAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}

/** A donor message still in the outbox (not rendered into a receipt yet): `skipped`/`failed` say why it never will be. */
export interface QueuedDonorMessage {
  outboxId: string;
  kind: string;
  status: string;
  lastError: string | null;
  createdAt: string;
}

/** What organizations see and do with their receipts: list (failures included) and re-send a copy. */
@Injectable()
export class ReceiptsService {
  constructor(
    private readonly repository: NotificationsRepository,
    private readonly outbox: OutboxService,
    private readonly transactions: TransactionRunner,
  ) {}

  /**
   * Queues a copy of the donation's receipt (same number, marked as a copy). 404 when the donation
   * has no receipt in this organization (another organization's donation looks the same).
   */
  async resend(organizationId: string, donationId: string, actor: string): Promise<{ outboxId: string; receiptNumber: string }> {
    const original = await this.repository.findOriginalReceipt(donationId);
    if (!original || original.organizationId !== organizationId) throw new NotFoundError('Receipt', 'receipt_not_found');
    // An erased gift's receipt keeps its number but not the address: a copy would go nowhere, and
    // re-rendering it must not bring back the name. Refused, with a code that says why.
    if (original.recipient === null) throw new DomainError('donor_data_erased', "The donor's personal data was erased at their request; no copy of this receipt can be sent", 410);
    if (original.status === 'pending') throw new ConflictError('receipt_not_sent_yet', 'The receipt is still being sent; try again shortly');
    const { id } = await this.transactions.run((m) =>
      this.outbox.enqueue(m, { kind: 'receipt_copy', aggregateId: donationId, payload: { originalReceiptId: original.id, requestedBy: actor } }),
    );
    return { outboxId: id, receiptNumber: original.receiptNumber as string };
  }

  /**
   * The delivery state of everything sent to a gift's donor: its receipts and notices (newest first)
   * and the messages still queued in the outbox. `refundIds`: the gift's refunds (a refund notice is
   * queued under the refund); the caller has checked that the gift is the organization's.
   */
  async forDonation(organizationId: string, donationId: string, refundIds: readonly string[] = []): Promise<{ receipts: ReceiptSummary[]; queued: QueuedDonorMessage[] }> {
    const [rows, queued] = await Promise.all([
      this.repository.listReceipts({ organizationId, donationId, limit: 50 }),
      this.repository.queuedDonorMessages([donationId, ...refundIds]),
    ]);
    return {
      receipts: rows.map(summarize),
      queued: queued.map((q) => ({ outboxId: q.id, kind: q.kind, status: q.status, lastError: q.lastError, createdAt: q.createdAt.toISOString() })),
    };
  }

  async list(organizationId: string, filter: { donationId?: string; status?: 'pending' | 'sent' | 'failed'; limit?: number } = {}): Promise<ReceiptSummary[]> {
    const rows = await this.repository.listReceipts({ organizationId, donationId: filter.donationId, status: filter.status, limit: Math.min(filter.limit ?? 50, 200) });
    return rows.map(summarize);
  }
}
