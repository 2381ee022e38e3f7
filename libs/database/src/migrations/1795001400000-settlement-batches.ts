import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Batched settlement (issue 16):
 * - `stripe_events_batch_idx`: the batch claim takes fresh events (never attempted) oldest first,
 *   `FOR UPDATE SKIP LOCKED`; events handed to the per-event path (last_attempt_at set) leave it.
 * - `donations_awaiting_charge_idx`: gifts whose session or payment intent says paid while their
 *   charge event has not come yet; the worker's sweep reads those still waiting after a while from
 *   Stripe (normally the charge event settles them first, with no read).
 */
export class SettlementBatches1795001400000 implements MigrationInterface {
  name = 'SettlementBatches1795001400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX stripe_events_batch_idx ON stripe_events (received_at, id) WHERE processed_at IS NULL AND dead_lettered_at IS NULL AND last_attempt_at IS NULL`);
    await q.query(`CREATE INDEX donations_awaiting_charge_idx ON donations (updated_at) WHERE status = 'pending' AND payment_status = 'paid'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX donations_awaiting_charge_idx`);
    await q.query(`DROP INDEX stripe_events_batch_idx`);
  }
}
