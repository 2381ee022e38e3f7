import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Campaign lifecycle and terms (issue 15, item 5).
 * - `campaign_closeouts.reason` gains `cancelled`: a cancelled campaign refunds every gift through
 *   the close-out (decision `refund_all`).
 * - `campaigns_closed_idx`: the sweep's "ended or cancelled campaigns" (by hand, or a run that died
 *   before deciding) looked up for a missing close-out.
 * - `campaigns.terms_locked_at`, `locked_ends_at`, `end_extensions`: once a campaign has a gift its
 *   terms are locked; the end date it had then and how many times it was moved later since, so
 *   the end date moves later at most twice and 60 days in all. `donations_campaign_open_idx` serves
 *   "has this campaign a gift on its way" (an open Checkout session) when the lock is first taken.
 * - `public_ledger_entries` gains the kind `terms_changed` (amount 0: it moves no money) and its
 *   committed `terms` (the canonical JSON of the changes, hashed into the leaf; null for every other
 *   kind, whose leaves are unchanged). Added with no default: no existing row is rewritten.
 */
export class CampaignLifecycle1795001100000 implements MigrationInterface {
  name = 'CampaignLifecycle1795001100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE campaign_closeouts DROP CONSTRAINT campaign_closeouts_reason_check`);
    await q.query(`ALTER TABLE campaign_closeouts ADD CONSTRAINT campaign_closeouts_reason_check CHECK (reason IN ('flexible', 'goal_met', 'goal_missed', 'cancelled'))`);
    await q.query(`CREATE INDEX campaigns_closed_idx ON campaigns (updated_at) WHERE status IN ('ended', 'cancelled')`);

    await q.query(`ALTER TABLE campaigns ADD COLUMN terms_locked_at timestamptz, ADD COLUMN locked_ends_at timestamptz,
      ADD COLUMN end_extensions int NOT NULL DEFAULT 0 CONSTRAINT campaigns_end_extensions_check CHECK (end_extensions BETWEEN 0 AND 2)`);
    await q.query(`CREATE INDEX donations_campaign_open_idx ON donations (campaign_id) WHERE status = 'pending'`);

    await q.query(`ALTER TABLE public_ledger_entries ADD COLUMN terms text`);
    await q.query(`ALTER TABLE public_ledger_entries DROP CONSTRAINT public_ledger_entries_kind_check`);
    await q.query(`ALTER TABLE public_ledger_entries ADD CONSTRAINT public_ledger_entries_kind_check
      CHECK (kind IN ('donation','fee','platform_fee','refund','dispute','dispute_reversal','payout','payout_reversal','terms_changed'))`);
    await q.query(`ALTER TABLE public_ledger_entries DROP CONSTRAINT public_ledger_entries_amount_check`);
    await q.query(`ALTER TABLE public_ledger_entries ADD CONSTRAINT public_ledger_entries_amount_check CHECK ((amount = 0) = (kind = 'terms_changed'))`);
    await q.query(`ALTER TABLE public_ledger_entries ADD CONSTRAINT public_ledger_entries_terms_check CHECK ((terms IS NOT NULL) = (kind = 'terms_changed'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    // The previous schema cannot hold term changes; public entries are append-only, so refuse rather than delete history.
    const [{ n }] = await q.query(`SELECT count(*)::int AS n FROM public_ledger_entries WHERE kind = 'terms_changed'`);
    if (n > 0) throw new Error(`cannot revert: ${n} public terms_changed entries are part of campaigns' signed logs`);
    await q.query(`ALTER TABLE public_ledger_entries DROP CONSTRAINT public_ledger_entries_terms_check`);
    await q.query(`ALTER TABLE public_ledger_entries DROP CONSTRAINT public_ledger_entries_amount_check`);
    await q.query(`ALTER TABLE public_ledger_entries ADD CONSTRAINT public_ledger_entries_amount_check CHECK (amount <> 0)`);
    await q.query(`ALTER TABLE public_ledger_entries DROP CONSTRAINT public_ledger_entries_kind_check`);
    await q.query(`ALTER TABLE public_ledger_entries ADD CONSTRAINT public_ledger_entries_kind_check
      CHECK (kind IN ('donation','fee','platform_fee','refund','dispute','dispute_reversal','payout','payout_reversal'))`);
    await q.query(`ALTER TABLE public_ledger_entries DROP COLUMN terms`);
    await q.query(`DROP INDEX donations_campaign_open_idx`);
    await q.query(`ALTER TABLE campaigns DROP COLUMN end_extensions, DROP COLUMN locked_ends_at, DROP COLUMN terms_locked_at`);
    await q.query(`DROP INDEX campaigns_closed_idx`);
    await q.query(`DELETE FROM campaign_closeout_items WHERE campaign_id IN (SELECT campaign_id FROM campaign_closeouts WHERE reason = 'cancelled')`);
    await q.query(`DELETE FROM campaign_closeouts WHERE reason = 'cancelled'`);
    await q.query(`ALTER TABLE campaign_closeouts DROP CONSTRAINT campaign_closeouts_reason_check`);
    await q.query(`ALTER TABLE campaign_closeouts ADD CONSTRAINT campaign_closeouts_reason_check CHECK (reason IN ('flexible', 'goal_met', 'goal_missed'))`);
  }
}
