import { Injectable, Logger } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import type Stripe from 'stripe';
import type { EntityManager } from 'typeorm';
import { DomainError, NotFoundError, optionalUserText, TEXT_LIMITS, truncateCodePoints } from '@ataa/common';
import { AppConfig } from '@ataa/config';
import { TransactionRunner } from '@ataa/database';
import { formatDay, formatMoney, localeFor, OutboxMailSender, OutboxService, type RecurringNoticeMessage, type RecurringNoticeSender } from '@ataa/notifications';
import { isCardError, isInvalidRequest, isNoSuchResource, StripeGateway } from '@ataa/payments';
import { deriveLinkKey } from '@ataa/privacy';
import { DonationSyncService } from './donation-sync.service.js';
import { checkoutLocale } from './domain/checkout-locale.js';
import { donationAmount } from './domain/donation-amount.js';
import { planCloseOutMove } from './domain/general-fund.js';
import { giftDesignation } from './domain/gift-designation.js';
import { scheduledChargeKey, scheduleOccurrences, type Occurrence, type ScheduleKind } from './domain/scheduled-series.js';
import { SCHEDULED_GRACE_DAYS, signScheduledCancelLink, signScheduledPayLink, verifyScheduledLink } from './domain/scheduled-links.js';
import { renderScheduledNotice, scheduleWords } from './domain/scheduled-notice-mail.js';
import { assertAcceptsDonations, CampaignReader, type DonationCampaign } from './persistence/campaign-reader.js';
import { RecurringGiftsRepository } from './persistence/recurring-gifts.repository.js';
import {
  ScheduledGiftsRepository, type DonorScheduledGift, type ScheduledCharge, type ScheduledEndReason, type ScheduledGift,
} from './persistence/scheduled-gifts.repository.js';

/** What the payment page of a failed occurrence shows (after its link was checked). */
export interface ScheduledPayView {
  gift: ScheduledGift;
  charge: ScheduledCharge;
  campaign: DonationCampaign;
  /** The occurrence may be paid now (failed, not paid since, in its grace period, its campaign taking gifts). */
  payable: boolean;
}

export interface ScheduledGiftInput {
  kind: string;
  weeks?: number;
  timeZone: string;
  /** Major units as typed. */
  amount: string;
  donorName: string | null;
  donorEmail: string;
  anonymous: boolean;
  locale?: string;
  /** The designation the donor chose (the card gift's rule: absent → the first declared; unknown → 422 unknown_designation). */
  designation?: string | null;
  /** The donor ticked "e-mail me this campaign's updates" (stored on the series, copied onto each occurrence's gift). */
  updatesOptIn?: boolean;
}

/** What one run of the charger did. */
export interface ScheduledRun {
  charged: number;
  failed: number;
  unknown: number;
}

/**
 * Scheduled series (issue 20, item 1): the last ten nights of Ramadan or every Friday for N weeks,
 * charged by the platform off-session (docs/recurring.md says why not subscription schedules). The
 * donor's card is saved once (Checkout in `setup` mode, as for pledges); every occurrence is then
 * a gift of its own, reserved as a pending donation before Stripe is asked, charged under the
 * occurrence's idempotency key and settled by DonationSyncService like any one-time gift. A run
 * killed after Stripe charged, or an answer lost, leaves the occurrence `charging`: the next run
 * asks again under the same key and gets the same PaymentIntent, so each occurrence posts once.
 */
@Injectable()
export class ScheduledGiftsService implements RecurringNoticeSender {
  private readonly logger = new Logger('ScheduledGifts');
  private readonly linkKey: Buffer;

  constructor(
    private readonly tx: TransactionRunner,
    private readonly campaigns: CampaignReader,
    private readonly repository: ScheduledGiftsRepository,
    private readonly gifts: DonationSyncService,
    private readonly stripe: StripeGateway,
    private readonly config: AppConfig,
    private readonly outbox: OutboxService,
    private readonly mail: OutboxMailSender,
    private readonly recurring: RecurringGiftsRepository,
  ) {
    // As the other signed links: production requires AUTH_SECRET; without it (some tests) a key of this process.
    this.linkKey = deriveLinkKey(config.AUTH_SECRET ?? randomBytes(32));
  }

