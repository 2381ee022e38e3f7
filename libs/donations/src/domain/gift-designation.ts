import { resolveGiftDesignation, type Designation } from '@ataa/campaigns';
import { DomainError } from '@ataa/common';

/**
 * The designation a gift is recorded under, by the campaign's declared list (docs/designations.md):
 * a declared code, the first declared one when none is chosen, null when the campaign declared none
 * (the implicit general: `general` or nothing chosen), or 422 `unknown_designation` for anything else.
 * The same rule for every way money comes in: card gifts, series, pledges, offline gifts, matches collected.
 */
export function giftDesignation(campaign: { designations: readonly Designation[] }, chosen: string | null | undefined): string | null {
  const designation = resolveGiftDesignation(campaign.designations, chosen);
  if (designation === 'unknown') {
    throw new DomainError('unknown_designation', 'This campaign has no such designation', 422, { field: 'designation', declared: campaign.designations.map((d) => d.code) });
  }
  return designation;
}
