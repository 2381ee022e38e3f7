import { expect } from '@jest/globals';
import { DonationWorld, startDonationWorld, submitDonationForm } from '../donations/donation-test-kit.js';

/** A donation world whose new recurring series' Customers are on one Stripe test clock (STRIPE_TEST_CLOCK), so tests move them weeks ahead in seconds. */
export function startWorldOnTestClock(clockName: string, options: Omit<Parameters<typeof startDonationWorld>[0], 'beforeApps'> = {}): Promise<DonationWorld> {
  return startDonationWorld({
    ...options,
    beforeApps: async (sandbox) => {
      const clock = await sandbox.stripe().testHelpers.testClocks.create({ frozen_time: await sandbox.control.now(), name: clockName });
      return { STRIPE_TEST_CLOCK: clock.id };
    },
  });
}

/** Starts a series on the campaign page's form (an "other" amount plus `fields`) and pays its Checkout session on the sandbox; returns the series id. */
export async function startRecurringSeries(world: DonationWorld, slug: string, fields: Record<string, string>): Promise<string> {
  expect((await submitDonationForm(world, slug, { amount: 'other', ...fields })).status).toBe(303);
  const [row] = await world.db.query(`SELECT id, stripe_checkout_session_id FROM recurring_gifts WHERE donor_email = $1 ORDER BY created_at DESC LIMIT 1`, [fields.donorEmail]);
  expect((await world.sandbox.control.paySession(row.stripe_checkout_session_id)).ok).toBe(true);
  return row.id as string;
}
