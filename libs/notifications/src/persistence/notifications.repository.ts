import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { SqlWrite } from '@ataa/database';

export type OutboxKind = 'donation_receipt' | 'refund_notice' | 'payout_notice' | 'receipt_copy' | 'invitation' | 'data_export' | 'erasure_link' | 'email_verification' | 'password_reset' | 'donor_sign_in' | 'offline_receipt' | 'recurring_notice' | 'campaign_update' | 'campaign_update_batch' | 'scheduled_notice';

/** An outbox row to insert. */
export interface NewOutboxRow { kind: OutboxKind; aggregateId: string; payload: Record<string, unknown>; dedupeKey: string | null }

export type OutboxStatus = 'pending' | 'sent' | 'failed' | 'skipped';

export interface OutboxRow {
  id: string;
  kind: OutboxKind;
  aggregateId: string;
  payload: Record<string, unknown>;
  createdAt: Date;
  relayedAt: Date | null;
  status: OutboxStatus;
  lastError: string | null;
}

export interface ReceiptRow {
  id: string;
  outboxId: string;
  kind: 'donation_receipt' | 'refund_notice' | 'receipt_copy';
  organizationId: string;
  donationId: string;
  aggregateId: string;
  year: number;
  sequence: number | null;
  receiptNumber: string | null;
  copyOf: string | null;
  /** NULL once the message was delivered and RETENTION_MAIL_BODY_DAYS passed (never while it is pending), or once the donor's data was erased (the receipt keeps its number, not the address). */
  recipient: string | null;
  locale: string;
  messageId: string;
  status: 'pending' | 'sent' | 'failed';
  attempts: number;
  lastError: string | null;
  sentAt: Date | null;
  failedAt: Date | null;
  createdAt: Date;
}

const OUTBOX_COLUMNS = `id, kind, aggregate_id AS "aggregateId", payload, created_at AS "createdAt", relayed_at AS "relayedAt", status, last_error AS "lastError"`;
const RECEIPT_COLUMNS = `id, outbox_id AS "outboxId", kind, organization_id AS "organizationId", donation_id AS "donationId",
  aggregate_id AS "aggregateId", year, sequence, receipt_number AS "receiptNumber", copy_of AS "copyOf", recipient, locale,
  message_id AS "messageId", status, attempts, last_error AS "lastError", sent_at AS "sentAt", failed_at AS "failedAt", created_at AS "createdAt"`;

/** The only code that touches the outbox and receipt tables (plain SQL: small, hot statements). */
@Injectable()
export class NotificationsRepository {
  constructor(readonly dataSource: DataSource) {}

  /** Inserts an outbox row in the caller's transaction; with a dedupe key, a second insert returns the first row's id. */
  async insertOutbox(manager: EntityManager, row: { kind: OutboxKind; aggregateId: string; payload: Record<string, unknown>; dedupeKey: string | null }): Promise<{ id: string; created: boolean }> {
    const inserted: { id: string }[] = await manager.query(
      `INSERT INTO outbox (kind, aggregate_id, payload, dedupe_key) VALUES ($1, $2, $3::jsonb, $4)
       ON CONFLICT (dedupe_key) DO NOTHING RETURNING id`,
      [row.kind, row.aggregateId, JSON.stringify(row.payload), row.dedupeKey],
    );
    if (inserted.length === 1) return { id: inserted[0].id, created: true };
    const [existing] = await manager.query(`SELECT id FROM outbox WHERE dedupe_key = $1`, [row.dedupeKey]);
    return { id: existing.id, created: false };
  }

  /** Inserts several outbox rows in one statement (caller's transaction); rows whose dedupe key exists already are skipped. */
  async insertOutboxMany(manager: EntityManager, rows: readonly NewOutboxRow[]): Promise<number> {
    if (rows.length === 0) return 0;
    const write = this.outboxWrite(rows);
    const inserted: unknown[] = await manager.query(`${write.text} RETURNING id`, [...write.values]);
    return inserted.length;
  }

