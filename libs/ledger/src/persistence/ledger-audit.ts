import { EntityManager } from 'typeorm';

/**
 * Checks the ledger invariants of design section 6 that can be read from the database: used by the
 * tests after every step, and usable by reconciliation. Returns human-readable violations (none = ok).
 */
export async function auditLedger(manager: EntityManager): Promise<string[]> {
  const problems: string[] = [];
  const unbalanced = await manager.query(
    `SELECT entry_id, currency, sum(amount)::text AS total FROM postings GROUP BY entry_id, currency HAVING sum(amount) <> 0 LIMIT 5`,
  );
  for (const r of unbalanced) problems.push(`entry ${r.entry_id} is off by ${r.total} ${r.currency}`);
  const global = await manager.query(`SELECT currency, sum(amount)::text AS total FROM postings GROUP BY currency HAVING sum(amount) <> 0`);
  for (const r of global) problems.push(`all accounts in ${r.currency} sum to ${r.total}`);
  const stale = await manager.query(
    `SELECT coalesce(b.account_code, p.account_code) AS account, b.balance::text AS cached, p.total::text AS actual
     FROM ledger_account_balances b FULL JOIN (SELECT account_code, currency, sum(amount) AS total FROM postings GROUP BY 1, 2) p
       ON p.account_code = b.account_code AND p.currency = b.currency
     WHERE b.balance IS DISTINCT FROM p.total LIMIT 5`,
  );
  for (const r of stale) problems.push(`cached balance of ${r.account} is ${r.cached}, postings say ${r.actual}`);
  // Per designation (migration 1795004700000: postings before it have none, and count as general).
  const [{ present }] = await manager.query(`SELECT to_regclass('ledger_designation_balances') IS NOT NULL AS present`);
  if (present) {
    const designations = await manager.query(
      `SELECT coalesce(b.account_code, p.account_code) AS account, coalesce(b.designation, p.designation) AS designation, b.balance::text AS cached, p.total::text AS actual
       FROM ledger_designation_balances b FULL JOIN (SELECT account_code, currency, coalesce(designation, 'general') AS designation, sum(amount) AS total
                                                      FROM postings WHERE account_code LIKE 'campaign:%' GROUP BY 1, 2, 3) p
         ON p.account_code = b.account_code AND p.currency = b.currency AND p.designation = b.designation
       WHERE b.balance IS DISTINCT FROM p.total LIMIT 5`,
    );
    for (const r of designations) problems.push(`cached balance of ${r.account} for ${r.designation} is ${r.cached}, postings say ${r.actual}`);
  }
  const totals = await manager.query(
    `SELECT t.campaign_id, (t.raised - t.processing_fees - t.platform_fees - t.refunded - t.disputed - t.paid_out + t.other)::text AS from_totals,
            (-coalesce(b.balance, 0))::text AS funds
     FROM campaign_ledger_totals t
     LEFT JOIN ledger_account_balances b ON b.account_code = 'campaign:' || t.campaign_id || ':funds' AND b.currency = t.currency
     WHERE (t.raised - t.processing_fees - t.platform_fees - t.refunded - t.disputed - t.paid_out + t.other) <> -coalesce(b.balance, 0)`,
  );
  for (const r of totals) problems.push(`campaign ${r.campaign_id} totals say ${r.from_totals}, funds balance is ${r.funds}`);
  const lonely = await manager.query(
    `SELECT e.id FROM journal_entries e LEFT JOIN postings p ON p.entry_id = e.id GROUP BY e.id HAVING count(p.id) < 2 LIMIT 5`,
  );
  for (const r of lonely) problems.push(`entry ${r.id} has fewer than two postings`);
  problems.push(...(await auditPayouts(manager)));
  return problems;
}

/**
 * Payout invariants, per campaign: the payouts_pending (hold) account holds exactly the amounts of
 * the payouts still reserving funds, and the paid-out total (campaign totals and the ledger's own
 * payout / payout_reversal postings) is what was executed minus what was reversed. The statuses
 * that hold are those of the payouts state machine (`HOLDING_STATUSES` in @ataa/payouts, which
 * depends on this lib, not the other way round). A schema without payouts has nothing to check.
 */
async function auditPayouts(manager: EntityManager): Promise<string[]> {
  const [{ present }] = await manager.query(`SELECT to_regclass('payouts') IS NOT NULL AS present`);
  if (!present) return [];
  const problems: string[] = [];
  const holds = await manager.query(
    `WITH holding AS (
       SELECT campaign_id, currency, sum(amount) AS amount FROM payouts
       WHERE status IN ('pending_approval', 'approved', 'processing') GROUP BY 1, 2
     ), held AS (
       SELECT a.campaign_id, b.currency, -b.balance AS amount FROM ledger_account_balances b
       JOIN ledger_accounts a ON a.code = b.account_code AND a.currency = b.currency
       WHERE a.campaign_id IS NOT NULL AND a.code = 'campaign:' || a.campaign_id || ':payouts_pending'
     )
     SELECT coalesce(h.campaign_id, l.campaign_id) AS campaign_id, coalesce(h.currency, l.currency) AS currency,
            coalesce(h.amount, 0)::text AS payouts, coalesce(l.amount, 0)::text AS ledger
     FROM holding h FULL JOIN held l ON l.campaign_id = h.campaign_id AND l.currency = h.currency
     WHERE coalesce(h.amount, 0) <> coalesce(l.amount, 0) LIMIT 5`,
  );
  for (const r of holds) {
    problems.push(`campaign ${r.campaign_id} holds ${r.ledger} ${r.currency} for payouts, its unexecuted payouts amount to ${r.payouts}`);
  }
  // Paid out from the campaign's side: a payout debits its funds, a reversal credits them back.
  const paid = await manager.query(
    `WITH executed AS (
       SELECT campaign_id, sum(amount - amount_reversed) AS amount FROM payouts WHERE status IN ('paid', 'reversed') GROUP BY 1
     ), posted AS (
       SELECT e.campaign_id, sum(p.amount) AS amount FROM journal_entries e
       JOIN postings p ON p.entry_id = e.id AND p.account_code = 'campaign:' || e.campaign_id || ':funds'
       WHERE e.kind IN ('payout', 'payout_reversal') AND e.campaign_id IS NOT NULL GROUP BY 1
     ), campaigns AS (
       SELECT campaign_id FROM executed UNION SELECT campaign_id FROM posted
       UNION SELECT campaign_id FROM campaign_ledger_totals WHERE paid_out <> 0
     )
     SELECT c.campaign_id, coalesce(x.amount, 0)::text AS payouts, coalesce(p.amount, 0)::text AS ledger, coalesce(t.paid_out, 0)::text AS totals
     FROM campaigns c LEFT JOIN executed x ON x.campaign_id = c.campaign_id LEFT JOIN posted p ON p.campaign_id = c.campaign_id
       LEFT JOIN campaign_ledger_totals t ON t.campaign_id = c.campaign_id
     WHERE coalesce(x.amount, 0) <> coalesce(p.amount, 0) OR coalesce(x.amount, 0) <> coalesce(t.paid_out, 0) LIMIT 5`,
  );
  for (const r of paid) {
    problems.push(`campaign ${r.campaign_id} paid out ${r.payouts} by its payouts (executed minus reversed), ${r.ledger} by its payout entries, ${r.totals} by its totals`);
  }
  return problems;
}
