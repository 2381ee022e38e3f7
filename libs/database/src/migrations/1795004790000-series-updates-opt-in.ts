import { MigrationInterface, QueryRunner } from 'typeorm';

const TABLES = ['recurring_gifts', 'scheduled_gifts', 'pledges'] as const;

/**
 * The campaign page's "e-mail me this campaign's updates" box for every frequency (issue 21, item 1;
 * docs/updates.md): `recurring_gifts.updates_opt_in`, `scheduled_gifts.updates_opt_in`,
 * `pledges.updates_opt_in` keep what the donor ticked for the series (or pledge); every gift it
 * becomes (a paid invoice, a scheduled charge, a collected pledge) is a donation with that opt-in,
 * which is what the update mailer reads. Rows made before this migration keep false: those donors
 * were never asked to be opted in (the box was not recorded), as their gifts say.
 */
export class SeriesUpdatesOptIn1795004790000 implements MigrationInterface {
  name = 'SeriesUpdatesOptIn1795004790000';

  async up(q: QueryRunner): Promise<void> {
    for (const table of TABLES) await q.query(`ALTER TABLE ${table} ADD COLUMN updates_opt_in boolean NOT NULL DEFAULT false`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of TABLES) await q.query(`ALTER TABLE ${table} DROP COLUMN updates_opt_in`);
  }
}
