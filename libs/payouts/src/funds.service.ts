import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { NotFoundError } from '@ataa/common';
import { StripeGateway } from '@ataa/payments';
import { CampaignFunds, computeFunds } from './domain/funds.js';
import { CampaignRef, FundsRepository, type DesignationFacts } from './persistence/funds.repository.js';

export type { CampaignRef } from './persistence/funds.repository.js';

/** How long a "not available yet" answer from Stripe is trusted before asking again. */
const RECHECK_SECONDS = 30;

/**
 * Available and pending funds of a campaign. The ledger gives the net balance (fees, refunds,
 * disputes, holds and payouts already deducted); Stripe's balance transactions say which gifts are
 * available; the pure `computeFunds` combines them.
 */
@Injectable()
export class FundsService {
  private readonly logger = new Logger('PayoutFunds');

  constructor(
    private readonly repository: FundsRepository,
    private readonly stripe: StripeGateway,
  ) {}

  /** The campaign, if it belongs to the organization (another organization's campaign is a 404). */
  async campaignOf(organizationId: string, campaignId: string, manager?: EntityManager): Promise<CampaignRef> {
    const campaign = await this.repository.campaignOf(organizationId, campaignId, manager);
    if (!campaign) throw new NotFoundError('Campaign');
    return campaign;
  }

  /** The organization's campaigns that can hold funds (not drafts), newest first, at most `limit`. */
  async campaignsOf(organizationId: string, limit = 50): Promise<(CampaignRef & { status: string })[]> {
    return this.repository.campaignsOf(organizationId, limit);
  }

  async fundsFor(organizationId: string, campaignId: string): Promise<CampaignFunds> {
    const campaign = await this.campaignOf(organizationId, campaignId);
    await this.refreshAvailability(campaign.id);
    return this.compute(campaign);
  }

  /** Reads the ledger and availability rows (inside the caller's transaction, under its locks). */
  async compute(campaign: CampaignRef, manager?: EntityManager, now: Date = new Date()): Promise<CampaignFunds> {
    const facts = await this.repository.fundsFacts(campaign, manager);
    return computeFunds({ currency: campaign.currency, ...facts, now });
  }

  /**
   * What a payout request decides from, read in one round trip under the campaign's funds lock: the
   * campaign's funds, each designation's own facts, the payout already requested with the same key.
   */
  async requestFacts(
    campaign: CampaignRef, designations: readonly string[], replay: { organizationId: string; key: string | null }, manager: EntityManager, now: Date = new Date(),
  ): Promise<{ funds: CampaignFunds; designations: Map<string, DesignationFacts>; replayId: string | null }> {
    const facts = await this.repository.requestFacts(campaign, designations, replay, manager);
    return { funds: computeFunds({ currency: campaign.currency, ...facts.funds, now }), designations: facts.designations, replayId: facts.replayId };
  }

  /**
   * `balance.available`: some pending balance became available on Stripe (whose clock may be ahead
   * of ours): every gift still pending is looked at again on the next read.
   */
  async onBalanceAvailable(): Promise<string> {
    return `availability_recheck:${await this.repository.markPendingForRecheck()}`;
  }

  /**
   * Asks Stripe when the campaign's settled gifts become available, for the gifts we do not know
   * yet or that were still pending at the last look. Called before taking any lock.
   */
  async refreshAvailability(campaignId: string): Promise<void> {
    for (const gift of await this.repository.giftsToCheck(campaignId, RECHECK_SECONDS)) {
      try {
        const charge = await this.stripe.retrieveCharge(gift.stripeChargeId, { expand: ['balance_transaction'] });
        const bt = charge.balance_transaction && typeof charge.balance_transaction === 'object' ? charge.balance_transaction : null;
        await this.repository.saveAvailability({
          donationId: gift.donationId, campaignId, balanceTransactionId: bt?.id ?? null, availableOn: bt ? new Date(bt.available_on * 1000) : null, available: bt?.status === 'available',
        });
      } catch (error) {
        // Unknown availability counts as pending: safe, and retried at the next look.
        this.logger.warn(`could not read the balance transaction of donation ${gift.donationId}: ${(error as Error).message}`);
      }
    }
  }
}
