import { MigrationInterface, QueryRunner } from 'typeorm';

const OUTBOX_KINDS_BEFORE = `'donation_receipt', 'refund_notice', 'payout_notice', 'receipt_copy', 'invitation', 'erasure_link', 'data_export', 'email_verification', 'password_reset', 'donor_sign_in'`;
const PUBLIC_KINDS_BEFORE = `'donation','fee','platform_fee','refund','dispute','dispute_reversal','payout','payout_reversal','terms_changed'`;

/**
 * Offline gifts (issue 21, item 5): cash, cheque and bank-transfer gifts an organization's owner or
 * finance member records by hand.
 * - `offline_gifts`: one row per recorded gift. `idempotency_key` is unique per organization, so a
 *   submission sent twice records once. The gift is never edited: the only change a row sees is its
 *   void (the `voided_*` columns, set together, once: `offline_gifts_void_once` refuses any other
 *   update, and DELETE/TRUNCATE are refused). The ledger holds the money; this row holds who typed
 *   what (personal data: donor name and e-mail, covered by erasure like a donation's).
 * - journal entries `offline_gift` / `offline_gift_void` post between the campaign's
 *   `offline_receipts` (asset: money the organization received itself) and `offline_funds`
 *   (liability) accounts: never through the campaign's `funds`, which is what the platform holds on
 *   Stripe and may pay out (libs/ledger accounts.ts). No CHECK lists account codes or entry kinds.
 * - public entry kinds `offline_gift` and `offline_gift_void` (leaf format 3, like every new entry).
 * - outbox kind `offline_receipt`: the receipt e-mailed to a donor who gave an address.
 */
export class OfflineGifts1795003800000 implements MigrationInterface {
  name = 'OfflineGifts1795003800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE offline_gifts (
        id uuid PRIMARY KEY,
        organization_id uuid NOT NULL REFERENCES organizations(id),
        campaign_id uuid NOT NULL REFERENCES campaigns(id),
        idempotency_key text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 255),
        request_hash text NOT NULL CHECK (request_hash ~ '^[0-9a-f]{64}$'),
        amount bigint NOT NULL CHECK (amount > 0),
        currency text NOT NULL CHECK (currency ~ '^[a-z]{3}$'),
        received_on date NOT NULL,
        method text NOT NULL CHECK (method IN ('cash', 'cheque', 'bank_transfer')),
        reference text NOT NULL CHECK (length(reference) BETWEEN 1 AND 200),
        anonymous boolean NOT NULL,
        donor_name text CHECK (length(donor_name) BETWEEN 1 AND 120),
        donor_email text CHECK (length(donor_email) BETWEEN 3 AND 254),
        message text CHECK (length(message) BETWEEN 1 AND 500),
        language text NOT NULL DEFAULT 'en' CHECK (language IN ('en', 'ar')),
        recorded_by text NOT NULL CHECK (length(recorded_by) BETWEEN 1 AND 200),
        journal_entry_id uuid NOT NULL,
        public_index bigint,
        created_at timestamptz NOT NULL DEFAULT now(),
        voided_at timestamptz,
        voided_by text CHECK (length(voided_by) BETWEEN 1 AND 200),
        void_reason text CHECK (length(void_reason) BETWEEN 1 AND 1000),
        void_entry_id uuid,
        void_public_index bigint,
        CONSTRAINT offline_gifts_key_uq UNIQUE (organization_id, idempotency_key),
        CHECK ((voided_at IS NULL) = (voided_by IS NULL) AND (voided_at IS NULL) = (void_reason IS NULL) AND (voided_at IS NULL) = (void_entry_id IS NULL))
      )`);
    await q.query(`CREATE INDEX offline_gifts_campaign_idx ON offline_gifts (campaign_id, created_at DESC, id DESC)`);
    // A gift is recorded once and voided at most once; nothing else about it ever changes.
    await q.query(`
      CREATE FUNCTION ataa_offline_gift_void_once() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        free text[] := ARRAY['voided_at','voided_by','void_reason','void_entry_id','void_public_index','donor_name','donor_email','message'];
      BEGIN
        IF (to_jsonb(NEW) - free) IS DISTINCT FROM (to_jsonb(OLD) - free)
           -- the void is written once, all at once (the CHECK keeps its columns together)
           OR (OLD.voided_at IS NOT NULL AND (NEW.voided_at, NEW.voided_by, NEW.void_reason, NEW.void_entry_id, NEW.void_public_index)
                 IS DISTINCT FROM (OLD.voided_at, OLD.voided_by, OLD.void_reason, OLD.void_entry_id, OLD.void_public_index))
           -- erasure may only empty the personal fields
           OR (NEW.donor_name IS NOT NULL AND NEW.donor_name IS DISTINCT FROM OLD.donor_name)
           OR (NEW.donor_email IS NOT NULL AND NEW.donor_email IS DISTINCT FROM OLD.donor_email)
           OR (NEW.message IS NOT NULL AND NEW.message IS DISTINCT FROM OLD.message) THEN
          RAISE EXCEPTION 'an offline gift is never edited: it can only be voided, once' USING ERRCODE = 'P0001';
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`CREATE TRIGGER offline_gifts_void_once BEFORE UPDATE ON offline_gifts FOR EACH ROW EXECUTE FUNCTION ataa_offline_gift_void_once()`);
    await q.query(`CREATE TRIGGER offline_gifts_no_delete BEFORE DELETE ON offline_gifts FOR EACH ROW EXECUTE FUNCTION ataa_forbid_mutation()`);
    await q.query(`CREATE TRIGGER offline_gifts_no_truncate BEFORE TRUNCATE ON offline_gifts FOR EACH STATEMENT EXECUTE FUNCTION ataa_forbid_mutation()`);

    await q.query(`ALTER TABLE public_ledger_entries DROP CONSTRAINT public_ledger_entries_kind_check`);
    await q.query(`ALTER TABLE public_ledger_entries ADD CONSTRAINT public_ledger_entries_kind_check CHECK (kind IN (${PUBLIC_KINDS_BEFORE},'offline_gift','offline_gift_void'))`);
    await q.query(`ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check`);
    await q.query(`ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check CHECK (kind IN (${OUTBOX_KINDS_BEFORE}, 'offline_receipt'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    // Public entries are append-only and signed: refuse rather than rewrite campaigns' logs.
    const [{ n }] = await q.query(`SELECT count(*)::int AS n FROM public_ledger_entries WHERE kind IN ('offline_gift', 'offline_gift_void')`);
    if (n > 0) throw new Error(`cannot revert: ${n} public offline-gift entries are part of campaigns' signed logs`);
    await q.query(`DELETE FROM outbox WHERE kind = 'offline_receipt'`);
    await q.query(`ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check`);
    await q.query(`ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check CHECK (kind IN (${OUTBOX_KINDS_BEFORE}))`);
    await q.query(`ALTER TABLE public_ledger_entries DROP CONSTRAINT public_ledger_entries_kind_check`);
    await q.query(`ALTER TABLE public_ledger_entries ADD CONSTRAINT public_ledger_entries_kind_check CHECK (kind IN (${PUBLIC_KINDS_BEFORE}))`);
    await q.query(`DROP TABLE offline_gifts`);
    await q.query(`DROP FUNCTION ataa_offline_gift_void_once()`);
  }
}