  private get base(): string {
    return this.config.PUBLIC_BASE_URL.replace(/\/$/, '');
  }

  /** Validates the schedule and amount, plans the occurrences, and opens Checkout in `setup` mode to save the card. */
  async start(slug: string, input: ScheduledGiftInput, now = new Date()): Promise<{ scheduledGiftId: string; checkoutUrl: string; occurrences: Occurrence[] }> {
    const campaign = await this.campaigns.requirePublic(slug);
    assertAcceptsDonations(campaign);
    if (input.anonymous && !campaign.allowAnonymous) throw new DomainError('anonymous_not_allowed', 'This campaign does not accept anonymous gifts', 400);
    const donorName = optionalUserText('donorName', input.donorName, { max: TEXT_LIMITS.donorName });
    const amount = donationAmount(input.amount, false, campaign).gross;
    const occurrences = scheduleOccurrences(input.kind, { weeks: input.weeks, timeZone: input.timeZone }, now);
    // Every occurrence is a gift to this designation (stored on the series, copied onto each reserved gift).
    const designation = giftDesignation(campaign, input.designation);
    // Charged only while the campaign takes gifts: a schedule past its end is refused rather than cut short.
    const last = occurrences[occurrences.length - 1];
    if (campaign.endsAt && last.chargeAt > campaign.endsAt) {
      throw new DomainError('schedule_after_campaign_end', 'The campaign ends before the last of these gifts', 422, { endsAt: campaign.endsAt.toISOString() });
    }
    const id = randomUUID();
    const locale = input.locale === 'ar' || input.locale === 'en' ? input.locale : campaign.language;
    await this.repository.insert({
      id, campaignId: campaign.id, organizationId: campaign.organizationId, currency: campaign.currency, amount, kind: input.kind as ScheduleKind,
      weeks: input.kind === 'fridays' ? input.weeks ?? null : null, timeZone: input.timeZone, platformFeeBps: campaign.platformFeeBps, donorName,
      donorEmail: input.donorEmail, anonymous: input.anonymous, locale, designation, updatesOptIn: input.updatesOptIn === true,
    }, occurrences);
    const base = this.config.PUBLIC_BASE_URL.replace(/\/$/, '');
    const metadata = { scheduled_gift_id: id, campaign_id: campaign.id, ...(designation ? { designation } : {}) };
    try {
      const customer = await this.stripe.createCustomer({ email: input.donorEmail, ...(donorName ? { name: donorName } : {}), metadata }, `scheduled-customer:${id}`);
      const session = await this.stripe.createCheckoutSession({
        mode: 'setup', currency: campaign.currency, customer: customer.id, client_reference_id: id,
        success_url: `${base}/c/${campaign.slug}/thanks?scheduled=${id}`, cancel_url: `${base}/c/${campaign.slug}?cancelled=1`,
        metadata, locale: checkoutLocale(locale),
        setup_intent_data: { metadata, description: truncateCodePoints(`Scheduled gifts to ${campaign.title}`, 1000) },
      }, `scheduled-setup:${id}`);
      await this.repository.setSession(id, session.id, customer.id);
      if (!session.url) throw new Error('no url');
      return { scheduledGiftId: id, checkoutUrl: session.url, occurrences };
    } catch (error) {
      this.logger.warn(`setup session for scheduled gift ${id} failed: ${(error as Error).message}`);
      throw new DomainError('payment_provider_unavailable', 'The payment page could not be opened; please try again', 502);
    }
  }

  /** `setup_intent.succeeded` naming a scheduled series: the card is saved, the series active. */
  async handleSetupSucceeded(event: Stripe.Event): Promise<string> {
    const si = event.data.object as Stripe.SetupIntent;
    const id = si.metadata?.scheduled_gift_id;
    if (typeof id !== 'string' || si.status !== 'succeeded') return 'not_scheduled';
    const customer = typeof si.customer === 'string' ? si.customer : si.customer?.id ?? null;
    const pm = typeof si.payment_method === 'string' ? si.payment_method : si.payment_method?.id ?? null;
    if (!customer || !pm) return 'not_scheduled';
    return (await this.repository.activate(id, si.id, customer, pm)) ? 'active' : 'duplicate';
  }

