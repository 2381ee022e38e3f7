import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Embeddable donate widget (issue 22, part 5): the https origins a campaign's organization lets frame
 * its widget (`/embed/c/:slug`, CSP `frame-ancestors`). Empty: nobody may frame it. The API's DTO
 * validates each entry as a bare https origin (http only on a loopback host, for development); the
 * CHECK keeps a hand-made row from smuggling another CSP source or directive into the header.
 */
export class CampaignEmbedOrigins1795002800000 implements MigrationInterface {
  name = 'CampaignEmbedOrigins1795002800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE campaigns ADD COLUMN embed_origins text[] NOT NULL DEFAULT '{}'`);
    await q.query(`ALTER TABLE campaigns ADD CONSTRAINT campaigns_embed_origins_check
      CHECK (cardinality(embed_origins) <= 10 AND array_position(embed_origins, NULL) IS NULL
        AND array_to_string(embed_origins, ' ') ~ '^(https?://[a-z0-9.:-]+)?( https?://[a-z0-9.:-]+)*$')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE campaigns DROP CONSTRAINT campaigns_embed_origins_check`);
    await q.query(`ALTER TABLE campaigns DROP COLUMN embed_origins`);
  }
}
