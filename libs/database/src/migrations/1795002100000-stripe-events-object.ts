import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The dashboard's gift page (issue 19) shows the Stripe events about a gift, found by the objects
 * they carry (its session, payment intent, charge, refunds, disputes). The only index on
 * `object_id` covered unprocessed events; this one covers them all, so the page reads a few rows
 * instead of scanning the inbox.
 */
export class StripeEventsObject1795002100000 implements MigrationInterface {
  name = 'StripeEventsObject1795002100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX stripe_events_object_idx ON stripe_events (object_id) WHERE object_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX stripe_events_object_idx`);
  }
}
