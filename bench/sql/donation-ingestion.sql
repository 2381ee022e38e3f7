-- The minimal donation-shaped transaction, for pgbench: what one paid gift must write, written as
-- directly as SQL allows, as the baseline the real ingestion path is compared with
-- (bench/donations.bench.js, issue 16: the real path at >= 0.3x of this).
--
-- Per gift, as the platform must: the webhook's inbox row, committed on its own (the acknowledgement);
-- then, in one transaction: the donation settled (fees and public leaf on the same row), three journal
-- entries (donation, platform fee, processing fee) with their eight postings (the balance trigger and
-- the deferred balance check included), the campaign's ledger totals, the receipt outbox row, three
-- public ledger entries appended under the campaign's log lock (Merkle nodes, monthly totals, donor
-- list, log head), and the inbox event marked processed.
-- Unlike the real path: no Stripe call, no reads of what is already posted, hashes computed by
-- PostgreSQL, one statement for everything after the log lock.
--
-- bench/donations.bench.js fills bench_queue with pending donations (and their campaigns' ledger
-- accounts and logs) and bench_payload with a real event payload; bench_seq hands out queue rows.
-- String literals never hold ':' before a letter (pgbench would take it for a variable): concat_ws(':', ...).
SELECT n, donation_id AS did, campaign_id AS cid, amount, currency AS cur FROM bench_queue WHERE n = (SELECT nextval('bench_seq')) \gset
\set pfee (:amount * 200) / 10000
\set fee (:amount * 29 + 500) / 1000 + 30
-- The webhook: store the verified event (its own transaction, committed before the 200); the id is claimed in stripe_event_ids first (StripeEventInbox).
WITH claimed AS (
  INSERT INTO stripe_event_ids (id, received_at) VALUES ('evt_pgb_' || :n::bigint, now()) ON CONFLICT (id) DO NOTHING RETURNING id
)
INSERT INTO stripe_events (id, type, api_version, livemode, account, object_id, stripe_created_at, payload, received_at)
SELECT 'evt_pgb_' || :n::bigint, 'checkout.session.completed', '2026-10-28.endive', false, NULL, 'cs_pgb_' || :n::bigint, now(), payload, now() FROM bench_payload
WHERE EXISTS (SELECT 1 FROM claimed);
BEGIN;
SELECT size, balance FROM transparency_logs WHERE campaign_id = :cid::uuid FOR UPDATE \gset
WITH d AS (
  UPDATE donations SET status = 'succeeded', stripe_charge_id = 'ch_pgb_' || :n::bigint, stripe_payment_intent_id = 'pi_pgb_' || :n::bigint, payment_status = 'paid',
    platform_fee = :pfee::bigint, processing_fee = :fee::bigint, settled_at = now(),
    public_leaf_index = :size::bigint, public_leaf_hash = encode(sha256(convert_to('leaf' || :n::bigint || 'd', 'UTF8')), 'hex')
  WHERE id = :did::uuid AND status = 'pending' RETURNING id
), je AS (
  INSERT INTO journal_entries (kind, source_id, campaign_id, currency, occurred_at, metadata)
  SELECT v.kind, v.source_id, :cid::uuid, :cur::text, now(), jsonb_build_object('donation_id', d.id)
  FROM d, (VALUES ('donation', 'ch_pgb_' || :n::bigint), ('platform_fee', 'ch_pgb_' || :n::bigint), ('processing_fee', 'txn_pgb_' || :n::bigint)) AS v(kind, source_id)
  RETURNING id, kind
), p AS (
  INSERT INTO postings (entry_id, account_code, currency, amount)
  SELECT je.id, v.account, :cur::text, v.amount FROM je JOIN (VALUES
    ('donation', concat_ws(':', 'campaign', :cid::uuid, 'funds'), -:amount::bigint),
    ('platform_fee', concat_ws(':', 'campaign', :cid::uuid, 'funds'), :pfee::bigint),
    ('processing_fee', concat_ws(':', 'campaign', :cid::uuid, 'funds'), :fee::bigint),
    ('platform_fee', concat_ws(':', 'platform', 'fee_revenue'), -:pfee::bigint),
    ('processing_fee', concat_ws(':', 'platform', 'processing_fees'), :fee::bigint),
    ('processing_fee', concat_ws(':', 'platform', 'processing_fees'), -:fee::bigint),
    ('donation', concat_ws(':', 'platform', 'stripe_balance'), :amount::bigint),
    ('processing_fee', concat_ws(':', 'platform', 'stripe_balance'), -:fee::bigint)
  ) AS v(kind, account, amount) ON v.kind = je.kind
  ORDER BY v.account
  RETURNING 1
), totals AS (
  INSERT INTO campaign_ledger_totals AS t (campaign_id, currency, raised, processing_fees, platform_fees, donations_count)
  SELECT :cid::uuid, :cur::text, :amount::bigint, :fee::bigint, :pfee::bigint, 1 FROM d
  ON CONFLICT (campaign_id) DO UPDATE SET raised = t.raised + EXCLUDED.raised, processing_fees = t.processing_fees + EXCLUDED.processing_fees,
    platform_fees = t.platform_fees + EXCLUDED.platform_fees, donations_count = t.donations_count + 1, updated_at = now()
  RETURNING 1
), receipt AS (
  INSERT INTO outbox (kind, aggregate_id, payload, dedupe_key)
  SELECT 'donation_receipt', d.id::text, jsonb_build_object('donationId', d.id), concat_ws(':', 'donation_receipt', d.id) FROM d
  ON CONFLICT (dedupe_key) DO NOTHING RETURNING 1
), pub AS (
  -- k = 1, 2, 3: the donation, the platform fee, the processing fee, at indexes size, size + 1, size + 2.
  SELECT v.k, v.kind, v.amount, v.donor, v.tag, je.id AS entry_id,
         :balance::bigint + sum(v.amount) OVER (ORDER BY v.k) AS balance
  FROM d, je JOIN (VALUES
    (1, 'donation', 'donation', :amount::bigint, 'Bench donor ' || :n::bigint, 'd'),
    (2, 'platform_fee', 'platform_fee', -:pfee::bigint, NULL, 'p'),
    (3, 'processing_fee', 'fee', -:fee::bigint, NULL, 'f')
  ) AS v(k, entry_kind, kind, amount, donor, tag) ON v.entry_kind = je.kind
), entries AS (
  INSERT INTO public_ledger_entries (campaign_id, idx, occurred_at, month, kind, amount, currency, donor_name, balance, leaf_hash, source_ref)
  SELECT :cid::uuid, :size::bigint + k - 1, now(), to_char(now(), 'YYYY-MM'), kind, amount, :cur::text, donor, balance,
         sha256(convert_to('leaf' || :n::bigint || tag, 'UTF8')), entry_id::text
  FROM pub RETURNING 1
), nodes AS (
  -- The Merkle nodes each append completes: level l when the new size is a multiple of 2^l.
  INSERT INTO transparency_nodes (campaign_id, level, idx, hash)
  SELECT :cid::uuid, l, ((:size::bigint + k) >> l) - 1, sha256(convert_to(:n::bigint || '.' || k || '.' || l, 'UTF8'))
  FROM pub, generate_series(1, 40) AS l WHERE (:size::bigint + k) % (1::bigint << l) = 0
  RETURNING 1
), months AS (
  INSERT INTO transparency_totals AS t (campaign_id, month, kind, entries, amount)
  SELECT :cid::uuid, to_char(now(), 'YYYY-MM'), kind, 1, amount FROM pub
  ON CONFLICT (campaign_id, month, kind) DO UPDATE SET entries = t.entries + 1, amount = t.amount + EXCLUDED.amount
  RETURNING 1
), donor AS (
  INSERT INTO transparency_donors (campaign_id, donor_name) SELECT :cid::uuid, donor FROM pub WHERE donor IS NOT NULL
  ON CONFLICT DO NOTHING RETURNING 1
), head AS (
  UPDATE transparency_logs SET size = :size::bigint + 3, root_hash = sha256(convert_to(:n::bigint || 'root', 'UTF8')), frontier = decode(repeat('ab', 32 * 8), 'hex'),
    balance = :balance::bigint + :amount::bigint - :pfee::bigint - :fee::bigint, donors = donors + (SELECT count(*) FROM donor), updated_at = now()
  WHERE campaign_id = :cid::uuid AND EXISTS (SELECT 1 FROM d)
  RETURNING 1
)
UPDATE stripe_events SET processed_at = now(), outcome = 'succeeded', attempts = attempts + 1, last_attempt_at = now()
WHERE id = 'evt_pgb_' || :n::bigint AND received_at = (SELECT k.received_at FROM stripe_event_ids k WHERE k.id = 'evt_pgb_' || :n::bigint) AND processed_at IS NULL AND EXISTS (SELECT 1 FROM head) AND (SELECT count(*) FROM entries) = 3 AND (SELECT count(*) FROM p) = 8;
COMMIT;
