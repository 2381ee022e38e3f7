import { MigrationInterface, QueryRunner } from 'typeorm';

const CODE = `'^[a-z0-9]+(-[a-z0-9]+)*$'`;
const TABLES = ['offline_gifts', 'recurring_gifts', 'scheduled_gifts', 'pledges'] as const;

/**
 * Designations beyond the campaign page's one-time card gift (issue 21, item 2; docs/designations.md):
 * - `offline_gifts.designation`: what staff chose (NULL: the campaign declared none, so `general`).
 *   Not among the columns `offline_gifts_void_once` lets change: a gift's designation is as fixed as
 *   its amount, and its void posts to the same designation.
 * - `recurring_gifts.designation`, `scheduled_gifts.designation`, `pledges.designation`: what the
 *   donor chose on the campaign page for the series (or pledge); every gift it becomes (a paid invoice,
 *   a scheduled charge, a collected pledge) is a donation with that designation, so it settles there.
 * Rows made before this migration keep NULL: they post as `general`, as they did.
 */
export class GiftDesignations1795004730000 implements MigrationInterface {
  name = 'GiftDesignations1795004730000';

  async up(q: QueryRunner): Promise<void> {
    for (const table of TABLES) {
      await q.query(`ALTER TABLE ${table} ADD COLUMN designation text CONSTRAINT ${table}_designation_check CHECK (designation ~ ${CODE} AND length(designation) <= 40)`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of TABLES) await q.query(`ALTER TABLE ${table} DROP COLUMN designation`);
  }
}
