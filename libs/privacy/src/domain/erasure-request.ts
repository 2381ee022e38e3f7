/**
 * An erasure request's life (pure: no I/O). A donor's request waits for the signed link to be
 * opened and confirmed; an operator's request is confirmed when made. A confirmed request is worked
 * through ERASURE_STEPS in order; each step is idempotent, and the steps done are recorded, so a run
 * killed half-way resumes with the first step not done, and a second run of a completed request
 * changes nothing.
 */
export const ERASURE_STATES = ['awaiting_confirmation', 'confirmed', 'completed', 'expired'] as const;
export type ErasureState = (typeof ERASURE_STATES)[number];

export type ErasureSource = 'operator' | 'donor_link';

/**
 * The steps, in order:
 * 1. `cancel_recurring_gifts`: recurring and scheduled series and pledges not collected are
 *    cancelled before anything else, so no new charge can recreate the data being erased.
 * 2. `erase_stripe_customers`: the Stripe Customer each gift created is deleted through the API.
 * 3. `erase_records`: in one transaction, the gifts' name, e-mail, message and salt, the receipts'
 *    addresses, unsent messages and the Stripe event payloads' personal fields are removed, the
 *    public entries redacted, and the erasure recorded in the audit log.
 */
export const ERASURE_STEPS = ['cancel_recurring_gifts', 'erase_stripe_customers', 'erase_records'] as const;
export type ErasureStep = (typeof ERASURE_STEPS)[number];

const TRANSITIONS: Readonly<Record<ErasureState, readonly ErasureState[]>> = {
  awaiting_confirmation: ['confirmed', 'expired'],
  confirmed: ['completed'],
  completed: [],
  expired: [],
};

export function canTransition(from: ErasureState, to: ErasureState): boolean {
  return TRANSITIONS[from].includes(to);
}

/** The steps still to do, in order (none once every step is done, whatever order they were recorded in). */
export function remainingSteps(done: readonly string[]): ErasureStep[] {
  return ERASURE_STEPS.filter((step) => !done.includes(step));
}

/** What a run of a request in `state` with `done` steps does next. */
export type ErasureNext =
  | { action: 'run'; step: ErasureStep }
  | { action: 'complete' }
  | { action: 'nothing'; reason: 'completed' | 'not_confirmed' | 'expired' };

export function nextAction(state: ErasureState, done: readonly string[]): ErasureNext {
  if (state === 'completed') return { action: 'nothing', reason: 'completed' };
  if (state === 'expired') return { action: 'nothing', reason: 'expired' };
  if (state === 'awaiting_confirmation') return { action: 'nothing', reason: 'not_confirmed' };
  const [step] = remainingSteps(done);
  return step ? { action: 'run', step } : { action: 'complete' };
}

/** Why a confirmation link does not open an erasure (the page says which; see ErasureLinkRefusal codes). */
export type LinkState = 'usable' | 'used' | 'expired';

/** Whether a request's link may still be used at `now`: once only, before it expires. */
export function linkState(request: { state: ErasureState; expiresAt: Date | null }, now: Date): LinkState {
  if (request.state === 'confirmed' || request.state === 'completed') return 'used';
  if (request.state === 'expired') return 'expired';
  if (!request.expiresAt || request.expiresAt.getTime() <= now.getTime()) return 'expired';
  return 'usable';
}

/** The date until which an erased gift's accounting facts are kept. */
export function retainUntil(erasedAt: Date, retentionDays: number): Date {
  return new Date(erasedAt.getTime() + retentionDays * 86_400_000);
}
