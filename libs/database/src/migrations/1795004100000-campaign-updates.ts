import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Campaign updates (issue 21, part 1):
 * - `campaign_updates`: an organization's update to a campaign's donors, in the campaign's language
 *   (en/ar), its Markdown as typed and the sanitized HTML rendered from it. `published_at` is set by
 *   the first publication and kept by edits and re-publication; `unpublished` hides it again.
 * - `donations.updates_opt_in`: the donor ticked "e-mail me this campaign's updates" at checkout.
 * - `campaign_update_unsubscribes`: per campaign and keyed hash of the address (no address stored);
 *   a later opted-in gift subscribes again (its `created_at` is after `unsubscribed_at`).
 * - `campaign_update_deliveries`: one row per update and recipient (UNIQUE on the address hash),
 *   listed once when the update is first published; the address itself is read from the gift at
 *   send time (an erased gift has none). `sending` is committed before the SMTP transaction and
 *   `sent` after it; a row left `sending` by a dead worker becomes `uncertain` and is never re-sent
 *   (at most one e-mail per recipient).
 * - outbox kinds `campaign_update` (lists the recipients) and `campaign_update_batch` (sends one batch);
 *   every earlier kind is kept, `donor_sign_in` (1795003600000-donor-page) included.
 */
export class CampaignUpdates1795004100000 implements MigrationInterface {
  name = 'CampaignUpdates1795004100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE campaign_updates (
        id uuid PRIMARY KEY,
        organization_id uuid NOT NULL,
        campaign_id uuid NOT NULL REFERENCES campaigns(id),
        language text NOT NULL CHECK (language IN ('en', 'ar')),
        title text NOT NULL CHECK (length(title) BETWEEN 1 AND 160),
        body_markdown text NOT NULL CHECK (length(body_markdown) BETWEEN 1 AND 20000),
        body_html text NOT NULL,
        image_key text CHECK (image_key ~ '^[0-9a-f]{64}\\.(png|jpg|webp)$'),
        status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'unpublished')),
        published_at timestamptz,
        recipients_listed_at timestamptz,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK (status = 'draft' OR published_at IS NOT NULL)
      )`);
    await q.query(`CREATE INDEX campaign_updates_public_idx ON campaign_updates (campaign_id, published_at DESC, id DESC) WHERE status = 'published'`);
    await q.query(`CREATE INDEX campaign_updates_campaign_idx ON campaign_updates (campaign_id, created_at DESC)`);
    await q.query(`ALTER TABLE donations ADD COLUMN updates_opt_in boolean NOT NULL DEFAULT false`);
    await q.query(`CREATE INDEX donations_updates_opt_in_idx ON donations (campaign_id) WHERE updates_opt_in AND donor_email IS NOT NULL`);
    await q.query(`
      CREATE TABLE campaign_update_unsubscribes (
        campaign_id uuid NOT NULL REFERENCES campaigns(id),
        email_hash text NOT NULL CHECK (email_hash ~ '^[0-9a-f]{64}$'),
        unsubscribed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (campaign_id, email_hash)
      )`);
    await q.query(`
      CREATE TABLE campaign_update_deliveries (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        update_id uuid NOT NULL REFERENCES campaign_updates(id) ON DELETE CASCADE,
        email_hash text NOT NULL CHECK (email_hash ~ '^[0-9a-f]{64}$'),
        donation_id uuid NOT NULL,
        locale text NOT NULL CHECK (locale IN ('en', 'ar')),
        batch int NOT NULL CHECK (batch >= 0),
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'skipped', 'failed', 'uncertain')),
        sending_until timestamptz,
        attempts int NOT NULL DEFAULT 0,
        last_error text,
        sent_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (update_id, email_hash)
      )`);
    await q.query(`CREATE INDEX campaign_update_deliveries_batch_idx ON campaign_update_deliveries (update_id, batch)`);
    await q.query(`ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check`);
    await q.query(`ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check CHECK (kind IN ('donation_receipt', 'refund_notice', 'payout_notice', 'receipt_copy', 'invitation', 'erasure_link', 'data_export', 'email_verification', 'password_reset', 'donor_sign_in', 'offline_receipt', 'recurring_notice', 'campaign_update', 'campaign_update_batch'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM outbox WHERE kind IN ('campaign_update', 'campaign_update_batch')`);
    await q.query(`ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check`);
    await q.query(`ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check CHECK (kind IN ('donation_receipt', 'refund_notice', 'payout_notice', 'receipt_copy', 'invitation', 'erasure_link', 'data_export', 'email_verification', 'password_reset', 'donor_sign_in', 'offline_receipt', 'recurring_notice'))`);
    await q.query(`DROP TABLE campaign_update_deliveries`);
    await q.query(`DROP TABLE campaign_update_unsubscribes`);
    await q.query(`DROP INDEX donations_updates_opt_in_idx`);
    await q.query(`ALTER TABLE donations DROP COLUMN updates_opt_in`);
    await q.query(`DROP TABLE campaign_updates`);
  }
}