  /** The same insert as a statement another writer runs with its own (`SqlWrite`). */
  outboxWrite(rows: readonly NewOutboxRow[]): SqlWrite {
    return {
      text: `INSERT INTO outbox (kind, aggregate_id, payload, dedupe_key)
       SELECT k, a, p, d FROM unnest($1::text[], $2::text[], $3::jsonb[], $4::text[]) WITH ORDINALITY AS t(k, a, p, d, n) ORDER BY n
       ON CONFLICT (dedupe_key) DO NOTHING`,
      values: [rows.map((r) => r.kind), rows.map((r) => r.aggregateId), rows.map((r) => JSON.stringify(r.payload)), rows.map((r) => r.dedupeKey)],
    };
  }

  /** Locks up to `limit` unrelayed rows; rows locked by another relay are skipped, not waited for. */
  async lockUnrelayed(manager: EntityManager, limit: number): Promise<string[]> {
    const rows: { id: string }[] = await manager.query(
      `SELECT id FROM outbox WHERE relayed_at IS NULL ORDER BY created_at LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [limit],
    );
    return rows.map((r) => r.id);
  }

  /** Unfinished rows relayed longer ago than `staleSeconds` (their job may have been lost with Redis). */
  async lockStale(manager: EntityManager, staleSeconds: number, limit: number): Promise<string[]> {
    const rows: { id: string }[] = await manager.query(
      `SELECT id FROM outbox WHERE finished_at IS NULL AND relayed_at < now() - make_interval(secs => $1)
       ORDER BY relayed_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [staleSeconds, limit],
    );
    return rows.map((r) => r.id);
  }

  async markRelayed(manager: EntityManager, ids: string[]): Promise<void> {
    await manager.query(`UPDATE outbox SET relayed_at = now(), relay_count = relay_count + 1 WHERE id = ANY($1::uuid[])`, [ids]);
  }

