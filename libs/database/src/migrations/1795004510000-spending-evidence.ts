import { MigrationInterface, QueryRunner } from 'typeorm';

const PUBLIC_KINDS_BEFORE = `'donation','fee','platform_fee','refund','dispute','dispute_reversal','payout','payout_reversal','terms_changed','offline_gift','offline_gift_void'`;

/**
 * Spending evidence and impact figures (issue 21, items 3 and 4).
 * - `payout_evidence`: files (invoices, photos, a short report) an owner or finance member attached
 *   to a payout, stored by the upload adapter under their SHA-256. `visibility` public or operator
 *   (kept for the platform's operators and the organization). A public file's hash is appended to
 *   the campaign's public log (kind `evidence`, `public_index`), so it cannot be swapped. A row is
 *   never edited nor deleted (the file is named by its hash: another file is another row).
 * - `campaign_outcomes`: outcomes an organization states for a campaign ("1,200 meals"), en/ar, each
 *   with the payout or the campaign update that evidences it. Append-only too: what was stated stays
 *   stated (a correction is a new outcome).
 * - public entry kind `evidence`: amount 0 like `terms_changed`, no terms.
 */
export class SpendingEvidence1795004510000 implements MigrationInterface {
  name = 'SpendingEvidence1795004510000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE payout_evidence (
        id uuid PRIMARY KEY,
        organization_id uuid NOT NULL REFERENCES organizations(id),
        campaign_id uuid NOT NULL REFERENCES campaigns(id),
        payout_id uuid NOT NULL REFERENCES payouts(id),
        title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
        visibility text NOT NULL CHECK (visibility IN ('public', 'operator')),
        media_type text NOT NULL CHECK (media_type IN ('application/pdf', 'image/jpeg', 'image/png', 'image/webp')),
        bytes bigint NOT NULL CHECK (bytes > 0),
        sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
        storage_key text NOT NULL CHECK (storage_key ~ '^[0-9a-f]{64}\\.(pdf|jpg|png|webp)$'),
        public_index bigint,
        created_by text NOT NULL CHECK (length(created_by) BETWEEN 1 AND 200),
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK (visibility = 'public' OR public_index IS NULL)
      )`);
    await q.query(`CREATE INDEX payout_evidence_payout_idx ON payout_evidence (payout_id, created_at, id)`);
    await q.query(`CREATE INDEX payout_evidence_public_idx ON payout_evidence (storage_key) WHERE visibility = 'public'`);
    await q.query(`CREATE INDEX payout_evidence_campaign_idx ON payout_evidence (campaign_id, created_at) WHERE visibility = 'public'`);
    await q.query(`
      CREATE TABLE campaign_outcomes (
        id uuid PRIMARY KEY,
        organization_id uuid NOT NULL REFERENCES organizations(id),
        campaign_id uuid NOT NULL REFERENCES campaigns(id),
        label_en text NOT NULL CHECK (length(label_en) BETWEEN 1 AND 200),
        label_ar text NOT NULL CHECK (length(label_ar) BETWEEN 1 AND 200),
        payout_id uuid REFERENCES payouts(id),
        update_id uuid REFERENCES campaign_updates(id),
        created_by text NOT NULL CHECK (length(created_by) BETWEEN 1 AND 200),
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((payout_id IS NULL) <> (update_id IS NULL))
      )`);
    await q.query(`CREATE INDEX campaign_outcomes_campaign_idx ON campaign_outcomes (campaign_id, created_at, id)`);
    for (const table of ['payout_evidence', 'campaign_outcomes']) {
      await q.query(`CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION ataa_forbid_mutation()`);
      await q.query(`CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION ataa_forbid_mutation()`);
    }
    await q.query(`ALTER TABLE public_ledger_entries DROP CONSTRAINT public_ledger_entries_kind_check`);
    await q.query(`ALTER TABLE public_ledger_entries ADD CONSTRAINT public_ledger_entries_kind_check CHECK (kind IN (${PUBLIC_KINDS_BEFORE},'evidence'))`);
    await q.query(`ALTER TABLE public_ledger_entries DROP CONSTRAINT public_ledger_entries_amount_check`);
    await q.query(`ALTER TABLE public_ledger_entries ADD CONSTRAINT public_ledger_entries_amount_check CHECK ((amount = 0) = (kind IN ('terms_changed', 'evidence')))`);
  }

  async down(q: QueryRunner): Promise<void> {
    const [{ n }] = await q.query(`SELECT count(*)::int AS n FROM public_ledger_entries WHERE kind = 'evidence'`);
    if (n > 0) throw new Error('evidence entries are in public logs: they cannot be removed');
    await q.query(`ALTER TABLE public_ledger_entries DROP CONSTRAINT public_ledger_entries_amount_check`);
    await q.query(`ALTER TABLE public_ledger_entries ADD CONSTRAINT public_ledger_entries_amount_check CHECK ((amount = 0) = (kind = 'terms_changed'))`);
    await q.query(`ALTER TABLE public_ledger_entries DROP CONSTRAINT public_ledger_entries_kind_check`);
    await q.query(`ALTER TABLE public_ledger_entries ADD CONSTRAINT public_ledger_entries_kind_check CHECK (kind IN (${PUBLIC_KINDS_BEFORE}))`);
    await q.query(`DROP TABLE campaign_outcomes`);
    await q.query(`DROP TABLE payout_evidence`);
  }
}
