import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Shared building blocks for later migrations:
 * - `ataa_forbid_mutation()`: a trigger function that makes a table append-only. It is enforced by
 *   the database, not by convention, so even a bug or a manual UPDATE cannot rewrite history.
 */
export class Foundation1795000000000 implements MigrationInterface {
  name = 'Foundation1795000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION ataa_forbid_mutation() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'table % is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
          USING ERRCODE = 'insufficient_privilege';
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION ataa_forbid_mutation()`);
  }
}
