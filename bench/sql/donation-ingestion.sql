-- The SQL that ingesting one checkout.session.completed costs on the real path, in the same
-- statements and transactions (see the comments for where each comes from), for pgbench.
-- bench/donations.bench.js fills bench_queue with pending donations and bench_payload with a real
-- event payload, then compares its rows written per donation with the real path's.
-- String literals never hold ':' before a letter (pgbench would take it for a variable): concat_ws(':', ...).
-- Differences, all in the baseline's disfavour: postings find their entry ids by a join (the app
-- passes the ids it got back), hashes are computed by PostgreSQL (the app computes them in Node).
SELECT nextval('bench_seq') AS n \gset
SELECT donation_id AS did, campaign_id AS cid, amount, currency AS cur FROM bench_queue WHERE n = :n::bigint \gset
\set pfee (:amount * 200) / 10000
\set fee (:amount * 29 + 500) / 1000 + 30
-- API, StripeEventInbox.receive: store the verified event (its own transaction).
WITH ins AS (
  INSERT INTO stripe_events (id, type, api_version, livemode, account, object_id, stripe_created_at, payload)
  SELECT 'evt_pgb_' || :n::bigint, 'checkout.session.completed', '2026-10-28.endive', false, NULL, 'cs_pgb_' || :n::bigint, now(), payload FROM bench_payload
  ON CONFLICT (id) DO NOTHING RETURNING processed_at, true AS inserted)
SELECT processed_at, inserted FROM ins
UNION ALL SELECT processed_at, false FROM stripe_events WHERE id = 'evt_pgb_' || :n::bigint AND NOT EXISTS (SELECT 1 FROM ins);
-- Worker, StripeEventDispatcher.process: read the stored event.
SELECT * FROM stripe_events WHERE id = 'evt_pgb_' || :n::bigint;
-- DonationSyncService.resolveDonationId and sync.
SELECT id FROM donations WHERE id = ANY(ARRAY[:did::uuid]::uuid[]) OR stripe_checkout_session_id = 'cs_pgb_' || :n::bigint OR stripe_payment_intent_id = 'pi_pgb_' || :n::bigint OR stripe_charge_id = 'ch_pgb_' || :n::bigint LIMIT 1;
SELECT * FROM donations WHERE id = :did::uuid;
-- DonationSyncService.apply, under the donation's row lock.
BEGIN;
SELECT * FROM donations WHERE id = :did::uuid FOR UPDATE;
SELECT kind, source_id FROM journal_entries WHERE source_id = ANY(ARRAY['ch_pgb_' || :n::bigint, 'txn_pgb_' || :n::bigint]);
SELECT * FROM donation_refunds WHERE donation_id = :did::uuid;
SELECT * FROM donation_disputes WHERE donation_id = :did::uuid;
-- LedgerService.postMany: entries, postings (balance triggers, deferred balance check), totals.
INSERT INTO journal_entries (kind, source_id, campaign_id, currency, occurred_at, memo, metadata)
SELECT * FROM unnest(ARRAY['donation', 'platform_fee', 'processing_fee'], ARRAY['ch_pgb_' || :n::bigint, 'ch_pgb_' || :n::bigint, 'txn_pgb_' || :n::bigint],
  ARRAY[:cid::uuid, :cid::uuid, :cid::uuid]::uuid[], ARRAY[:cur::text, :cur::text, :cur::text]::text[], ARRAY[now(), now(), now()], ARRAY[NULL, NULL, NULL]::text[],
  ARRAY[jsonb_build_object('donation_id', :did::uuid), jsonb_build_object('donation_id', :did::uuid), jsonb_build_object('donation_id', :did::uuid)])
