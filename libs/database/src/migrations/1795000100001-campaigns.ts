import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Campaigns and their lifecycle. Amounts are bigint minor units. The database re-checks what the
 * service validates (positive goal, min <= max, end after start, known states) so no code path
 * can store an impossible campaign. `version` backs optimistic concurrency on edits.
 */
export class Campaigns1795000100001 implements MigrationInterface {
  name = 'Campaigns1795000100001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE campaigns (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        organization_id uuid NOT NULL REFERENCES organizations(id),
        slug text NOT NULL CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 80),
        title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
        summary text NOT NULL DEFAULT '' CHECK (length(summary) <= 500),
        story_markdown text NOT NULL DEFAULT '' CHECK (length(story_markdown) <= 50000),
        story_html text NOT NULL DEFAULT '',
        cover_image_url text CHECK (length(cover_image_url) <= 2048),
        currency text NOT NULL CHECK (currency ~ '^[a-z]{3}$'),
        goal_amount bigint NOT NULL CHECK (goal_amount > 0),
        starts_at timestamptz,
        ends_at timestamptz,
        funding_model text NOT NULL CHECK (funding_model IN ('flexible', 'all_or_nothing')),
        suggested_amounts bigint[] NOT NULL DEFAULT '{}' CHECK (cardinality(suggested_amounts) <= 10),
        minimum_amount bigint CHECK (minimum_amount > 0),
        maximum_amount bigint CHECK (maximum_amount > 0),
        allow_anonymous boolean NOT NULL DEFAULT true,
        offer_cover_fees boolean NOT NULL DEFAULT true,
        language text NOT NULL CHECK (language IN ('en', 'ar')),
        platform_fee_bps int NOT NULL CHECK (platform_fee_bps BETWEEN 0 AND 10000),
        status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'paused', 'ended', 'cancelled')),
        version int NOT NULL DEFAULT 1 CHECK (version >= 1),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz,
        ended_at timestamptz,
        cancelled_at timestamptz,
        CONSTRAINT campaigns_slug_key UNIQUE (slug),
        CHECK (minimum_amount IS NULL OR maximum_amount IS NULL OR minimum_amount <= maximum_amount),
        CHECK (starts_at IS NULL OR ends_at IS NULL OR starts_at < ends_at),
        CHECK (status = 'draft' OR published_at IS NOT NULL OR status = 'cancelled')
      )`);
    await q.query(`CREATE INDEX campaigns_org_created_idx ON campaigns (organization_id, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX campaigns_published_idx ON campaigns (status) WHERE status IN ('published', 'paused')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE campaigns`);
  }
}
