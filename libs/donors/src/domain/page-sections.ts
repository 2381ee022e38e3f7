/**
 * The sections of the donor page beyond one-time gifts, named now so that the recurring-gifts and
 * pledges work (issue 20, items 1 and 2) has a place to fill: each is an empty list until a lib
 * provides its rows. The page renders a section only when it has rows.
 */
export interface DonorPageSections {
  /** Recurring gifts of the address (pause, change amount, cancel): not built yet. */
  recurringGifts: readonly unknown[];
  /** All-or-nothing pledges of the address (saved card, charged only on success): not built yet. */
  pledges: readonly unknown[];
}

export const EMPTY_DONOR_PAGE_SECTIONS: DonorPageSections = Object.freeze({ recurringGifts: [], pledges: [] });
