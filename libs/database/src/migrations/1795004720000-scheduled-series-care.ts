import { MigrationInterface, QueryRunner } from 'typeorm';

const KINDS_BEFORE = `'donation_receipt', 'refund_notice', 'payout_notice', 'receipt_copy', 'invitation', 'erasure_link', 'data_export', 'email_verification', 'password_reset', 'donor_sign_in', 'offline_receipt', 'recurring_notice', 'campaign_update', 'campaign_update_batch'`;

/**
 * Scheduled series (issue 20): what the donor and the organization do with them once started
 * (docs/recurring.md "Scheduled series").
 * - outbox kind `scheduled_notice` (every earlier kind kept): a failed occurrence (a signed link to
 *   pay it), the series stopped (cancelled by the donor, the campaign closed, erasure) or moved to
 *   the organization's general fund.
 * - `scheduled_gifts.end_reason` / `ended_at`: why and when a series was cancelled;
 *   `moved_from_campaign_id` / `moved_at`: moved to the general fund when its campaign closed;
 *   `erased_at`: the donor's name and address removed by an erasure (the address may then be NULL).
 * - `scheduled_charges`: `cancelled` (a planned occurrence of a cancelled series: never charged, so
 *   no gift); `grace_ends_at` (a failed occurrence may be paid on its link until then) and
 *   `completion_session_id` (the Checkout session opened from that link).
 */
export class ScheduledSeriesCare1795004720000 implements MigrationInterface {
  name = 'ScheduledSeriesCare1795004720000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check`);
    await q.query(`ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check CHECK (kind IN (${KINDS_BEFORE}, 'scheduled_notice'))`);
    await q.query(`
      ALTER TABLE scheduled_gifts
        ADD COLUMN end_reason text CHECK (end_reason IN ('donor', 'campaign_closed', 'erasure')),
        ADD COLUMN ended_at timestamptz,
        ADD COLUMN moved_from_campaign_id uuid REFERENCES campaigns(id),
        ADD COLUMN moved_at timestamptz,
        ADD COLUMN erased_at timestamptz,
        ALTER COLUMN donor_email DROP NOT NULL,
        ADD CONSTRAINT scheduled_gifts_email_or_erased CHECK (donor_email IS NOT NULL OR erased_at IS NOT NULL),
        ADD CONSTRAINT scheduled_gifts_cancel_has_reason CHECK ((status = 'cancelled') = (end_reason IS NOT NULL))`);
    await q.query(`CREATE INDEX scheduled_gifts_donor_idx ON scheduled_gifts (lower(donor_email)) WHERE donor_email IS NOT NULL`);
    await q.query(`CREATE INDEX scheduled_gifts_live_campaign_idx ON scheduled_gifts (campaign_id) WHERE status IN ('pending', 'active')`);
    await q.query(`CREATE INDEX scheduled_gifts_organization_idx ON scheduled_gifts (organization_id)`);
    await q.query(`ALTER TABLE scheduled_charges DROP CONSTRAINT scheduled_charges_status_check`);
    await q.query(`ALTER TABLE scheduled_charges ADD CONSTRAINT scheduled_charges_status_check CHECK (status IN ('planned', 'charging', 'paid', 'failed', 'cancelled'))`);
    await q.query(`ALTER TABLE scheduled_charges DROP CONSTRAINT scheduled_charges_check`);
    await q.query(`ALTER TABLE scheduled_charges ADD CONSTRAINT scheduled_charges_check CHECK (status IN ('planned', 'cancelled') OR donation_id IS NOT NULL)`);
    await q.query(`ALTER TABLE scheduled_charges ADD COLUMN grace_ends_at timestamptz, ADD COLUMN completion_session_id text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE scheduled_charges DROP COLUMN completion_session_id, DROP COLUMN grace_ends_at`);
    await q.query(`UPDATE scheduled_charges SET status = 'planned' WHERE status = 'cancelled'`);
    await q.query(`ALTER TABLE scheduled_charges DROP CONSTRAINT scheduled_charges_check`);
    await q.query(`ALTER TABLE scheduled_charges ADD CONSTRAINT scheduled_charges_check CHECK (status = 'planned' OR donation_id IS NOT NULL)`);
    await q.query(`ALTER TABLE scheduled_charges DROP CONSTRAINT scheduled_charges_status_check`);
    await q.query(`ALTER TABLE scheduled_charges ADD CONSTRAINT scheduled_charges_status_check CHECK (status IN ('planned', 'charging', 'paid', 'failed'))`);
    await q.query(`DROP INDEX scheduled_gifts_organization_idx`);
    await q.query(`DROP INDEX scheduled_gifts_live_campaign_idx`);
    await q.query(`DROP INDEX scheduled_gifts_donor_idx`);
    await q.query(`DELETE FROM scheduled_charges WHERE scheduled_gift_id IN (SELECT id FROM scheduled_gifts WHERE donor_email IS NULL)`);
    await q.query(`DELETE FROM scheduled_gifts WHERE donor_email IS NULL`);
    await q.query(`
      ALTER TABLE scheduled_gifts DROP CONSTRAINT scheduled_gifts_cancel_has_reason, DROP CONSTRAINT scheduled_gifts_email_or_erased,
        ALTER COLUMN donor_email SET NOT NULL, DROP COLUMN erased_at, DROP COLUMN moved_at, DROP COLUMN moved_from_campaign_id, DROP COLUMN ended_at, DROP COLUMN end_reason`);
    await q.query(`DELETE FROM outbox WHERE kind = 'scheduled_notice'`);
    await q.query(`ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check`);
    await q.query(`ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check CHECK (kind IN (${KINDS_BEFORE}))`);
  }
}
