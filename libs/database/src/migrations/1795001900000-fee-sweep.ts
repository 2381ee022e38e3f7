import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The fee sweep (issue 16): gifts settled from their events have their Stripe fee pending
 * (`processing_fee IS NULL`) until the worker lists balance transactions in bulk and posts it.
 * `donations_fee_pending_idx` finds them (and how long they have waited) without scanning gifts.
 */
export class FeeSweep1795001900000 implements MigrationInterface {
  name = 'FeeSweep1795001900000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX donations_fee_pending_idx ON donations (settled_at) INCLUDE (updated_at) WHERE processing_fee IS NULL AND stripe_charge_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX donations_fee_pending_idx`);
  }
}