ON CONFLICT (source_id, kind) DO NOTHING RETURNING *;
INSERT INTO postings (entry_id, account_code, currency, amount)
SELECT e.id, v.account, :cur::text, v.amount FROM (VALUES
  (1, 'donation', 'ch_pgb_' || :n::bigint, concat_ws(':', 'campaign', :cid::uuid, 'funds'), -:amount::bigint),
  (2, 'platform_fee', 'ch_pgb_' || :n::bigint, concat_ws(':', 'campaign', :cid::uuid, 'funds'), :pfee::bigint),
  (3, 'processing_fee', 'txn_pgb_' || :n::bigint, concat_ws(':', 'campaign', :cid::uuid, 'funds'), :fee::bigint),
  (4, 'platform_fee', 'ch_pgb_' || :n::bigint, concat_ws(':', 'platform', 'fee_revenue'), -:pfee::bigint),
  (5, 'processing_fee', 'txn_pgb_' || :n::bigint, concat_ws(':', 'platform', 'processing_fees'), :fee::bigint),
  (6, 'processing_fee', 'txn_pgb_' || :n::bigint, concat_ws(':', 'platform', 'processing_fees'), -:fee::bigint),
  (7, 'donation', 'ch_pgb_' || :n::bigint, concat_ws(':', 'platform', 'stripe_balance'), :amount::bigint),
  (8, 'processing_fee', 'txn_pgb_' || :n::bigint, concat_ws(':', 'platform', 'stripe_balance'), -:fee::bigint)
) AS v(n, kind, source_id, account, amount) JOIN journal_entries e ON e.source_id = v.source_id AND e.kind = v.kind ORDER BY v.n;
INSERT INTO campaign_ledger_totals AS t (campaign_id, currency, raised, processing_fees, platform_fees, refunded, disputed, paid_out, other, donations_count)
VALUES (:cid::uuid, :cur::text, :amount::bigint, :fee::bigint, :pfee::bigint, 0, 0, 0, 0, 1)
ON CONFLICT (campaign_id) DO UPDATE SET
  raised = t.raised + EXCLUDED.raised, processing_fees = t.processing_fees + EXCLUDED.processing_fees,
  platform_fees = t.platform_fees + EXCLUDED.platform_fees, refunded = t.refunded + EXCLUDED.refunded,
  disputed = t.disputed + EXCLUDED.disputed, paid_out = t.paid_out + EXCLUDED.paid_out, other = t.other + EXCLUDED.other,
  donations_count = t.donations_count + EXCLUDED.donations_count, updated_at = now();
UPDATE donations SET status = 'succeeded', stripe_charge_id = 'ch_pgb_' || :n::bigint, stripe_payment_intent_id = coalesce(stripe_payment_intent_id, 'pi_pgb_' || :n::bigint),
  payment_status = coalesce('paid', payment_status), platform_fee = :pfee::bigint, processing_fee = :fee::bigint, refunded_amount = 0, disputed_amount = 0,
  settled_at = coalesce(settled_at, now()) WHERE id = :did::uuid;
