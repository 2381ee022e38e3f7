import { Injectable } from '@nestjs/common';
import { TtlCache } from '@ataa/common';
import { PUBLIC_OPEN_LIMIT, PUBLIC_RESOLVED_LIMIT, toPublicReconciliation, type PublicReconciliation } from './domain/public-reconciliation.js';
import { ReconciliationRepository } from './persistence/reconciliation.repository.js';

/** How long the latest run's id is trusted before it is read again (public pages ask on every request). */
const VERSION_TTL_MS = 1000;

/**
 * Reconciliation as the public sees it (issue 21, item 7): the statement shown on a campaign's
 * report and ledger pages, their JSON forms and printed by the verifier CLI.
 */
@Injectable()
export class PublicReconciliationService {
  private readonly latest = new TtlCache<'latest', string>(VERSION_TTL_MS, 1);

  constructor(private readonly repo: ReconciliationRepository) {}

  /**
   * Changes whenever what `statusOf` answers may change: differences are only opened, refreshed or
   * resolved by a run that succeeds (in the transaction that marks it succeeded), so the latest
   * succeeded run's id versions every campaign's statement. Read at most once a second per process.
   */
  version(): Promise<string> {
    return this.latest.get('latest', async () => (await this.repo.lastSucceededRunFacts())?.id ?? 'none');
  }

  async statusOf(campaignId: string): Promise<PublicReconciliation> {
    const [run, openCount, open, resolved] = await Promise.all([
      this.repo.lastSucceededRunFacts(),
      this.repo.countOpenOfCampaign(campaignId),
      this.repo.differencesOfCampaign(campaignId, true, PUBLIC_OPEN_LIMIT),
      this.repo.differencesOfCampaign(campaignId, false, PUBLIC_RESOLVED_LIMIT),
    ]);
    return toPublicReconciliation(run, openCount, open, resolved);
  }
}
