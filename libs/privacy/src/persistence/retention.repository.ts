import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

/**
 * The retention job's statements. Each touches at most `limit` rows, chosen oldest first and
 * locked with SKIP LOCKED (a row some other transaction holds waits for the next run), so a batch
 * is one short transaction with small locks. Each is idempotent: what it removed no longer matches.
 */
@Injectable()
export class RetentionRepository {
  /**
   * Checkout sessions never completed: donations still pending, failed or expired, created before
   * the cutoff, that nothing refers to: no public-ledger entry, no journal entry (keyed by their
   * Stripe ids), no refund, dispute, payout or close-out row, no receipt, and no Stripe event still
   * waiting (or dead-lettered) for one of their Stripe objects. They are deleted.
   */
  async deleteAbandonedCheckouts(manager: EntityManager, cutoff: Date, limit: number): Promise<number> {
    const [, count]: [unknown, number] = await manager.query(
      `WITH doomed AS (
         SELECT d.id FROM donations d
         WHERE d.status IN ('pending', 'failed', 'expired') AND d.created_at < $1
           AND d.public_leaf_index IS NULL AND d.settled_at IS NULL
           AND NOT EXISTS (SELECT 1 FROM donation_refunds r WHERE r.donation_id = d.id)
           AND NOT EXISTS (SELECT 1 FROM donation_disputes x WHERE x.donation_id = d.id)
           AND NOT EXISTS (SELECT 1 FROM payout_gift_availability a WHERE a.donation_id = d.id)
           AND NOT EXISTS (SELECT 1 FROM campaign_closeout_items i WHERE i.donation_id = d.id)
           AND NOT EXISTS (SELECT 1 FROM receipts rc WHERE rc.donation_id = d.id::text)
           AND NOT EXISTS (SELECT 1 FROM journal_entries j WHERE j.source_id IN (d.stripe_charge_id, d.stripe_payment_intent_id, d.stripe_checkout_session_id))
           AND NOT EXISTS (SELECT 1 FROM stripe_events e WHERE e.processed_at IS NULL AND e.object_id IN (d.stripe_checkout_session_id, d.stripe_payment_intent_id, d.stripe_charge_id))
         ORDER BY d.created_at LIMIT $2 FOR UPDATE OF d SKIP LOCKED)
       DELETE FROM donations WHERE id IN (SELECT id FROM doomed)`,
      [cutoff, limit],
    );
    return count;
  }

  /** Payloads of Stripe events processed before the cutoff: nulled (id, type and times stay; unprocessed and dead-lettered events keep theirs). */
  async nullProcessedWebhookPayloads(manager: EntityManager, cutoff: Date, limit: number): Promise<number> {
    const [, count]: [unknown, number] = await manager.query(
      // (id, received_at): the inbox is partitioned by month of received_at, so each row is found in its own month.
      `UPDATE stripe_events SET payload = NULL
       WHERE (id, received_at) IN (SELECT id, received_at FROM stripe_events WHERE payload IS NOT NULL AND processed_at IS NOT NULL AND processed_at < $1
                    ORDER BY processed_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
      [cutoff, limit],
    );
    return count;
  }

  /**
   * Delivered messages finished before the cutoff: the receipt's recipient address and error text,
   * and the outbox row's payload and error text (invitations keep theirs: their language is read
   * while the invitation is open). Messages are rendered when sent and never stored, so this is
   * all of a delivered message that was kept.
   */
  async scrubDeliveredMail(manager: EntityManager, cutoff: Date, limit: number): Promise<number> {
    const [, receipts]: [unknown, number] = await manager.query(
      `UPDATE receipts SET recipient = NULL, last_error = NULL
       WHERE id IN (SELECT id FROM receipts WHERE status = 'sent' AND recipient IS NOT NULL AND sent_at < $1
                    ORDER BY sent_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
      [cutoff, limit],
    );
    const [, outbox]: [unknown, number] = await manager.query(
      `UPDATE outbox SET payload = '{}'::jsonb, last_error = NULL
       WHERE id IN (SELECT id FROM outbox WHERE finished_at IS NOT NULL AND kind <> 'invitation' AND finished_at < $1
                      AND (payload <> '{}'::jsonb OR last_error IS NOT NULL)
                    ORDER BY finished_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
      [cutoff, limit],
    );
    return receipts + outbox;
  }

  /** Data-export requests whose link expired before the cutoff (they hold the address they were for). */
  /** Expired account links, sign-in challenges and operator sessions: one bounded batch per table. */
  async deleteExpiredSignInTokens(manager: EntityManager, cutoff: Date, limit: number): Promise<number> {
    let removed = 0;
    for (const table of ['account_tokens', 'sign_in_challenges', 'operator_sessions', 'donor_sign_in_links']) {
      const [, count]: [unknown, number] = await manager.query(
        `DELETE FROM ${table} WHERE id IN (SELECT id FROM ${table} WHERE expires_at < $1 ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED)`, [cutoff, limit],
      );
      removed += count;
    }
    return removed;
  }

  async deleteOldExportRequests(manager: EntityManager, cutoff: Date, limit: number): Promise<number> {
    const [, count]: [unknown, number] = await manager.query(
      `DELETE FROM data_export_requests
       WHERE id IN (SELECT id FROM data_export_requests WHERE expires_at < $1 ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
      [cutoff, limit],
    );
    return count;
  }
}
