import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A closed campaign's recurring gifts may move to the organization's general fund (issue 20, item 1):
 * - `recurring_settings`: per organization, the campaign its live series move to when their campaign
 *   closes (null or no row: they are cancelled, as before). Owned by libs/donations.
 * - `recurring_gifts.moved_from_campaign_id`, `moved_at`: where a moved series came from and when;
 *   its `campaign_id` is the general fund from then on (future gifts post there, past ones stay).
 */
export class RecurringGeneralFund1795004600001 implements MigrationInterface {
  name = 'RecurringGeneralFund1795004600001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE recurring_settings (
        organization_id uuid PRIMARY KEY REFERENCES organizations(id),
        general_fund_campaign_id uuid REFERENCES campaigns(id),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`ALTER TABLE recurring_gifts ADD COLUMN moved_from_campaign_id uuid REFERENCES campaigns(id), ADD COLUMN moved_at timestamptz`);
    await q.query(`ALTER TABLE recurring_gifts ADD CONSTRAINT recurring_gifts_moved CHECK ((moved_from_campaign_id IS NULL) = (moved_at IS NULL) AND moved_from_campaign_id IS DISTINCT FROM campaign_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE recurring_gifts DROP CONSTRAINT recurring_gifts_moved`);
    await q.query(`ALTER TABLE recurring_gifts DROP COLUMN moved_at, DROP COLUMN moved_from_campaign_id`);
    await q.query(`DROP TABLE recurring_settings`);
  }
}
