/**
 * Every BullMQ queue and the payload of its jobs, in one place. Payloads carry ids only: the job
 * reads the current state from PostgreSQL, so a retried or late job never acts on stale data.
 */
export const QUEUES = {
  /** Process one stored Stripe webhook event from the inbox. */
  stripeEvents: 'stripe-events',
  /** Deliver one outbox message (receipt, refund notice, payout notice). */
  notifications: 'notifications',
  /** Execute one approved payout as a Stripe transfer. */
  payouts: 'payouts',
  /** Close out campaigns whose end date has passed (refunds for missed all-or-nothing goals). */
  campaignCloseOut: 'campaign-close-out',
  /** Compare the ledger with Stripe's balance transactions and transfers. */
  reconciliation: 'reconciliation',
  /** Work through one confirmed erasure request (libs/privacy); without an id, sweep for unfinished ones. */
  erasures: 'erasures',
  /** Housekeeping that must keep running: outbox relay sweeps, inbox sweeps. */
  maintenance: 'maintenance',
  /** Remove what is past its retention period (issue 17): one job runs every rule. */
  retention: 'retention',
  /** Submit a campaign log's latest checkpoint to every configured witness (issue 24); one job per campaign at a time. */
  transparencyWitness: 'transparency-witness',
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

export interface JobPayloads {
  /** One inbox event for the per-event path, or (drain) a wake-up for the batch path: settle what waits. */
  'stripe-events': { inboxEventId: string; drain?: undefined } | { drain: true; inboxEventId?: undefined };
  notifications: { outboxId: string };
  payouts: { payoutId: string };
  'campaign-close-out': { campaignId?: string };
  reconciliation: { since?: string };
  erasures: { erasureRequestId?: string };
  maintenance: { task: 'relay-outbox' | 'sweep-inbox' | 'close-out-due' };
  retention: Record<string, never>;
  'transparency-witness': { campaignId: string };
}

export type JobPayload<Q extends QueueName> = JobPayloads[Q];

/** Retries with exponential backoff (1 s, 2 s, 4 s, ...); failed jobs are kept for inspection. */
export const DEFAULT_JOB_OPTIONS = {
  attempts: 10,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { count: 1000 },
  removeOnFail: false,
} as const;
