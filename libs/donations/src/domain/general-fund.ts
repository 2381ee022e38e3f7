import { DomainError, NotFoundError } from '@ataa/common';

/*
 * Moving a closed campaign's recurring gifts to the organization's general fund (issue 20, item 1),
 * pure: which campaign may be the general fund, and what happens to each live series when its
 * campaign closes — moved (the organization chose a fund that takes the series as it is) or stopped.
 */

export interface FundCandidate {
  id: string;
  organizationId: string;
  currency: string;
  status: string;
  endsAt: Date | null;
  suspensionReason?: string | null;
}

/** Open: published, not suspended, not past its end date (it takes gifts). */
export const fundOpen = (c: FundCandidate, now: Date): boolean =>
  c.status === 'published' && !c.suspensionReason && (c.endsAt === null || c.endsAt > now);

/**
 * The campaign an organization names as its general fund: its own (another organization's, or
 * none, is 404 `campaign_not_found`), published and open (422 `general_fund_not_open`). Its
 * currency is checked per series when one moves (an organization may raise in several).
 */
export function checkGeneralFund(organizationId: string, campaign: FundCandidate | null, now: Date): FundCandidate {
  if (!campaign || campaign.organizationId !== organizationId) throw new NotFoundError('Campaign');
  if (!fundOpen(campaign, now)) {
    throw new DomainError('general_fund_not_open', 'The general fund must be a published campaign that is taking gifts', 422, { field: 'campaignId', campaignStatus: campaign.status });
  }
  return campaign;
}

export type CloseOutMove =
  | { kind: 'move'; toCampaignId: string; idempotencyKey: string }
  | { kind: 'stop'; why: 'no_fund' | 'fund_is_this_campaign' | 'other_organization' | 'other_currency' | 'fund_closed' | 'not_started' };

/**
 * What the close-out does with a live series of a closed campaign: moved to the general fund when
 * one is set, is another campaign of the same organization, in the series' currency (a Stripe
 * subscription's currency cannot change), and open; else stopped as before. A series with no
 * subscription yet (the donor still on Checkout) is stopped: there is nothing to move.
 */
export function planCloseOutMove(
  series: { id: string; organizationId: string; campaignId: string; currency: string; stripeSubscriptionId: string | null },
  fund: FundCandidate | null, now: Date,
): CloseOutMove {
  if (!fund) return { kind: 'stop', why: 'no_fund' };
  if (fund.id === series.campaignId) return { kind: 'stop', why: 'fund_is_this_campaign' };
  if (fund.organizationId !== series.organizationId) return { kind: 'stop', why: 'other_organization' };
  if (fund.currency !== series.currency) return { kind: 'stop', why: 'other_currency' };
  if (!fundOpen(fund, now)) return { kind: 'stop', why: 'fund_closed' };
  if (!series.stripeSubscriptionId) return { kind: 'stop', why: 'not_started' };
  return { kind: 'move', toCampaignId: fund.id, idempotencyKey: `recurring-move:${series.id}:${fund.id}` };
}