  async findOutbox(id: string, manager: EntityManager = this.dataSource.manager, lock = false): Promise<OutboxRow | null> {
    const rows: OutboxRow[] = await manager.query(`SELECT ${OUTBOX_COLUMNS} FROM outbox WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
    return rows[0] ?? null;
  }

  async finishOutbox(manager: EntityManager, id: string, status: Exclude<OutboxStatus, 'pending'>, error: string | null = null): Promise<void> {
    await manager.query(`UPDATE outbox SET status = $2, finished_at = now(), last_error = $3 WHERE id = $1 AND status = 'pending'`, [id, status, error]);
  }

  async backlog(): Promise<{ unrelayed: number; unfinished: number; oldestUnrelayedSeconds: number }> {
    const [row] = await this.dataSource.query(
      `SELECT (SELECT count(*) FROM outbox WHERE relayed_at IS NULL)::int AS unrelayed,
              (SELECT count(*) FROM outbox WHERE finished_at IS NULL)::int AS unfinished,
              COALESCE((SELECT extract(epoch FROM now() - min(created_at)) FROM outbox WHERE relayed_at IS NULL), 0)::float8 AS oldest`,
    );
    return { unrelayed: row.unrelayed, unfinished: row.unfinished, oldestUnrelayedSeconds: row.oldest };
  }

  async findReceiptByOutbox(manager: EntityManager, outboxId: string): Promise<ReceiptRow | null> {
    const rows: ReceiptRow[] = await manager.query(`SELECT ${RECEIPT_COLUMNS} FROM receipts WHERE outbox_id = $1`, [outboxId]);
    return rows[0] ?? null;
  }

  async findReceipt(id: string, manager: EntityManager = this.dataSource.manager): Promise<ReceiptRow | null> {
    const rows: ReceiptRow[] = await manager.query(`SELECT ${RECEIPT_COLUMNS} FROM receipts WHERE id = $1`, [id]);
    return rows[0] ?? null;
  }

  async findOriginalReceipt(donationId: string, manager: EntityManager = this.dataSource.manager): Promise<ReceiptRow | null> {
    const rows: ReceiptRow[] = await manager.query(`SELECT ${RECEIPT_COLUMNS} FROM receipts WHERE donation_id = $1 AND kind = 'donation_receipt'`, [donationId]);
    return rows[0] ?? null;
  }

  async listReceipts(filter: { organizationId: string; donationId?: string; status?: string; limit: number; before?: { createdAt: Date; id: string } }): Promise<ReceiptRow[]> {
    const params: unknown[] = [filter.organizationId];
    let where = 'organization_id = $1';
    if (filter.donationId) {
      params.push(filter.donationId);
      where += ` AND donation_id = $${params.length}`;
    }
    if (filter.status) {
      params.push(filter.status);
      where += ` AND status = $${params.length}`;
    }
    if (filter.before) {
      params.push(filter.before.createdAt, filter.before.id);
      where += ` AND (created_at, id) < ($${params.length - 1}, $${params.length})`;
    }
    params.push(filter.limit);
    return this.dataSource.query(`SELECT ${RECEIPT_COLUMNS} FROM receipts WHERE ${where} ORDER BY created_at DESC, id DESC LIMIT $${params.length}`, params);
  }

  /** Donor messages (receipt, refund notices, copies) queued for these aggregates and not rendered into a receipt yet. */
  async queuedDonorMessages(aggregateIds: readonly string[]): Promise<OutboxRow[]> {
    if (aggregateIds.length === 0) return [];
    return this.dataSource.query(
      `SELECT ${OUTBOX_COLUMNS} FROM outbox o
        WHERE o.aggregate_id = ANY($1::text[]) AND o.kind IN ('donation_receipt', 'refund_notice', 'receipt_copy')
          AND NOT EXISTS (SELECT 1 FROM receipts r WHERE r.outbox_id = o.id)
        ORDER BY o.created_at, o.id`,
      [aggregateIds],
    );
  }

  /**
   * Takes the organization's next receipt number for the year. The upsert locks the counter row
   * until the caller's transaction ends, so concurrent receipts queue up and a rolled-back
   * transaction gives its number back: the sequence has no gaps.
   */
  async nextReceiptSequence(manager: EntityManager, organizationId: string, year: number): Promise<number> {
    const [row] = await manager.query(
      `INSERT INTO receipt_counters (organization_id, year, last_number) VALUES ($1, $2, 1)
       ON CONFLICT (organization_id, year) DO UPDATE SET last_number = receipt_counters.last_number + 1
       RETURNING last_number`,
      [organizationId, year],
    );
    return row.last_number;
  }

  async insertReceipt(manager: EntityManager, row: Omit<ReceiptRow, 'status' | 'attempts' | 'lastError' | 'sentAt' | 'failedAt' | 'createdAt'>): Promise<ReceiptRow> {
    const [created] = await manager.query(
      `INSERT INTO receipts (id, outbox_id, kind, organization_id, donation_id, aggregate_id, year, sequence, receipt_number, copy_of, recipient, locale, message_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING ${RECEIPT_COLUMNS}`,
      [row.id, row.outboxId, row.kind, row.organizationId, row.donationId, row.aggregateId, row.year, row.sequence, row.receiptNumber, row.copyOf, row.recipient, row.locale, row.messageId],
    );
    return created;
  }

  /** Claims the right to send for `leaseSeconds`; null when already sent, failed, or being sent by someone else. */
  async claimSend(receiptId: string, leaseSeconds: number): Promise<ReceiptRow | null> {
    // TypeORM answers an UPDATE ... RETURNING with [rows, affected].
    const [rows]: [ReceiptRow[], number] = await this.dataSource.query(
      `UPDATE receipts SET sending_until = now() + make_interval(secs => $2), attempts = attempts + 1
       WHERE id = $1 AND status = 'pending' AND (sending_until IS NULL OR sending_until < now())
       RETURNING ${RECEIPT_COLUMNS}`,
      [receiptId, leaseSeconds],
    );
    return rows[0] ?? null;
  }

  async markSent(manager: EntityManager, receiptId: string): Promise<void> {
    await manager.query(`UPDATE receipts SET status = 'sent', sent_at = now(), sending_until = NULL, last_error = NULL WHERE id = $1 AND status = 'pending'`, [receiptId]);
  }

  async markFailed(manager: EntityManager, receiptId: string, error: string): Promise<void> {
    await manager.query(`UPDATE receipts SET status = 'failed', failed_at = now(), sending_until = NULL, last_error = $2 WHERE id = $1 AND status = 'pending'`, [receiptId, error]);
  }

  async releaseSend(receiptId: string, error: string): Promise<void> {
    await this.dataSource.query(`UPDATE receipts SET sending_until = NULL, last_error = $2 WHERE id = $1 AND status = 'pending'`, [receiptId, error]);
  }
}
