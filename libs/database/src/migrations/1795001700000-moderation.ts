import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Moderation (issue 17, item 3).
 * - `campaigns.suspended_at`, `suspension_reason`: the operator's suspension, beside the lifecycle
 *   status (a suspension is not a state of the lifecycle: the campaign keeps its status, dates and
 *   close-out; it takes no gifts and its page shows the public reason while suspended).
 *   `moderation_version` counts moderation changes shown on the campaign page (hidden messages,
 *   suspension), so the page's cached rendering is replaced when one happens.
 * - `moderation_reports`: what visitors reported (a donor-wall message by its public log index, or
 *   the campaign), with a reason from a fixed list and optional text. No address or other data of
 *   the reporter is stored.
 * - `moderated_messages`: donor-wall messages hidden by the organization or the operator (by public
 *   log index), with the reason shown in their place.
 */
export class Moderation1795001700000 implements MigrationInterface {
  name = 'Moderation1795001700000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE campaigns ADD COLUMN suspended_at timestamptz,
      ADD COLUMN suspension_reason text CONSTRAINT campaigns_suspension_reason_check CHECK (length(suspension_reason) BETWEEN 1 AND 1000),
      ADD COLUMN moderation_version int NOT NULL DEFAULT 0,
      ADD CONSTRAINT campaigns_suspension_check CHECK ((suspended_at IS NULL) = (suspension_reason IS NULL))`);
    await q.query(`
      CREATE TABLE moderation_reports (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        campaign_id uuid NOT NULL REFERENCES campaigns(id),
        target text NOT NULL CHECK (target IN ('message', 'campaign')),
        entry_index bigint CHECK (entry_index >= 0),
        reason text NOT NULL CHECK (reason ~ '^[a-z_]{1,40}$'),
        details text CHECK (length(details) <= 1000),
        status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'dismissed', 'actioned')),
        created_at timestamptz NOT NULL DEFAULT now(),
        resolved_at timestamptz,
        resolved_by text CHECK (length(resolved_by) <= 200),
        CONSTRAINT moderation_reports_entry_check CHECK ((entry_index IS NOT NULL) = (target = 'message')),
        CONSTRAINT moderation_reports_resolved_check CHECK ((status = 'open') = (resolved_at IS NULL))
      )`);
    await q.query(`CREATE INDEX moderation_reports_campaign_idx ON moderation_reports (campaign_id, created_at DESC, id)`);
    await q.query(`CREATE INDEX moderation_reports_open_idx ON moderation_reports (created_at, id) WHERE status = 'open'`);
    await q.query(`
      CREATE TABLE moderated_messages (
        campaign_id uuid NOT NULL REFERENCES campaigns(id),
        entry_index bigint NOT NULL CHECK (entry_index >= 0),
        state text NOT NULL CHECK (state IN ('hidden')),
        reason text NOT NULL CHECK (reason ~ '^[a-z_]{1,40}$'),
        note text CHECK (length(note) <= 1000),
        actor text NOT NULL CHECK (length(actor) BETWEEN 1 AND 200),
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (campaign_id, entry_index)
      )`);
    await q.query(`ALTER TABLE donations ADD COLUMN message_review text CONSTRAINT donations_message_review_check CHECK (message_review IN ('held', 'released'))`);
    await q.query(`CREATE INDEX donations_message_held_idx ON donations (campaign_id, created_at) WHERE message_review = 'held'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX donations_message_held_idx`);
    await q.query(`ALTER TABLE donations DROP COLUMN message_review`);
    await q.query(`DROP TABLE moderated_messages`);
    await q.query(`DROP TABLE moderation_reports`);
    await q.query(`ALTER TABLE campaigns DROP CONSTRAINT campaigns_suspension_check, DROP COLUMN moderation_version, DROP COLUMN suspension_reason, DROP COLUMN suspended_at`);
  }
}
