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
     FROM ledger_balances b FULL JOIN (SELECT account_code, currency, sum(amount) AS total FROM postings GROUP BY 1, 2) p
       ON p.account_code = b.account_code AND p.currency = b.currency
     WHERE b.balance IS DISTINCT FROM p.total LIMIT 5`,
  );
  for (const r of stale) problems.push(`cached balance of ${r.account} is ${r.cached}, postings say ${r.actual}`);
  const totals = await manager.query(
    `SELECT t.campaign_id, (t.raised - t.processing_fees - t.platform_fees - t.refunded - t.disputed - t.paid_out + t.other)::text AS from_totals,
            (-coalesce(b.balance, 0))::text AS funds
     FROM campaign_ledger_totals t
     LEFT JOIN ledger_balances b ON b.account_code = 'campaign:' || t.campaign_id || ':funds' AND b.currency = t.currency
     WHERE (t.raised - t.processing_fees - t.platform_fees - t.refunded - t.disputed - t.paid_out + t.other) <> -coalesce(b.balance, 0)`,
  );
  for (const r of totals) problems.push(`campaign ${r.campaign_id} totals say ${r.from_totals}, funds balance is ${r.funds}`);
  const lonely = await manager.query(
    `SELECT e.id FROM journal_entries e LEFT JOIN postings p ON p.entry_id = e.id GROUP BY e.id HAVING count(p.id) < 2 LIMIT 5`,
  );
  for (const r of lonely) problems.push(`entry ${r.id} has fewer than two postings`);
  return problems;
}
