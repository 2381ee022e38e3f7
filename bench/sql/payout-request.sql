-- What one payout request does in PostgreSQL (PayoutsService.request), for pgbench, statement for
-- statement. Before the lock: read the organization and campaign (FOR SHARE of the campaign), write
-- the notice's outbox row. Under the campaign's funds lock (every request of the campaign waits for
-- it): one read (the funds, the designation's own facts, the idempotency key's replay; FundsRepository.requestFacts),
-- one write (the hold's key, journal entry, postings and campaign totals, the payout row, the audit
-- record: LedgerService.postWith with the payout's and the audit's writes alongside; the triggers keep
-- the balances and check the entry at commit), the commit. :cid is the campaign id, :funds and
-- :pending its two ledger account codes.
BEGIN;
SELECT o.payouts_enabled, o.stripe_account_id, o.payout_approval_threshold, c.funding_model, c.status, co.decision
  FROM organizations o JOIN campaigns c ON c.organization_id = o.id LEFT JOIN campaign_closeouts co ON co.campaign_id = c.id
 WHERE c.id = CAST(:cid AS uuid) FOR SHARE OF c;
INSERT INTO outbox (kind, aggregate_id, payload, dedupe_key)
  SELECT k, a, p, d FROM unnest(ARRAY['payout_notice'], ARRAY[gen_random_uuid()::text], ARRAY['{}'::jsonb], ARRAY[gen_random_uuid()::text]) WITH ORDINALITY AS t(k, a, p, d, n) ORDER BY n
  ON CONFLICT (dedupe_key) DO NOTHING RETURNING id;
SELECT campaign_id FROM campaign_payout_funds WHERE campaign_id = CAST(:cid AS uuid) FOR UPDATE;
SELECT
  (SELECT -balance FROM ledger_account_balances WHERE account_code = CAST(:funds AS text) AND currency = 'usd')::text AS funds,
  (SELECT -balance FROM ledger_account_balances WHERE account_code = CAST(:pending AS text) AND currency = 'usd')::text AS reserved,
  (SELECT paid_out FROM campaign_ledger_totals WHERE campaign_id = CAST(:cid AS uuid))::text AS paid_out,
  (SELECT coalesce(sum(r.amount), 0) FROM donation_refunds r JOIN donations d ON d.id = r.donation_id
    WHERE d.campaign_id = CAST(:cid AS uuid) AND r.status IN ('requested', 'pending'))::text AS refunds_in_flight,
  (SELECT coalesce(json_agg(json_build_object('net', g.net::text, 'availableOn', g.available_on)), '[]'::json)
     FROM (SELECT d.amount - coalesce(d.platform_fee, 0) - coalesce(d.processing_fee, 0) AS net, a.available_on
           FROM donations d LEFT JOIN payout_gift_availability a ON a.donation_id = d.id
           WHERE d.campaign_id = CAST(:cid AS uuid) AND d.settled_at IS NOT NULL AND a.available IS NOT TRUE) g) AS gifts,
  (SELECT json_agg(json_build_object(
      'designation', g.code,
      'funds', (SELECT -balance FROM ledger_designation_balances WHERE account_code = CAST(:funds AS text) AND currency = 'usd' AND designation = g.code)::text,
      'pending', (SELECT coalesce(sum(d.amount - coalesce(d.platform_fee, 0) - coalesce(d.processing_fee, 0)), 0)
         FROM donations d LEFT JOIN payout_gift_availability a ON a.donation_id = d.id
        WHERE d.campaign_id = CAST(:cid AS uuid) AND d.settled_at IS NOT NULL AND a.available IS NOT TRUE AND coalesce(d.designation, 'general') = g.code
          AND d.amount - coalesce(d.platform_fee, 0) - coalesce(d.processing_fee, 0) > 0)::text,
      'refundsInFlight', (SELECT coalesce(sum(r.amount), 0) FROM donation_refunds r JOIN donations d ON d.id = r.donation_id
        WHERE d.campaign_id = CAST(:cid AS uuid) AND r.status IN ('requested', 'pending') AND coalesce(d.designation, 'general') = g.code)::text))
     FROM unnest(ARRAY['general']) AS g(code)) AS designations,
  (SELECT p.id FROM payouts p JOIN campaigns c ON c.organization_id = p.organization_id WHERE c.id = CAST(:cid AS uuid) AND p.idempotency_key = NULL) AS replay_id;
WITH ids AS (
  SELECT gen_random_uuid() AS id, organization_id AS org FROM campaigns WHERE id = CAST(:cid AS uuid)
), claimed AS (
  INSERT INTO journal_entry_keys (source_id, kind) SELECT id::text, 'payout_hold' FROM ids
  ON CONFLICT (source_id, kind) DO NOTHING
  RETURNING source_id, kind, entry_id, seq
), entries AS (
  INSERT INTO journal_entries (id, seq, kind, source_id, campaign_id, currency, occurred_at, memo, metadata)
  SELECT c.entry_id, c.seq, c.kind, c.source_id, CAST(:cid AS uuid), 'usd', now(), NULL, jsonb_build_object('payout_id', c.source_id) FROM claimed c
  RETURNING *
), posted AS (
  INSERT INTO postings (entry_id, account_code, currency, amount, designation)
  SELECT e.id, v.account, 'usd', v.amount, 'general' FROM entries e, (VALUES (CAST(:funds AS text), 100::bigint), (CAST(:pending AS text), -100::bigint)) AS v(account, amount)
   ORDER BY v.account
), totals AS (
  INSERT INTO campaign_ledger_totals AS t (campaign_id, currency, other) SELECT CAST(:cid AS uuid), 'usd', -100 FROM entries
  ON CONFLICT (campaign_id) DO UPDATE SET other = t.other + EXCLUDED.other, updated_at = now()
), payout AS (
  INSERT INTO payouts (id, organization_id, campaign_id, currency, amount, status, purpose, requested_by, request_fingerprint, designation)
  SELECT id, org, CAST(:cid AS uuid), 'usd', 100, 'pending_approval', 'pgbench payout', 'pgbench', 'x', 'general' FROM ids
  RETURNING *
), audit AS (
  INSERT INTO audit_log (organization_id, actor, action, target_type, target_id, details)
  SELECT org, 'pgbench', 'payout.requested', 'payout', id::text, '{}'::jsonb FROM ids
)
SELECT p.*, (SELECT json_agg(json_build_object('id', id, 'seq', seq::text, 'kind', kind, 'source_id', source_id)) FROM entries) AS ledger_entries FROM payout p;
COMMIT;
