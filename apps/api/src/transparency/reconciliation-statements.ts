import type { PublicReconciliation } from '@ataa/reconciliation';

/**
 * Each campaign's reconciliation statement as last read, and what it was read for: the answers'
 * reconciliation version (a succeeded run changes it) and the log size (the entries posted since a
 * difference are part of it). Every answer built for the same pair shows the same statement, so it
 * is read once for them, not once per answer: a page never built before (a deep cursor) otherwise
 * made four reads for it besides its own, whose planning (partitioned joins) cost more than the
 * page's read. One slot per campaign; a failed read is not kept.
 */
export class ReconciliationStatements {
  private readonly statements = new Map<string, { version: string; statement: Promise<PublicReconciliation> }>();

  constructor(
    private readonly read: (campaignId: string) => Promise<PublicReconciliation>,
    private readonly maxCampaigns = 10_000,
  ) {}

  of(campaignId: string, version: string): Promise<PublicReconciliation> {
    const known = this.statements.get(campaignId);
    if (known !== undefined && known.version === version) return known.statement;
    if (this.statements.size >= this.maxCampaigns) this.statements.clear();
    const slot = { version, statement: this.read(campaignId) };
    this.statements.set(campaignId, slot);
    slot.statement.catch(() => {
      if (this.statements.get(campaignId) === slot) this.statements.delete(campaignId);
    });
    return slot.statement;
  }
}
