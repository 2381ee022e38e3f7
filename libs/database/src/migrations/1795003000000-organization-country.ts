import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Where an organization works (`organizations.country`, ISO 3166-1 alpha-2, optional), and the
 * discovery listing's copy of it (`campaign_listings.country`, issue 22's country filter) with its
 * index. The listing row takes the organization's country when it is written (a BEFORE trigger on
 * the listing, so the listing trigger of the discovery migration stays as it is), and an organization
 * that changes country updates its listed campaigns in the same transaction.
 */
export class OrganizationCountry1795003000000 implements MigrationInterface {
  name = 'OrganizationCountry1795003000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE organizations ADD COLUMN country text CONSTRAINT organizations_country_check CHECK (country ~ '^[A-Z]{2}$')`);
    await q.query(`ALTER TABLE campaign_listings ADD COLUMN country text`);
    await q.query(`CREATE INDEX campaign_listings_country_idx ON campaign_listings (country, status, published_at DESC, campaign_id DESC)`);
    // LIKE selectivity on the search text comes from ANALYZE's sample: a larger one keeps rare words on the trigram index.
    await q.query(`ALTER TABLE campaign_listings ALTER COLUMN search_text SET STATISTICS 1000`);
    await q.query(`
      CREATE FUNCTION campaign_listing_country() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        SELECT o.country INTO NEW.country FROM campaigns c JOIN organizations o ON o.id = c.organization_id WHERE c.id = NEW.campaign_id;
        RETURN NEW;
      END $$`);
    await q.query(`CREATE TRIGGER campaign_listings_country BEFORE INSERT ON campaign_listings FOR EACH ROW EXECUTE FUNCTION campaign_listing_country()`);
    await q.query(`
      CREATE FUNCTION organization_country_listings() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE campaign_listings l SET country = NEW.country FROM campaigns c WHERE c.id = l.campaign_id AND c.organization_id = NEW.id;
        RETURN NULL;
      END $$`);
    await q.query(`CREATE TRIGGER organizations_country_listings AFTER UPDATE OF country ON organizations FOR EACH ROW
      WHEN (OLD.country IS DISTINCT FROM NEW.country) EXECUTE FUNCTION organization_country_listings()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER organizations_country_listings ON organizations`);
    await q.query(`DROP FUNCTION organization_country_listings()`);
    await q.query(`DROP TRIGGER campaign_listings_country ON campaign_listings`);
    await q.query(`DROP FUNCTION campaign_listing_country()`);
    await q.query(`ALTER TABLE campaign_listings ALTER COLUMN search_text SET STATISTICS -1`);
    await q.query(`DROP INDEX campaign_listings_country_idx`);
    await q.query(`ALTER TABLE campaign_listings DROP COLUMN country`);
    await q.query(`ALTER TABLE organizations DROP COLUMN country`);
  }
}