  /** Charges the occurrences due at `now` (at most `limit`), oldest first. Safe to repeat, to run twice at once, and to kill anywhere. */
  async chargeDue(now = new Date(), limit = 50): Promise<ScheduledRun> {
    const run: ScheduledRun = { charged: 0, failed: 0, unknown: 0 };
    // Failed occurrences the donor paid since on their link.
    await this.repository.markPaidLater();
    const series = new Map<string, ScheduledGift | null>();
    for (const due of await this.repository.due(now, limit)) {
      if (!series.has(due.scheduledGiftId)) series.set(due.scheduledGiftId, await this.repository.find(due.scheduledGiftId));
      const gift = series.get(due.scheduledGiftId);
      if (!gift) continue;
      const outcome = await this.chargeOne(gift, due.occurrence);
      run[outcome] += 1;
    }
    return run;
  }

  private async chargeOne(gift: ScheduledGift, occurrence: number): Promise<keyof ScheduledRun> {
    const donationId = await this.tx.run((m) => this.repository.reserve(m, gift, occurrence, randomUUID()));
    if (!donationId) return 'unknown';
    const metadata = { donation_id: donationId, scheduled_gift_id: gift.id, occurrence: String(occurrence), campaign_id: gift.campaignId };
    let pi: Stripe.PaymentIntent;
    try {
      pi = await this.stripe.createPaymentIntent({
        amount: Number(gift.amount), currency: gift.currency, customer: gift.stripeCustomerId!, payment_method: gift.stripePaymentMethodId!,
        off_session: true, confirm: true, metadata, transfer_group: gift.campaignId, description: `Scheduled gift ${occurrence}`,
      }, scheduledChargeKey(gift.id, occurrence));
    } catch (error) {
      if (isCardError(error) || isInvalidRequest(error)) {
        // Declined, 3-D Secure wanted with nobody there, the card gone: this occurrence is not given (the next ones are still tried).
        await this.fail(gift, occurrence, (error as { code?: string }).code ?? 'card_declined');
        return 'failed';
      }
      this.logger.warn(`scheduled gift ${gift.id} #${occurrence}: outcome unknown (${(error as Error).message}); asked again under the same key on the next run`);
      return 'unknown';
    }
    await this.tx.run((m) => this.repository.linkPaymentIntent(m, gift, occurrence, donationId, pi.id));
    if (pi.status !== 'succeeded') {
      if (pi.status === 'processing') return 'unknown';
      await this.fail(gift, occurrence, pi.status);
      return 'failed';
    }
    // The one-time gift's settlement: ledger, public log and receipt, keyed by the charge.
    const status = await this.gifts.sync(donationId);
    if (status === 'pending') return 'unknown';
    await this.repository.finish(gift, occurrence, 'paid', null);
    return 'charged';
  }

  /**
   * A failed occurrence: recorded with its grace period and, in the same transaction, the donor's
   * e-mail (outbox, once per occurrence) with a link to pay it. The next occurrences are still tried.
   */
  private async fail(gift: ScheduledGift, occurrence: number, code: string): Promise<void> {
    const graceEndsAt = new Date(Date.now() + SCHEDULED_GRACE_DAYS * 86_400_000);
    await this.repository.finish(gift, occurrence, 'failed', code, graceEndsAt, (m) => this.notice(m, gift.id, { event: 'payment_failed', occurrence }, `scheduled_notice:failed:${gift.id}:${occurrence}`));
  }

  private async notice(m: EntityManager, id: string, payload: Record<string, unknown>, dedupeKey: string): Promise<void> {
    await this.outbox.enqueue(m, { kind: 'scheduled_notice', aggregateId: id, payload, dedupeKey });
  }

  // ----- links ----------------------------------------------------------------------------------