-- OutboxService.enqueue: the receipt.
INSERT INTO outbox (kind, aggregate_id, payload, dedupe_key) VALUES ('donation_receipt', :did::uuid, jsonb_build_object('donationId', :did::uuid), 'donation_receipt:' || :did::uuid)
ON CONFLICT (dedupe_key) DO NOTHING RETURNING id;
-- PublicLedgerAppender.append, three times (donation, platform fee, processing fee).
INSERT INTO transparency_logs (campaign_id, currency, root_hash) VALUES (:cid::uuid, :cur::text, sha256('')) ON CONFLICT (campaign_id) DO NOTHING;
SELECT size, balance FROM transparency_logs WHERE campaign_id = :cid::uuid FOR UPDATE \gset
SELECT idx, leaf_hash FROM public_ledger_entries WHERE campaign_id = :cid::uuid AND source_ref = concat_ws(':', 'je', 'donation', :n::bigint) AND kind = 'donation';
WITH entry AS (
  INSERT INTO public_ledger_entries (campaign_id, idx, occurred_at, month, kind, amount, currency, donor_name, donor_commitment, public_message, payout_purpose, balance, leaf_hash, source_ref)
  VALUES (:cid::uuid, :size::bigint, now(), to_char(now(), 'YYYY-MM'), 'donation', :amount::bigint, :cur::text, 'Bench donor ' || :n::bigint, NULL, NULL, NULL, :balance::bigint + :amount::bigint, sha256(convert_to('leaf' || :n::bigint || 'd', 'UTF8')), concat_ws(':', 'je', 'donation', :n::bigint)) RETURNING 1
), nodes AS (
  INSERT INTO transparency_nodes (campaign_id, level, idx, hash)
  SELECT :cid::uuid, l, ((:size::bigint + 1) >> l) - 1, sha256(convert_to(:n::bigint || 'd' || l, 'UTF8')) FROM generate_series(1, 40) AS l WHERE (:size::bigint + 1) % (1::bigint << l) = 0 RETURNING 1
), totals AS (
  INSERT INTO transparency_totals (campaign_id, month, kind, entries, amount) VALUES (:cid::uuid, to_char(now(), 'YYYY-MM'), 'donation', 1, :amount::bigint)
  ON CONFLICT (campaign_id, month, kind) DO UPDATE SET entries = transparency_totals.entries + 1, amount = transparency_totals.amount + EXCLUDED.amount RETURNING 1
), donor AS (
  INSERT INTO transparency_donors (campaign_id, donor_name) SELECT :cid::uuid, 'Bench donor ' || :n::bigint ON CONFLICT DO NOTHING RETURNING 1
)
UPDATE transparency_logs SET size = :size::bigint + 1, root_hash = sha256(convert_to(:n::bigint || 'rd', 'UTF8')), frontier = decode(repeat('ab', 32 * 8), 'hex'), balance = :balance::bigint + :amount::bigint,
  donors = donors + (SELECT count(*) FROM donor), updated_at = now()
WHERE campaign_id = :cid::uuid AND size = :size::bigint AND (SELECT count(*) FROM entry) = 1 AND (SELECT count(*) FROM totals) = 1 RETURNING size;
UPDATE donations SET public_leaf_index = :size::bigint, public_leaf_hash = encode(sha256(convert_to('leaf' || :n::bigint || 'd', 'UTF8')), 'hex') WHERE id = :did::uuid;
INSERT INTO transparency_logs (campaign_id, currency, root_hash) VALUES (:cid::uuid, :cur::text, sha256('')) ON CONFLICT (campaign_id) DO NOTHING;
SELECT size, balance FROM transparency_logs WHERE campaign_id = :cid::uuid FOR UPDATE \gset
SELECT idx, leaf_hash FROM public_ledger_entries WHERE campaign_id = :cid::uuid AND source_ref = concat_ws(':', 'je', 'platform_fee', :n::bigint) AND kind = 'platform_fee';
WITH entry AS (
  INSERT INTO public_ledger_entries (campaign_id, idx, occurred_at, month, kind, amount, currency, donor_name, donor_commitment, public_message, payout_purpose, balance, leaf_hash, source_ref)
  VALUES (:cid::uuid, :size::bigint, now(), to_char(now(), 'YYYY-MM'), 'platform_fee', -:pfee::bigint, :cur::text, NULL, NULL, NULL, NULL, :balance::bigint - :pfee::bigint, sha256(convert_to('leaf' || :n::bigint || 'p', 'UTF8')), concat_ws(':', 'je', 'platform_fee', :n::bigint)) RETURNING 1
), nodes AS (
  INSERT INTO transparency_nodes (campaign_id, level, idx, hash)
  SELECT :cid::uuid, l, ((:size::bigint + 1) >> l) - 1, sha256(convert_to(:n::bigint || 'p' || l, 'UTF8')) FROM generate_series(1, 40) AS l WHERE (:size::bigint + 1) % (1::bigint << l) = 0 RETURNING 1
), totals AS (
  INSERT INTO transparency_totals (campaign_id, month, kind, entries, amount) VALUES (:cid::uuid, to_char(now(), 'YYYY-MM'), 'platform_fee', 1, -:pfee::bigint)
  ON CONFLICT (campaign_id, month, kind) DO UPDATE SET entries = transparency_totals.entries + 1, amount = transparency_totals.amount + EXCLUDED.amount RETURNING 1
), donor AS (
  INSERT INTO transparency_donors (campaign_id, donor_name) SELECT :cid::uuid, NULL::text WHERE NULL::text IS NOT NULL ON CONFLICT DO NOTHING RETURNING 1
)
UPDATE transparency_logs SET size = :size::bigint + 1, root_hash = sha256(convert_to(:n::bigint || 'rp', 'UTF8')), frontier = decode(repeat('ab', 32 * 8), 'hex'), balance = :balance::bigint - :pfee::bigint,
  donors = donors + (SELECT count(*) FROM donor), updated_at = now()
