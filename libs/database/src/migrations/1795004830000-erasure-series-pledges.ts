import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Erasure covers recurring series and pledges (docs/privacy.md): an address whose only records are a
 * series or a pledge can be erased, and those rows lose the donor's name, e-mail and message.
 * - `recurring_gifts` / `pledges`: `donor_email` may be NULL once erased (`erased_at`); the CHECK
 *   keeps the old invariant for every row not erased (a live series or pledge always has its address).
 * - `erasure_requests.recurring_gift_ids`, `scheduled_gift_ids`, `pledge_ids`: the series and pledges
 *   fixed at confirmation, beside the gifts (like `offline_gift_ids`).
 */
export class ErasureSeriesPledges1795004830000 implements MigrationInterface {
  name = 'ErasureSeriesPledges1795004830000';

  async up(q: QueryRunner): Promise<void> {
    for (const table of ['recurring_gifts', 'pledges']) {
      await q.query(`
        ALTER TABLE ${table}
          ADD COLUMN erased_at timestamptz,
          ALTER COLUMN donor_email DROP NOT NULL,
          ADD CONSTRAINT ${table}_email_or_erased CHECK (donor_email IS NOT NULL OR erased_at IS NOT NULL)`);
    }
    await q.query(`ALTER TABLE erasure_requests ADD COLUMN recurring_gift_ids uuid[], ADD COLUMN scheduled_gift_ids uuid[], ADD COLUMN pledge_ids uuid[]`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE erasure_requests DROP COLUMN pledge_ids, DROP COLUMN scheduled_gift_ids, DROP COLUMN recurring_gift_ids`);
    for (const table of ['pledges', 'recurring_gifts']) {
      // Erased rows cannot be deleted (gifts refer to them): they get an empty address, as erased gifts did before erasure existed.
      await q.query(`UPDATE ${table} SET donor_email = '' WHERE donor_email IS NULL`);
      await q.query(`ALTER TABLE ${table} DROP CONSTRAINT ${table}_email_or_erased, ALTER COLUMN donor_email SET NOT NULL, DROP COLUMN erased_at`);
    }
  }
}
