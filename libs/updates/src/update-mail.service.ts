import { Inject, Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '@ataa/config';
import { TransactionRunner } from '@ataa/database';
import {
  classifyDeliveryError, describeDeliveryError, MAILER, NotificationsRepository, OutboxService, TransientDeliveryError,
  type CampaignUpdateMailMessage, type CampaignUpdateMailSender, type Mailer,
} from '@ataa/notifications';
import { deriveErasureKey, deriveLinkKey, donorEmailHash } from '@ataa/privacy';
import { signUnsubscribeToken } from './domain/unsubscribe-link.js';
import { renderUpdateMail } from './domain/update-mail.js';
import { UpdatesRepository } from './persistence/updates.repository.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * E-mails a published update to the campaign's opted-in donors, through the outbox and BullMQ:
 *
 * 1. The `campaign_update` row (written when the update is first published) lists the recipients
 *    once, in one transaction with the row locked: one delivery row per address (UNIQUE per update
 *    and keyed address hash, so a retried listing adds nobody twice), numbered into batches, and the
 *    `campaign_update_batch` outbox row of the first batch. Opted-out (unsubscribed since they last
 *    ticked the box: a one-time gift, or the series or pledge a gift comes from) and erased donors
 *    are left out.
 * 2. Each batch job sends its recipients one by one and, in the transaction that finishes it, queues
 *    the next batch: an update's batches go one after another, so at most one of its e-mails is in
 *    flight at any time (receipts keep the other slots of the queue). A delivery is claimed (`sending`, committed)
 *    before the SMTP transaction and recorded `sent` after it. A retried job skips what is done; a
 *    job taken over from a killed worker finds its claimed rows `sending` with their lease over and
 *    marks them `uncertain` without sending again: each recipient gets an update at most once (the
 *    issue's promise). A temporary SMTP refusal puts the row back to `pending` for the retry.
 * 3. Just before sending, the gift is read again: erased, opted out or unsubscribed means skipped.
 */
@Injectable()
export class UpdateMailService implements CampaignUpdateMailSender {
  private readonly logger = new Logger('UpdateMail');
  private readonly emailKey: Buffer;
  private readonly linkKey: Buffer;
  private readonly messageIdDomain: string;
  private readonly base: string;

  constructor(
    private readonly repository: UpdatesRepository,
    private readonly notifications: NotificationsRepository,
    private readonly outbox: OutboxService,
    private readonly transactions: TransactionRunner,
    private readonly config: AppConfig,
    @Inject(MAILER) private readonly mailer: Mailer,
  ) {
    if (!config.AUTH_SECRET) throw new Error('AUTH_SECRET is required to sign unsubscribe links');
    // The erasure lib's address hash, so an erasure request names the same donor.
    this.emailKey = deriveErasureKey(config.AUTH_SECRET);
    this.linkKey = deriveLinkKey(config.AUTH_SECRET);
    this.messageIdDomain = /@([A-Za-z0-9.-]+)>?\s*$/.exec(config.MAIL_FROM)?.[1] ?? 'ataa.local';
    this.base = config.PUBLIC_BASE_URL.replace(/\/$/, '');
  }

  emailHash(email: string): string {
    return donorEmailHash(this.emailKey, email);
  }

  unsubscribeUrl(slug: string, campaignId: string, emailHash: string, now = new Date()): string {
    return `${this.base}/c/${slug}/updates/unsubscribe?token=${encodeURIComponent(signUnsubscribeToken(this.linkKey, campaignId, emailHash, now))}`;
  }

  async deliver(message: CampaignUpdateMailMessage, options: { finalAttempt?: boolean } = {}): Promise<'sent' | 'failed' | 'skipped'> {
    return message.kind === 'campaign_update' ? this.listRecipients(message.outboxId, message.aggregateId) : this.sendBatch(message.outboxId, message.aggregateId, options);
  }

  /** Step 1: the recipients and their batches, once. */
  private async listRecipients(outboxId: string, updateId: string): Promise<'sent' | 'skipped'> {
    return this.transactions.run(async (m) => {
      const row = await this.notifications.findOutbox(outboxId, m, true);
      if (!row || row.status !== 'pending') return 'skipped';
      const update = UUID.test(updateId) ? await this.repository.findById(updateId, m, true) : null;
      if (!update || update.status !== 'published' || update.recipientsListedAt) {
        await this.notifications.finishOutbox(m, outboxId, 'skipped', update ? 'recipients already listed or update not published' : 'update deleted');
        return 'skipped';
      }
      const donors = await this.repository.optedInDonors(m, update.campaignId);
      const unsubscribed = await this.repository.unsubscribes(m, update.campaignId);
      const hashed = donors.map((d) => ({ ...d, emailHash: this.emailHash(d.email) }));
      const erased = await this.repository.erasedHashes(m, hashed.map((d) => d.emailHash));
      const size = this.config.UPDATE_MAIL_BATCH_SIZE;
      const recipients = hashed
        .filter((d) => !erased.has(d.emailHash))
        // Unsubscribed, unless they ticked the box again later (a new gift, series or pledge; not a series' next payment).
        .filter((d) => { const at = unsubscribed.get(d.emailHash); return !at || new Date(d.optedInAt) > new Date(at); })
        .map((d, i) => ({ emailHash: d.emailHash, donationId: d.donationId, locale: d.locale, batch: Math.floor(i / size) }));
      await this.repository.insertDeliveries(m, update.id, recipients);
      await this.repository.markRecipientsListed(m, update.id);
      const batches = recipients.length === 0 ? 0 : recipients[recipients.length - 1].batch + 1;
      if (batches > 0) await this.outbox.enqueue(m, { kind: 'campaign_update_batch', aggregateId: `${update.id}:0` });
      await this.notifications.finishOutbox(m, outboxId, 'sent');
      this.logger.log(`update ${update.id}: ${recipients.length} recipients in ${batches} batches`);
      return 'sent';
    }, { retries: 0 });
  }

  /** Step 2: one batch. */
  private async sendBatch(outboxId: string, aggregateId: string, options: { finalAttempt?: boolean }): Promise<'sent' | 'failed' | 'skipped'> {
    const [updateId, batchText] = aggregateId.split(':');
    const batch = Number(batchText);
    const finish = (status: 'sent' | 'skipped' | 'failed', error: string | null = null) =>
      this.transactions.run((m) => this.notifications.finishOutbox(m, outboxId, status, error));
    const update = UUID.test(updateId ?? '') && Number.isSafeInteger(batch) ? await this.repository.findById(updateId) : null;
    const campaign = update ? await this.repository.findCampaignById(update.campaignId) : null;
    const deliveries = update ? await this.repository.batchDeliveries(update.id, batch) : [];
    if (!update || !campaign || update.status !== 'published') {
      // Deleted (its deliveries went with it) or unpublished meanwhile: what was not sent is not sent.
      for (const d of deliveries) if (d.status === 'pending') await this.repository.finish(d.id, 'skipped', 'update withdrawn');
      await finish('skipped', 'update withdrawn');
      return 'skipped';
    }
    // Rows a dead worker left claimed: possibly delivered, never sent twice.
    const uncertain = await this.repository.markAbandonedUncertain(update.id, batch);
    if (uncertain > 0) this.logger.warn(`update ${update.id} batch ${batch}: ${uncertain} e-mail(s) left unconfirmed by a stopped worker, not re-sent`);

    const pageUrl = `${this.base}/c/${campaign.slug}/updates/${update.id}`;
    const imageUrl = update.imageKey ? `${this.base}/media/covers/${update.imageKey}` : null;
    let otherWorker = false;
    for (const delivery of deliveries) {
      if (delivery.status === 'sending') { otherWorker ||= delivery.leased; continue; }
      if (delivery.status !== 'pending') continue;
      const recipient = await this.repository.recipientOf(delivery.donationId);
      const optedInAt = await this.repository.donationOptedInAt(delivery.donationId);
      const erased = (await this.transactions.run((m) => this.repository.erasedHashes(m, [delivery.emailHash]))).size > 0;
      if (!recipient || erased || this.emailHash(recipient.email) !== delivery.emailHash) {
        await this.repository.finish(delivery.id, 'skipped', 'donor data erased or address changed');
        continue;
      }
      if (optedInAt && (await this.repository.isUnsubscribedSince(campaign.id, delivery.emailHash, optedInAt))) {
        await this.repository.finish(delivery.id, 'skipped', 'unsubscribed');
        continue;
      }
      if (!(await this.repository.claim(delivery.id, this.config.RECEIPT_SEND_LEASE_SECONDS))) continue;
      const mail = renderUpdateMail({
        locale: delivery.locale,
        campaignTitle: campaign.title,
        organizationName: campaign.organizationName,
        update: { title: update.title, html: update.bodyHtml, language: update.language, imageUrl, imageAlt: update.imageAlt },
        pageUrl,
        unsubscribeUrl: this.unsubscribeUrl(campaign.slug, campaign.id, delivery.emailHash),
      });
      try {
        await this.mailer.send({
          from: this.config.MAIL_FROM,
          to: recipient.email,
          subject: mail.subject,
          html: mail.html,
          text: mail.text,
          messageId: `<${delivery.id}.update@${this.messageIdDomain}>`,
          headers: { ...mail.headers, 'List-Id': `<${campaign.id}.updates.${this.messageIdDomain}>`, 'X-Ataa-Update-Id': update.id },
        });
      } catch (error) {
        const description = describeDeliveryError(error);
        if (classifyDeliveryError(error) === 'permanent' || options.finalAttempt) {
          await this.repository.finish(delivery.id, 'failed', description);
          continue;
        }
        await this.repository.release(delivery.id, description);
        throw new TransientDeliveryError(description);
      }
      await this.repository.finish(delivery.id, 'sent');
    }
    if (otherWorker) throw new TransientDeliveryError('part of the batch is being sent by another worker');
    await this.transactions.run(async (m) => {
      // The next batch is queued with this one's end (its dedupe key keeps it to one row).
      if (await this.repository.hasBatch(m, update.id, batch + 1)) await this.outbox.enqueue(m, { kind: 'campaign_update_batch', aggregateId: `${update.id}:${batch + 1}` });
      await this.notifications.finishOutbox(m, outboxId, 'sent');
    });
    return 'sent';
  }
}
