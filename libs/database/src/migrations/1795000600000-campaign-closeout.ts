import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Campaign close-out (issue 8).
 * - `campaign_closeouts`: one row per ended campaign, written once when the close-out starts. The
 *   decision (`refund_all`, `keep`) is taken then and never re-taken: refunds made by the close-out
 *   itself must not change it. Counters are maintained with the items so progress is a primary-key
 *   read, never a COUNT over the campaign.
 * - `campaign_closeout_items`: one row per gift to refund (all-or-nothing campaigns that missed
 *   their goal). The refund's id (and so Stripe's idempotency key) is derived from the donation id,
 *   so a resumed or duplicated close-out finds the same refund instead of making another.
 * - `campaigns_due_idx`: the scheduler's "campaigns past their end date" query.
 */
export class CampaignCloseout1795000600000 implements MigrationInterface {
  name = 'CampaignCloseout1795000600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE campaign_closeouts (
        campaign_id uuid PRIMARY KEY REFERENCES campaigns(id),
        organization_id uuid NOT NULL,
        funding_model text NOT NULL CHECK (funding_model IN ('flexible', 'all_or_nothing')),
        decision text NOT NULL CHECK (decision IN ('refund_all', 'keep')),
        reason text NOT NULL CHECK (reason IN ('flexible', 'goal_met', 'goal_missed')),
        currency text NOT NULL CHECK (currency ~ '^[a-z]{3}$'),
        goal_amount bigint NOT NULL CHECK (goal_amount > 0),
        raised_amount bigint NOT NULL,
        status text NOT NULL CHECK (status IN ('refunding', 'done')),
        total int NOT NULL DEFAULT 0 CHECK (total >= 0),
        refunded int NOT NULL DEFAULT 0 CHECK (refunded >= 0),
        failed int NOT NULL DEFAULT 0 CHECK (failed >= 0),
        skipped int NOT NULL DEFAULT 0 CHECK (skipped >= 0),
        total_amount bigint NOT NULL DEFAULT 0 CHECK (total_amount >= 0),
        refunded_amount bigint NOT NULL DEFAULT 0 CHECK (refunded_amount >= 0),
        batches int NOT NULL DEFAULT 0 CHECK (batches >= 0),
        started_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz,
        CHECK (refunded + failed + skipped <= total),
        CHECK ((status = 'done') = (finished_at IS NOT NULL)),
        CHECK (decision = 'refund_all' OR total = 0)
      )`);
    await q.query(`CREATE INDEX campaign_closeouts_running_idx ON campaign_closeouts (started_at) WHERE status = 'refunding'`);
    await q.query(`
      CREATE TABLE campaign_closeout_items (
        donation_id uuid PRIMARY KEY REFERENCES donations(id),
        campaign_id uuid NOT NULL REFERENCES campaign_closeouts(campaign_id),
        seq int NOT NULL CHECK (seq > 0),
        amount bigint NOT NULL CHECK (amount > 0),
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'submitted', 'refunded', 'failed', 'skipped')),
        refund_id uuid,
        attempts int NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        last_error text CHECK (length(last_error) <= 500),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (campaign_id, seq)
      )`);
    await q.query(`CREATE INDEX campaign_closeout_items_open_idx ON campaign_closeout_items (campaign_id, seq) WHERE status IN ('pending', 'submitted')`);
    await q.query(`CREATE INDEX campaigns_due_idx ON campaigns (ends_at) WHERE status IN ('published', 'paused') AND ends_at IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX campaigns_due_idx`);
    await q.query(`DROP TABLE campaign_closeout_items`);
    await q.query(`DROP TABLE campaign_closeouts`);
  }
}
