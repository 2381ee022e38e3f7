import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An update image's text alternative (docs/updates.md "Writing and publishing"):
 * - `campaign_updates.image_alt`: what the image shows, for screen readers: the `alt` of the image on
 *   the public pages, in the feed and in the e-mail. The service requires it with every new image and
 *   refuses it without one (plain text, 1 to 300 characters); here the length, and "no text without an
 *   image", hold for any writer. An image without text stays allowed: updates written before this
 *   column have none (their image keeps an empty alt until edited).
 */
export class UpdateImageAlt1795004810000 implements MigrationInterface {
  name = 'UpdateImageAlt1795004810000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE campaign_updates ADD COLUMN image_alt text NULL CHECK (length(image_alt) BETWEEN 1 AND 300)`);
    await q.query(`ALTER TABLE campaign_updates ADD CONSTRAINT campaign_updates_image_alt_needs_image CHECK (image_alt IS NULL OR image_key IS NOT NULL)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE campaign_updates DROP COLUMN image_alt`);
  }
}
