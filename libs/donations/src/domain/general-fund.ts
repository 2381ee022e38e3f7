import { GENERAL, resolveGiftDesignation, type Designation } from '@ataa/campaigns';
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
  /** The designations it declared (none: the implicit general only). */
  designations?: readonly Designation[];
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
  /** `designation`: the series' designation in the fund (null: the fund declared none, so general). */
  | { kind: 'move'; toCampaignId: string; idempotencyKey: string; designation: string | null }
  | { kind: 'stop'; why: 'no_fund' | 'fund_is_this_campaign' | 'other_organization' | 'other_currency' | 'fund_closed' | 'not_started' | 'designation_not_in_fund' };

/**
 * What the close-out does with a live series of a closed campaign: moved to the general fund when
 * one is set, is another campaign of the same organization, in the series' currency (a Stripe
 * subscription's currency cannot change), and open; else stopped as before. A series with no
 * subscription yet (the donor still on Checkout) is stopped: there is nothing to move.
 *
 * Restricted money stays restricted: a series given to a designation moves only to a fund that
 * declared the same one (zakat is never silently turned into general money); a general series
 * (none chosen, or `general`) stays `general` where the fund declared it, else takes the fund's
 * default by the card gifts' rule (its first declared, or none). Otherwise it is stopped and the donor told, as for any series that cannot move.
 */
export function planCloseOutMove(
  series: { id: string; organizationId: string; campaignId: string; currency: string; stripeSubscriptionId: string | null; designation?: string | null },
  fund: FundCandidate | null, now: Date,
): CloseOutMove {
  if (!fund) return { kind: 'stop', why: 'no_fund' };
  if (fund.id === series.campaignId) return { kind: 'stop', why: 'fund_is_this_campaign' };
  if (fund.organizationId !== series.organizationId) return { kind: 'stop', why: 'other_organization' };
  if (fund.currency !== series.currency) return { kind: 'stop', why: 'other_currency' };
  if (!fundOpen(fund, now)) return { kind: 'stop', why: 'fund_closed' };
  if (!series.stripeSubscriptionId) return { kind: 'stop', why: 'not_started' };
  const declared = fund.designations ?? [];
  const general = !series.designation || series.designation === GENERAL;
  // General money stays general where the fund has a general (or declares nothing); else the fund's default, as a card gift with no choice.
  const designation = general && declared.some((d) => d.code === GENERAL) ? GENERAL : resolveGiftDesignation(declared, general ? null : series.designation);
  if (designation === 'unknown') return { kind: 'stop', why: 'designation_not_in_fund' };
  return { kind: 'move', toCampaignId: fund.id, idempotencyKey: `recurring-move:${series.id}:${fund.id}`, designation };
}
