import type { EntityManager } from 'typeorm';
import { secondsLeft, type RetentionPeriodKey } from './domain/retention.js';
import type { RateLimitRecords } from './persistence/rate-limit-records.js';
import type { RetentionRepository } from './persistence/retention.repository.js';

/**
 * One kind of data the retention job removes once it is older than its period. `purge` removes
 * one bounded batch (at most `limit` rows) of what is older than `cutoff`, in the caller's short
 * transaction, and answers how many it removed; the job repeats it until a batch removes nothing.
 */
export interface RetentionRule {
  name: string;
  periodConfigKey: RetentionPeriodKey;
  /** What is removed (for logs and the README). */
  removes: string;
  purge(manager: EntityManager, cutoff: Date, limit: number): Promise<number>;
}

/** Every retention rule, in the order the job runs them. */
export function retentionRules(repository: RetentionRepository, rateLimits: RateLimitRecords, now: () => Date = () => new Date()): RetentionRule[] {
  return [
    {
      name: 'checkout_sessions',
      periodConfigKey: 'RETENTION_CHECKOUT_DAYS',
      removes: 'donations never paid (pending, failed, expired) that nothing in the ledger, payouts, receipts or the Stripe inbox refers to: deleted with their name, e-mail and message',
      purge: (manager, cutoff, limit) => repository.deleteAbandonedCheckouts(manager, cutoff, limit),
    },
    {
      name: 'webhook_payloads',
      periodConfigKey: 'RETENTION_WEBHOOK_PAYLOAD_DAYS',
      removes: 'the stored payload of Stripe webhook events processed before the cutoff (id, type and times stay for redelivery dedupe; unprocessed and dead-lettered events keep theirs)',
      purge: (manager, cutoff, limit) => repository.nullProcessedWebhookPayloads(manager, cutoff, limit),
    },
    {
      name: 'ip_addresses',
      periodConfigKey: 'RETENTION_IP_DAYS',
      removes: 'client addresses in rate-limit records (Redis keys): none lives longer than the period (the database stores no client address)',
      // Redis, not the database: the records cannot be dated, so their remaining life is capped.
      purge: async (_manager, cutoff, limit) => rateLimits.capLifetime(secondsLeft(now(), cutoff), limit),
    },
    {
      name: 'mail_bodies',
      periodConfigKey: 'RETENTION_MAIL_BODY_DAYS',
      removes: 'of messages delivered before the cutoff: the receipt\'s recipient address and error text, the outbox row\'s payload and error text (bodies are rendered at sending and never stored)',
      purge: (manager, cutoff, limit) => repository.scrubDeliveredMail(manager, cutoff, limit),
    },
    {
      name: 'export_requests',
      periodConfigKey: 'RETENTION_EXPORT_REQUEST_DAYS',
      removes: 'data-export requests (with the e-mail address they were for) whose link expired before the cutoff',
      purge: (manager, cutoff, limit) => repository.deleteOldExportRequests(manager, cutoff, limit),
    },
    {
      name: 'sign_in_tokens',
      periodConfigKey: 'RETENTION_SIGN_IN_TOKEN_DAYS',
      removes: 'e-mail verification and password-reset links (with the address they went to), two-factor sign-in challenges, operator console sessions and donor-page sign-in links (with their address and session) that expired before the cutoff',
      purge: (manager, cutoff, limit) => repository.deleteExpiredSignInTokens(manager, cutoff, limit),
    },
  ];
}