  /** The series' one-click cancel link (every e-mail of the series carries it). */
  cancelLink(id: string): string {
    return `${this.base}/scheduled/cancel?token=${encodeURIComponent(signScheduledCancelLink(this.linkKey, id))}`;
  }

  /** A failed occurrence's payment link, valid until its grace period ends. */
  payLink(id: string, occurrence: number, graceEndsAt: Date): string {
    return `${this.base}/scheduled/pay?token=${encodeURIComponent(signScheduledPayLink(this.linkKey, id, occurrence, graceEndsAt))}`;
  }

  /** The series a cancel link names, or 404 `link_invalid` (malformed, forged, other purpose, expired). */
  async fromCancelLink(token: unknown): Promise<ScheduledGift & { campaignTitle: string }> {
    const check = verifyScheduledLink(this.linkKey, 'cancel', token);
    const gift = check.ok ? await this.repository.find(check.seriesId) : null;
    if (!gift) throw new DomainError('link_invalid', 'This link is not valid or has expired', 404);
    return { ...gift, campaignTitle: (await this.campaigns.findById(gift.campaignId))?.title ?? '' };
  }

  async cancelByLink(token: unknown): Promise<{ cancelled: boolean; gift: ScheduledGift & { campaignTitle: string } }> {
    const gift = await this.fromCancelLink(token);
    return { cancelled: await this.stop(gift.id, 'donor'), gift };
  }

  // ----- stopping -------------------------------------------------------------------------------

  /**
   * Cancels a live series for `reason` (the donor, the campaign closed, erasure): its planned
   * occurrences are never charged, and the donor is told once (outbox, same transaction). A series
   * whose card was never saved has its Checkout page expired. Idempotent: answers false when the
   * series had already stopped.
   */
  async stop(id: string, reason: ScheduledEndReason): Promise<boolean> {
    const gift = await this.repository.find(id);
    if (!gift) throw new NotFoundError('Scheduled gift', 'scheduled_gift_not_found');
    const stopped = await this.tx.run(async (m) => {
      if (!(await this.repository.cancel(m, id, reason))) return false;
      // Erasure: there will be no address to write to.
      if (reason !== 'erasure') await this.notice(m, id, { event: 'stopped', reason }, `scheduled_notice:stopped:${id}`);
      return true;
    });
    if (stopped && gift.status === 'pending') {
      const [row] = await this.repository.sessionOf(id);
      if (row) await this.stripe.expireCheckoutSession(row).catch(() => undefined);
    }
    return stopped;
  }

  /**
   * The erasure's first step (a RecurringGiftCanceller): the series behind these gifts or given with
   * their addresses, and those the request named (a series before its first occurrence has no gift),
   * are cancelled, and the Stripe Customer made for each (which holds the saved card and the address)
   * deleted. Idempotent (a Customer already deleted is fine).
   */
  async cancelFor(donationIds: readonly string[], series?: { scheduledGiftIds: readonly string[] }): Promise<number> {
    let n = 0;
    const ids = new Set([...(await this.repository.seriesOfDonations(donationIds)), ...(series?.scheduledGiftIds ?? [])]);
    for (const id of ids) {
      if (await this.stop(id, 'erasure')) n += 1;
      const gift = await this.repository.find(id);
      if (!gift?.stripeCustomerId) continue;
      try {
        await this.stripe.deleteCustomer(gift.stripeCustomerId);
      } catch (error) {
        if (!isNoSuchResource(error)) throw error;
      }
    }
    return n;
  }