WHERE campaign_id = :cid::uuid AND size = :size::bigint AND (SELECT count(*) FROM entry) = 1 AND (SELECT count(*) FROM totals) = 1 RETURNING size;
INSERT INTO transparency_logs (campaign_id, currency, root_hash) VALUES (:cid::uuid, :cur::text, sha256('')) ON CONFLICT (campaign_id) DO NOTHING;
SELECT size, balance FROM transparency_logs WHERE campaign_id = :cid::uuid FOR UPDATE \gset
SELECT idx, leaf_hash FROM public_ledger_entries WHERE campaign_id = :cid::uuid AND source_ref = concat_ws(':', 'je', 'fee', :n::bigint) AND kind = 'fee';
WITH entry AS (
  INSERT INTO public_ledger_entries (campaign_id, idx, occurred_at, month, kind, amount, currency, donor_name, donor_commitment, public_message, payout_purpose, balance, leaf_hash, source_ref)
  VALUES (:cid::uuid, :size::bigint, now(), to_char(now(), 'YYYY-MM'), 'fee', -:fee::bigint, :cur::text, NULL, NULL, NULL, NULL, :balance::bigint - :fee::bigint, sha256(convert_to('leaf' || :n::bigint || 'f', 'UTF8')), concat_ws(':', 'je', 'fee', :n::bigint)) RETURNING 1
), nodes AS (
  INSERT INTO transparency_nodes (campaign_id, level, idx, hash)
  SELECT :cid::uuid, l, ((:size::bigint + 1) >> l) - 1, sha256(convert_to(:n::bigint || 'f' || l, 'UTF8')) FROM generate_series(1, 40) AS l WHERE (:size::bigint + 1) % (1::bigint << l) = 0 RETURNING 1
), totals AS (
  INSERT INTO transparency_totals (campaign_id, month, kind, entries, amount) VALUES (:cid::uuid, to_char(now(), 'YYYY-MM'), 'fee', 1, -:fee::bigint)
  ON CONFLICT (campaign_id, month, kind) DO UPDATE SET entries = transparency_totals.entries + 1, amount = transparency_totals.amount + EXCLUDED.amount RETURNING 1
), donor AS (
  INSERT INTO transparency_donors (campaign_id, donor_name) SELECT :cid::uuid, NULL::text WHERE NULL::text IS NOT NULL ON CONFLICT DO NOTHING RETURNING 1
)
UPDATE transparency_logs SET size = :size::bigint + 1, root_hash = sha256(convert_to(:n::bigint || 'rf', 'UTF8')), frontier = decode(repeat('ab', 32 * 8), 'hex'), balance = :balance::bigint - :fee::bigint,
  donors = donors + (SELECT count(*) FROM donor), updated_at = now()
WHERE campaign_id = :cid::uuid AND size = :size::bigint AND (SELECT count(*) FROM entry) = 1 AND (SELECT count(*) FROM totals) = 1 RETURNING size;
COMMIT;
-- StripeEventInbox.markProcessed.
UPDATE stripe_events SET processed_at = now(), outcome = 'succeeded', attempts = attempts + 1, last_attempt_at = now(), last_error = NULL
WHERE id = 'evt_pgb_' || :n::bigint AND processed_at IS NULL;
