import { Inject, Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '@ataa/config';
import { TransactionRunner } from '@ataa/database';
import { classifyDeliveryError, describeDeliveryError, TransientDeliveryError } from '../domain/delivery-failure.js';
import { MAILER } from '../mail/mailer.port.js';
import type { Mailer, OutgoingMail } from '../mail/mailer.port.js';
import { NotificationsRepository } from '../persistence/notifications.repository.js';

/** One e-mail of an outbox row, without the sender and Message-ID (the sender derives both). */
export type OutboxMail = Omit<OutgoingMail, 'from' | 'messageId'>;

/**
 * The delivery protocol of a single-e-mail outbox message (invitations, account links, erasure and
 * data-export links): the outbox row stays locked from before the send until it is finished, so a
 * duplicate job finds it done; a crash between the SMTP accept and the commit re-sends it once with
 * the same Message-ID (derived from the outbox id). A permanent SMTP failure, or any failure on the
 * queue's final attempt, finishes the row as failed; a temporary one is retried by the queue.
 */
@Injectable()
export class OutboxMailSender {
  private readonly logger = new Logger('OutboxMail');
  private readonly messageIdDomain: string;

  constructor(
    private readonly repository: NotificationsRepository,
    private readonly transactions: TransactionRunner,
    private readonly config: AppConfig,
    @Inject(MAILER) private readonly mailer: Mailer,
  ) {
    this.messageIdDomain = /@([A-Za-z0-9.-]+)>?\s*$/.exec(config.MAIL_FROM)?.[1] ?? 'ataa.local';
  }

  /** Finishes the row without an e-mail (the link or invitation is no longer usable). */
  async skip(outboxId: string, reason: string): Promise<'skipped'> {
    await this.transactions.run((m) => this.repository.finishOutbox(m, outboxId, 'skipped', reason));
    return 'skipped';
  }

  /** `label` names the kind in the Message-ID and the log (`<outbox id>.<label>@domain`). */
  async send(outboxId: string, label: string, mail: OutboxMail, options: { finalAttempt?: boolean } = {}): Promise<'sent' | 'already_done' | 'failed'> {
    // No transaction retries: a retried transaction would send the e-mail again.
    return this.transactions.run(async (m) => {
      const locked = await this.repository.findOutbox(outboxId, m, true);
      if (!locked || locked.status !== 'pending') return 'already_done';
      try {
        await this.mailer.send({ ...mail, from: this.config.MAIL_FROM, messageId: `<${outboxId}.${label}@${this.messageIdDomain}>` });
      } catch (error) {
        const description = describeDeliveryError(error);
        if (classifyDeliveryError(error) === 'permanent' || options.finalAttempt) {
          await this.repository.finishOutbox(m, outboxId, 'failed', description);
          this.logger.warn(`${label} e-mail ${outboxId} failed: ${description}`);
          return 'failed';
        }
        throw new TransientDeliveryError(description);
      }
      await this.repository.finishOutbox(m, outboxId, 'sent');
      return 'sent';
    }, { retries: 0 });
  }
}