  /**
   * The live series of a campaign that ended or was cancelled (the close-out): each moves to the
   * organization's general fund when it has one that can take it (same organization and currency,
   * open, and not ending before the series' last planned gift), else it is cancelled; the donor is
   * told either way. Answers how many were handled (a failure is retried by the next run).
   */
  async stopForClosedCampaign(campaignId: string, limit = 100, now = new Date()): Promise<number> {
    let handled = 0;
    for (const id of await this.repository.liveOfClosedCampaign(campaignId, limit)) {
      try {
        const gift = await this.repository.find(id);
        if (!gift) continue;
        const fundId = await this.recurring.generalFundOf(gift.organizationId);
        const fund = fundId ? await this.campaigns.findById(fundId) : null;
        const last = (await this.repository.charges(id)).filter((c) => c.status === 'planned').at(-1);
        // A series with a saved card (active) moves like a subscription would; one still on Checkout is cancelled.
        const plan = planCloseOutMove({ ...gift, stripeSubscriptionId: gift.status === 'active' ? gift.stripePaymentMethodId : null }, fund, now);
        const fits = plan.kind === 'move' && fund && (!fund.endsAt || !last || fund.endsAt > last.chargeAt);
        if (fits) {
          await this.tx.run(async (m) => {
            if (await this.repository.move(m, id, gift.campaignId, fund.id, fund.platformFeeBps, plan.designation)) {
              await this.notice(m, id, { event: 'moved', fromCampaignId: gift.campaignId, toCampaignId: fund.id }, `scheduled_notice:moved:${id}:${fund.id}`);
            }
          });
        } else await this.stop(id, 'campaign_closed');
        handled += 1;
      } catch (error) {
        this.logger.warn(`scheduled gift ${id} of a closed campaign could not be moved or cancelled: ${(error as Error).message}`);
      }
    }
    return handled;
  }

  // ----- the donor's pages ----------------------------------------------------------------------

  listForEmail(email: string): Promise<DonorScheduledGift[]> {
    return this.repository.listForEmail(email);
  }

  /** The thank-you page's view of a series of this campaign (null: not this campaign's, or none). */
  async statusForThanks(campaignId: string, id: string): Promise<{ gift: ScheduledGift; charges: ScheduledCharge[] } | null> {
    const gift = await this.repository.find(id);
    if (!gift || (gift.campaignId !== campaignId && gift.movedFromCampaignId !== campaignId)) return null;
    return { gift, charges: await this.repository.charges(id) };
  }

  /** What a failed occurrence's payment link opens; 404 `link_invalid` for a bad, expired or other-purpose token. */
  async payView(token: unknown, now = new Date()): Promise<ScheduledPayView> {
    const check = verifyScheduledLink(this.linkKey, 'pay', token, now.getTime());
    const gift = check.ok ? await this.repository.find(check.seriesId) : null;
    const charge = gift && check.ok ? (await this.repository.charges(gift.id)).find((c) => c.occurrence === check.occurrence) : undefined;
    const campaign = gift ? await this.campaigns.findById(gift.campaignId) : null;
    if (!gift || !charge || !campaign) throw new DomainError('link_invalid', 'This link is not valid or has expired', 404);
    let open = true;
    try {
      assertAcceptsDonations(campaign, now);
    } catch {
      open = false;
    }
    const payable = open && charge.status === 'failed' && !charge.settled && charge.donationId !== null && charge.graceEndsAt !== null && charge.graceEndsAt > now;
    return { gift, charge, campaign, payable };
  }

