-- What one payout request does in PostgreSQL (PayoutsService.request), for pgbench:
-- read the organization, write the notice's outbox row, lock the campaign's funds row, read the
-- ledger balances and pending gifts, insert the payout, post the hold (journal entry + two
-- postings + campaign totals; the triggers keep the balances and check the entry at commit),
-- write the audit record. :cid is the campaign id, :funds and :pending its two ledger account codes.
BEGIN;
SELECT payouts_enabled, stripe_account_id, payout_approval_threshold FROM organizations WHERE id = (SELECT organization_id FROM campaigns WHERE id = CAST(:cid AS uuid));
INSERT INTO outbox (kind, aggregate_id, payload, dedupe_key) VALUES ('payout_notice', gen_random_uuid()::text, '{}'::jsonb, gen_random_uuid()::text);
SELECT campaign_id FROM campaign_payout_funds WHERE campaign_id = CAST(:cid AS uuid) FOR UPDATE;
SELECT (SELECT -balance FROM ledger_account_balances WHERE account_code = CAST(:funds AS text) AND currency = 'usd') AS funds,
       (SELECT -balance FROM ledger_account_balances WHERE account_code = CAST(:pending AS text) AND currency = 'usd') AS reserved,
       (SELECT paid_out FROM campaign_ledger_totals WHERE campaign_id = CAST(:cid AS uuid)) AS paid_out;
SELECT (d.amount - coalesce(d.platform_fee, 0) - coalesce(d.processing_fee, 0))::text AS net, a.available_on, a.available
  FROM donations d LEFT JOIN payout_gift_availability a ON a.donation_id = d.id
  WHERE d.campaign_id = CAST(:cid AS uuid) AND d.settled_at IS NOT NULL AND (a.available IS NOT TRUE);
WITH p AS (
  INSERT INTO payouts (id, organization_id, campaign_id, currency, amount, status, purpose, requested_by, request_fingerprint)
  SELECT gen_random_uuid(), organization_id, id, 'usd', 100, 'pending_approval', 'pgbench payout', 'pgbench', 'x' FROM campaigns WHERE id = CAST(:cid AS uuid)
  RETURNING id
), e AS (
  INSERT INTO journal_entries (kind, source_id, campaign_id, currency, occurred_at, metadata)
  SELECT 'payout_hold', p.id::text, CAST(:cid AS uuid), 'usd', now(), jsonb_build_object('payout_id', p.id) FROM p RETURNING id
)
INSERT INTO postings (entry_id, account_code, currency, amount)
  SELECT e.id, v.account, 'usd', v.amount FROM e, (VALUES (CAST(:funds AS text), 100::bigint), (CAST(:pending AS text), -100::bigint)) AS v(account, amount)
  ORDER BY v.account;
INSERT INTO campaign_ledger_totals AS t (campaign_id, currency, other) VALUES (CAST(:cid AS uuid), 'usd', -100)
  ON CONFLICT (campaign_id) DO UPDATE SET other = t.other + EXCLUDED.other, updated_at = now();
INSERT INTO audit_log (organization_id, actor, action, target_type, target_id, details)
  SELECT organization_id, 'pgbench', 'payout.requested', 'payout', gen_random_uuid()::text, '{}'::jsonb FROM campaigns WHERE id = CAST(:cid AS uuid);
COMMIT;
