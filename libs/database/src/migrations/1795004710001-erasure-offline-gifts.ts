import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Erasure covers offline gifts (issue 21 leftovers): a request fixes, beside its card gifts, the
 * offline gifts recorded with the donor's address (`offline_gift_ids`), whose name, e-mail and
 * message the erasure empties (offline_gifts' trigger allows only that change besides the void).
 */
export class ErasureOfflineGifts1795004710001 implements MigrationInterface {
  name = 'ErasureOfflineGifts1795004710001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE erasure_requests ADD COLUMN offline_gift_ids uuid[]`);
    await q.query(`CREATE INDEX offline_gifts_donor_email_idx ON offline_gifts (lower(donor_email)) WHERE donor_email IS NOT NULL`);
    await q.query(`CREATE INDEX campaign_update_deliveries_donation_idx ON campaign_update_deliveries (donation_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX campaign_update_deliveries_donation_idx`);
    await q.query(`DROP INDEX offline_gifts_donor_email_idx`);
    await q.query(`ALTER TABLE erasure_requests DROP COLUMN offline_gift_ids`);
  }
}
