import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { SqlWrite } from '@ataa/database';
import { NotificationsRepository, OutboxKind } from '../persistence/notifications.repository.js';

export interface OutboxMessage {
  kind: OutboxKind;
  /** donation id (donation_receipt, receipt_copy), refund id (refund_notice), payout id (payout_notice), invitation id (invitation). */
  aggregateId: string;
  payload?: Record<string, unknown>;
  /**
   * Messages with the same key are written once. Defaults to `<kind>:<aggregateId>` so settling
   * the same donation (or refund) twice never sends two receipts; copies default to no key.
   */
  dedupeKey?: string | null;
}

/** Writes outbox rows inside the caller's transaction (the one that settles the donation or refund). */
@Injectable()
export class OutboxService {
  constructor(private readonly repository: NotificationsRepository) {}

  async enqueue(manager: EntityManager, message: OutboxMessage): Promise<{ id: string; created: boolean }> {
    if (!manager.queryRunner?.isTransactionActive) {
      // Without the caller's transaction the row could exist without the donation, or the reverse.
      throw new Error('OutboxService.enqueue must run inside the transaction that records the change');
    }
    return this.repository.insertOutbox(manager, toRow(message));
  }

  /** Several messages in one statement (a settlement batch's receipts and notices); duplicates by dedupe key are skipped. */
  async enqueueMany(manager: EntityManager, messages: readonly OutboxMessage[]): Promise<number> {
    if (messages.length === 0) return 0;
    if (!manager.queryRunner?.isTransactionActive) throw new Error('OutboxService.enqueueMany must run inside the transaction that records the change');
    return this.repository.insertOutboxMany(manager, messages.map(toRow));
  }

  /** The same rows as a write for another writer's statement (`LedgerWriter.recordWith`); null when there is none. */
  write(messages: readonly OutboxMessage[]): SqlWrite | null {
    return messages.length === 0 ? null : this.repository.outboxWrite(messages.map(toRow));
  }
}

function toRow(message: OutboxMessage) {
  const dedupeKey = message.dedupeKey !== undefined ? message.dedupeKey : message.kind === 'receipt_copy' ? null : `${message.kind}:${message.aggregateId}`;
  return { kind: message.kind, aggregateId: message.aggregateId, payload: message.payload ?? {}, dedupeKey };
}
