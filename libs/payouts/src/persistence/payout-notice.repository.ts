import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { PayoutStatus } from '../domain/payout-rules.js';

/** What a payout notice states about its payout. */
export interface NoticePayout {
  id: string;
  organizationId: string;
  organizationName: string;
  campaignTitle: string;
  currency: string;
  amount: bigint;
  purpose: string;
  status: PayoutStatus;
  rejectionReason: string | null;
  failureMessage: string | null;
}

/** A reversal as the ledger has it: its amount, and the payout's reversals up to it (ledger order). */
export interface ReversalFigures {
  reversed: bigint;
  reversedSoFar: bigint;
}

/** The reads payout notices are rendered from (the payout, its recipients, its reversals in the ledger). */
@Injectable()
export class PayoutNoticeRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The payout with its organization's name and campaign's title; null for an id that names none. */
  async payout(payoutId: string): Promise<NoticePayout | null> {
    const [row] = await this.dataSource.query(
      `SELECT p.*, o.name AS org_name, c.title AS campaign_title FROM payouts p
       JOIN organizations o ON o.id = p.organization_id JOIN campaigns c ON c.id = p.campaign_id WHERE p.id::text = $1`,
      [payoutId],
    );
    if (!row) return null;
    return {
      id: row.id, organizationId: row.organization_id, organizationName: row.org_name, campaignTitle: row.campaign_title, currency: row.currency,
      amount: BigInt(row.amount), purpose: row.purpose, status: row.status, rejectionReason: row.rejection_reason, failureMessage: row.failure_message,
    };
  }

  /** The organization's owners and finance members' e-mail addresses, sorted. */
  async recipients(organizationId: string): Promise<string[]> {
    const rows: { email: string }[] = await this.dataSource.query(
      `SELECT u.email FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.organization_id = $1 AND m.role IN ('owner', 'finance') ORDER BY u.email`,
      [organizationId],
    );
    return rows.map((r) => r.email);
  }

  /**
   * A posted reversal of the payout: its amount and the payout's reversals up to it (by ledger
   * order, so a notice sent after a later reversal still states its own figures). The scan stays
   * within the campaign's entries since the payout was posted. Null when the ledger has none.
   */
  async reversal(payoutId: string, reversalId: string): Promise<ReversalFigures | null> {
    const [found] = await this.dataSource.query(
      `SELECT (-p.amount)::text AS reversed,
              (SELECT -sum(p2.amount) FROM journal_entries e2
                 JOIN postings p2 ON p2.entry_id = e2.id AND p2.account_code = 'campaign:' || e2.campaign_id || ':funds'
               WHERE e2.campaign_id = e.campaign_id AND e2.kind = 'payout_reversal' AND e2.metadata->>'payout_id' = $1
                 AND e2.seq <= e.seq AND e2.seq > (SELECT seq FROM journal_entries WHERE source_id = $1 AND kind = 'payout'))::text AS reversed_so_far
       FROM journal_entries e JOIN postings p ON p.entry_id = e.id AND p.account_code = 'campaign:' || e.campaign_id || ':funds'
       WHERE e.source_id = $2 AND e.kind = 'payout_reversal' AND e.metadata->>'payout_id' = $1`,
      [payoutId, reversalId],
    );
    if (!found?.reversed_so_far) return null;
    return { reversed: BigInt(found.reversed), reversedSoFar: BigInt(found.reversed_so_far) };
  }
}