  /**
   * Opens Checkout (`payment` mode) for a failed occurrence's gift (metadata `donation_id`), so the
   * one-time gift's settlement posts it once paid. An open session is reused; an expired one is
   * replaced (the key names the one it replaces). 409 `occurrence_not_payable` when paid or past its grace period.
   */
  async startPayment(token: unknown, now = new Date()): Promise<{ checkoutUrl: string }> {
    const { gift, charge, campaign, payable } = await this.payView(token, now);
    if (!payable) throw new DomainError('occurrence_not_payable', 'This gift can no longer be paid here', 409, { status: charge.settled ? 'paid' : charge.status });
    if (charge.completionSessionId) {
      const existing = await this.stripe.retrieveCheckoutSession(charge.completionSessionId).catch(() => null);
      if (existing?.status === 'open' && existing.url) return { checkoutUrl: existing.url };
      if (existing?.status === 'complete') throw new DomainError('occurrence_not_payable', 'This gift is already paid', 409, { status: 'paid' });
    }
    const metadata = { donation_id: charge.donationId!, scheduled_gift_id: gift.id, occurrence: String(charge.occurrence), campaign_id: campaign.id };
    let session: Stripe.Checkout.Session;
    try {
      session = await this.stripe.createCheckoutSession({
        mode: 'payment',
        line_items: [{ quantity: 1, price_data: { currency: gift.currency, unit_amount: Number(gift.amount), product_data: { name: truncateCodePoints(campaign.title, 250) } } }],
        customer_email: gift.donorEmail,
        client_reference_id: charge.donationId!,
        success_url: `${this.base}/c/${campaign.slug}/thanks?donation=${charge.donationId}`,
        cancel_url: `${this.base}/c/${campaign.slug}`,
        metadata, locale: checkoutLocale(gift.locale),
        payment_intent_data: { transfer_group: campaign.id, metadata, description: truncateCodePoints(`Scheduled gift ${charge.occurrence} to ${campaign.title}`, 1000) },
      }, `scheduled-pay:${gift.id}:${charge.occurrence}:${charge.completionSessionId ?? 'first'}`);
    } catch (error) {
      this.logger.warn(`payment page for scheduled gift ${gift.id} #${charge.occurrence} failed: ${(error as Error).message}`);
      throw new DomainError('payment_provider_unavailable', 'The payment page could not be opened; please try again', 502);
    }
    await this.tx.run((m) => this.repository.setCompletionSession(m, gift.id, charge.occurrence, session.id));
    if (!session.url) throw new DomainError('payment_provider_unavailable', 'The payment page could not be opened; please try again', 502);
    return { checkoutUrl: session.url };
  }

  // ----- e-mails ---------------------------------------------------------------------------------

  /** Sends a `scheduled_notice` outbox row (SCHEDULED_NOTICE_SENDER). */
  async deliver(message: RecurringNoticeMessage, options: { finalAttempt?: boolean }): Promise<'sent' | 'failed' | 'skipped'> {
    const gift = await this.repository.find(message.aggregateId);
    if (!gift) return this.mail.skip(message.outboxId, 'no such scheduled gift');
    if (!gift.donorEmail) return this.mail.skip(message.outboxId, 'donor data erased');
    const event = message.payload.event === 'payment_failed' ? 'payment_failed' : message.payload.event === 'moved' ? 'moved' : 'stopped';
    const locale = localeFor(gift.locale);
    let failed: ScheduledCharge | undefined;
    if (event === 'payment_failed') {
      failed = (await this.repository.charges(gift.id)).find((c) => c.occurrence === message.payload.occurrence);
      // Paid since (on the link) or past its grace period: no link to send.
      if (!failed || failed.settled || !failed.graceEndsAt || failed.graceEndsAt <= new Date()) return this.mail.skip(message.outboxId, 'the occurrence is no longer payable');
    }
    const campaign = await this.campaigns.findById(gift.campaignId);
    const from = event === 'moved' && typeof message.payload.fromCampaignId === 'string' ? await this.campaigns.findById(message.payload.fromCampaignId) : null;
    const mail = renderScheduledNotice({
      language: gift.locale, event, campaignTitle: campaign?.title ?? '', fromCampaignTitle: from?.title ?? null,
      amount: formatMoney(gift.amount, gift.currency, locale), schedule: scheduleWords(gift.locale, gift.kind, gift.weeks),
      day: failed ? formatDay(new Date(`${failed.localDate}T12:00:00Z`), gift.locale) : undefined,
      payLink: failed ? this.payLink(gift.id, failed.occurrence, failed.graceEndsAt!) : undefined,
      payUntil: failed ? formatDay(failed.graceEndsAt!, gift.locale) : undefined,
      cancelLink: gift.status === 'active' ? this.cancelLink(gift.id) : null,
      reason: typeof message.payload.reason === 'string' ? message.payload.reason : null,
    });
    const outcome = await this.mail.send(message.outboxId, 'scheduled-notice', {
      to: gift.donorEmail, subject: mail.subject, html: mail.html, text: mail.text, headers: { 'X-Ataa-Scheduled-Gift': gift.id },
    }, options);
    return outcome === 'already_done' ? 'skipped' : outcome;
  }
}
