import { Injectable, Logger } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import type Stripe from 'stripe';
import type { EntityManager } from 'typeorm';
import { DomainError, ForbiddenError, NotFoundError, optionalUserText, TEXT_LIMITS, truncateCodePoints } from '@ataa/common';
import { AppConfig } from '@ataa/config';
import { TransactionRunner } from '@ataa/database';
import { holdCause } from '@ataa/moderation';
import { AuditService, roleAllows, type Principal } from '@ataa/organizations';
import { formatMoney, localeFor, OutboxMailSender, OutboxService, type RecurringNoticeMessage, type RecurringNoticeSender } from '@ataa/notifications';
import { StripeGateway } from '@ataa/payments';
import { deriveLinkKey } from '@ataa/privacy';
import { DonationSyncService } from './donation-sync.service.js';
import { checkoutLocale } from './domain/checkout-locale.js';
import {
  assertLive, isFinal, nextRecurringStatus, reachedLastPayment, recurringTerms, type RecurringEndReason, type RecurringEvent, type RecurringInterval,
} from './domain/recurring-gift.js';
import { signRecurringLink, verifyRecurringLink, type RecurringLinkPurpose } from './domain/recurring-links.js';
import { renderRecurringNotice } from './domain/recurring-notice-mail.js';
import { checkGeneralFund, planCloseOutMove } from './domain/general-fund.js';
import { giftDesignation } from './domain/gift-designation.js';
import { assertAcceptsDonations, CampaignReader, type DonationCampaign } from './persistence/campaign-reader.js';
import { RecurringGiftsRepository, type RecurringGift } from './persistence/recurring-gifts.repository.js';

export interface RecurringCheckoutInput {
  frequency: string;
  amount: string;
  endDate?: string | null;
  payments?: string | null;
  donorName: string | null;
  donorEmail: string;
  anonymous: boolean;
  publicMessage: string | null;
  locale?: string;
  /** The designation the donor chose (the card gift's rule: absent → the first declared; unknown → 422 unknown_designation). */
  designation?: string | null;
  /** The donor ticked "e-mail me this campaign's updates" (stored on the series, copied onto each payment's gift). */
  updatesOptIn?: boolean;
}

/** Stripe event types that change a recurring gift. */
export const RECURRING_EVENT_TYPES = [
  'customer.subscription.created', 'customer.subscription.updated', 'customer.subscription.deleted', 'customer.subscription.paused', 'customer.subscription.resumed',
  'invoice.paid', 'invoice.payment_succeeded', 'invoice_payment.paid', 'invoice.payment_failed', 'invoice.payment_action_required',
] as const;

const idOf = (v: unknown): string | null => (typeof v === 'string' ? v : v && typeof v === 'object' && typeof (v as { id?: unknown }).id === 'string' ? (v as { id: string }).id : null);

/**
 * Recurring gifts: starts a series (Stripe Checkout in `subscription` mode with `price_data`),
 * follows it from Stripe's subscription and invoice events (read fresh from Stripe, so any order and
 * any number of deliveries give the same result), turns every paid invoice into a donation settled
 * by DonationSyncService exactly like a one-time gift (ledger, public log, receipt; the invoice id
 * is the donation's unique key), tells the donor about failed payments and the end of the series,
 * and stops series (donor's one-click link, campaign closed, erasure, end reached).
 */
@Injectable()
export class RecurringGiftsService implements RecurringNoticeSender {
  private readonly logger = new Logger('RecurringGifts');
  private readonly linkKey: Buffer;

  constructor(
    private readonly tx: TransactionRunner,
    private readonly campaigns: CampaignReader,
    private readonly repository: RecurringGiftsRepository,
    private readonly gifts: DonationSyncService,
    private readonly outbox: OutboxService,
    private readonly mail: OutboxMailSender,
    private readonly stripe: StripeGateway,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
  ) {
    this.linkKey = deriveLinkKey(config.AUTH_SECRET ?? randomBytes(32));
  }

  private get base(): string {
    return this.config.PUBLIC_BASE_URL.replace(/\/$/, '');
  }

  /** A signed single-purpose link for the series (cancel: in every receipt; card: in a failed-payment e-mail). */
  link(purpose: RecurringLinkPurpose, recurringGiftId: string): string {
    return `${this.base}/recurring/${purpose}?token=${encodeURIComponent(signRecurringLink(this.linkKey, purpose, recurringGiftId))}`;
  }

  /** The series a link names, or a 404 `link_invalid` (malformed, forged, for another purpose, expired). */
  async fromLink(purpose: RecurringLinkPurpose, token: unknown): Promise<RecurringGift & { campaignTitle: string }> {
    const check = verifyRecurringLink(this.linkKey, purpose, token);
    const gift = check.ok ? await this.repository.find(check.recurringGiftId) : null;
    if (!gift) throw new DomainError('link_invalid', 'This link is not valid or has expired', 404);
    const campaign = await this.campaigns.findById(gift.campaignId).catch(() => null);
    return { ...gift, campaignTitle: campaign?.title ?? '' };
  }

  async start(slug: string, input: RecurringCheckoutInput): Promise<{ recurringGiftId: string; checkoutUrl: string; amount: bigint; currency: string; interval: RecurringInterval }> {
    const campaign = await this.campaigns.requirePublic(slug);
    assertAcceptsDonations(campaign);
    if (input.anonymous && !campaign.allowAnonymous) throw new DomainError('anonymous_not_allowed', 'This campaign does not accept anonymous gifts', 400);
    const donorName = optionalUserText('donorName', input.donorName, { max: TEXT_LIMITS.donorName });
    const publicMessage = optionalUserText('publicMessage', input.publicMessage, { max: TEXT_LIMITS.publicMessage, multiline: true });
    const terms = recurringTerms({ frequency: input.frequency, amount: input.amount, endDate: input.endDate, payments: input.payments }, campaign, new Date());
    // Every payment of the series is a gift to this designation (stored on the series, copied onto each invoice's gift).
    const designation = giftDesignation(campaign, input.designation);
    if (terms.endsAt && campaign.endsAt && terms.endsAt > campaign.endsAt) {
      // Not refused: the series stops when the campaign closes anyway (and the donor is told).
      terms.endsAt = null;
    }
    const held = holdCause(publicMessage, { holdLinks: this.config.MODERATION_HOLD_LINKS, words: this.config.MODERATION_HOLD_WORDS }) !== null;
    const id = randomUUID();
    const locale = input.locale === 'ar' || input.locale === 'en' ? input.locale : campaign.language;
    await this.repository.insert({
      id, campaignId: campaign.id, organizationId: campaign.organizationId, currency: campaign.currency, amount: terms.amount, interval: terms.interval,
      platformFeeBps: campaign.platformFeeBps, donorName, donorEmail: input.donorEmail, anonymous: input.anonymous, publicMessage,
      messageReview: held ? 'held' : null, locale, endsAt: terms.endsAt, maxPayments: terms.maxPayments, designation, updatesOptIn: input.updatesOptIn === true,
    });
    const metadata = { recurring_gift_id: id, campaign_id: campaign.id, ...(designation ? { designation } : {}) };
    let session: Stripe.Checkout.Session;
    try {
      // A Customer per series (the platform can delete it when the donor asks to be erased).
      const customer = await this.stripe.createCustomer({
        email: input.donorEmail, ...(donorName ? { name: donorName } : {}), metadata,
        ...(this.config.STRIPE_TEST_CLOCK ? { test_clock: this.config.STRIPE_TEST_CLOCK } : {}),
      }, `recurring-customer:${id}`);
      session = await this.stripe.createCheckoutSession({
        mode: 'subscription',
        customer: customer.id,
        line_items: [{
          quantity: 1,
          price_data: {
            currency: campaign.currency, unit_amount: Number(terms.amount), recurring: { interval: terms.interval },
            product_data: { name: truncateCodePoints(campaign.title, 250) },
          },
        }],
        client_reference_id: id,
        success_url: `${this.base}/c/${campaign.slug}/thanks?recurring=${id}`,
        cancel_url: `${this.base}/c/${campaign.slug}?cancelled=1`,
        metadata,
        locale: checkoutLocale(locale),
        subscription_data: { metadata, description: truncateCodePoints(`Recurring gift to ${campaign.title}`, 500) },
      }, `recurring-checkout:${id}`);
    } catch (error) {
      this.logger.warn(`checkout session for recurring gift ${id} failed: ${(error as Error).message}`);
      throw new DomainError('payment_provider_unavailable', 'The payment page could not be opened; please try again', 502);
    }
    await this.repository.setCheckoutSession(id, session.id, idOf(session.customer));
    if (!session.url) throw new DomainError('payment_provider_unavailable', 'The payment page could not be opened; please try again', 502);
    return { recurringGiftId: id, checkoutUrl: session.url, amount: terms.amount, currency: campaign.currency, interval: terms.interval };
  }

  /** The dispatcher's handler for RECURRING_EVENT_TYPES: reads the subscription or invoice fresh and applies it. */
  async handleEvent(event: Stripe.Event): Promise<string> {
    const o = event.data.object as unknown as Record<string, unknown>;
    if (event.type.startsWith('customer.subscription.')) return this.syncSubscription(String(o.id));
    const invoiceId = o.object === 'invoice_payment' ? idOf(o.invoice) : idOf(o.id);
    if (!invoiceId) return 'no_invoice';
    return this.syncInvoice(invoiceId, event.type === 'invoice.payment_failed' || event.type === 'invoice.payment_action_required');
  }

  /** Brings the series in line with its Stripe subscription (status, end, a stop). */
  async syncSubscription(subscriptionId: string): Promise<string> {
    const sub = await this.stripe.retrieveSubscription(subscriptionId);
    const gift = (await this.repository.find(sub.metadata?.recurring_gift_id)) ?? (await this.repository.findBySubscription(sub.id));
    if (!gift) return 'no_recurring_gift';
    await this.tx.run((m) => this.repository.link(m, gift.id, sub.id, idOf(sub.customer)));
    if (isFinal(gift.status) && sub.status !== 'canceled' && sub.status !== 'incomplete_expired') {
      // Stopped here before Stripe made the subscription (cancelled while the donor was paying): stop it there too.
      await this.cancelAtStripe(sub.id);
      return gift.status;
    }
    if (sub.status === 'canceled' || sub.status === 'incomplete_expired') {
      const reason: RecurringEndReason = gift.endReason ?? (sub.cancellation_details?.reason === 'payment_failed' ? 'payment_failed' : (gift.endsAt && sub.cancel_at) ? 'schedule' : 'stripe');
      return this.stop(gift, reason);
    }
    const status = nextRecurringStatus(gift.status, { kind: 'stripe_status', status: sub.status, pausedCollection: sub.pause_collection !== null && sub.pause_collection !== undefined });
    if (status !== gift.status) await this.tx.run((m) => this.repository.setStatus(m, gift.id, status, null));
    // An end date: Stripe cancels the subscription then.
    if (gift.endsAt && !sub.cancel_at && (sub.status === 'active' || sub.status === 'past_due')) {
      await this.stripe.updateSubscription(sub.id, { cancel_at: Math.floor(gift.endsAt.getTime() / 1000), proration_behavior: 'none' }, `recurring-end:${gift.id}`);
    }
    return status;
  }

  /**
   * A paid invoice becomes the series' gift for it (once: the invoice id is unique) and is settled
   * by DonationSyncService from Stripe's PaymentIntent and charge, as a one-time gift is; a failed
   * payment marks the series past due and e-mails the donor a link to update the card (once per attempt).
   */
  async syncInvoice(invoiceId: string, failure: boolean): Promise<string> {
    const invoice = await this.stripe.retrieveInvoice(invoiceId, { expand: ['payments'] });
    const details = invoice.parent?.subscription_details ?? null;
    const subscriptionId = idOf(details?.subscription);
    let gift = await this.repository.find(details?.metadata?.recurring_gift_id);
    if (!gift && subscriptionId) gift = await this.repository.findBySubscription(subscriptionId);
    if (!gift) return 'no_recurring_gift';
    const series = gift;
    if (subscriptionId) await this.tx.run((m) => this.repository.link(m, series.id, subscriptionId, idOf(invoice.customer)));
    if (invoice.status === 'paid' && invoice.amount_paid > 0) {
      const payment = (invoice.payments?.data ?? []).find((p) => p.status === 'paid');
      const paymentIntentId = idOf(payment?.payment?.payment_intent);
      if (!paymentIntentId) return 'awaiting_payment';
      const donationId = await this.tx.run((m) => this.repository.ensureInvoiceGift(m, series, {
        id: randomUUID(), invoiceId: invoice.id!, paymentIntentId, amount: BigInt(invoice.amount_paid), currency: invoice.currency,
      }));
      const giftStatus = await this.gifts.sync(donationId);
      const paid = await this.tx.run(async (m) => {
        const locked = (await this.repository.find(series.id, m, true))!;
        const next = nextRecurringStatus(locked.status, { kind: 'paid' });
        if (next !== locked.status) await this.repository.setStatus(m, locked.id, next, null);
        return this.repository.countPayments(m, locked.id);
      });
      if (reachedLastPayment(series.maxPayments, paid)) await this.stopByPlatform(series.id, 'schedule');
      return `gift_${giftStatus}`;
    }
    if (failure && invoice.status === 'open') {
      const attempt = invoice.attempt_count ?? 0;
      const willRetry = invoice.next_payment_attempt !== null && invoice.next_payment_attempt !== undefined;
      await this.apply(series.id, { kind: 'payment_failed' }, { event: 'payment_failed', invoiceId: invoice.id, attempt, willRetry }, `recurring_notice:failed:${invoice.id}:${attempt}`,
        (m, locked) => this.repository.recordFailure(m, locked, { invoiceId: invoice.id!, attempt, amount: BigInt(invoice.amount_due), currency: invoice.currency, willRetry }));
      return 'payment_failed';
    }
    return 'no_change';
  }

  /** Applies an event under the series' row lock, with an optional notice (once per dedupe key). */
  private async apply(
    id: string, event: RecurringEvent, notice: Record<string, unknown> | null, dedupeKey: string | null,
    record?: (m: EntityManager, gift: RecurringGift) => Promise<void>,
  ): Promise<string> {
    return this.tx.run(async (m) => {
      const gift = await this.repository.find(id, m, true);
      if (!gift) return 'no_recurring_gift';
      if (record) await record(m, gift);
      const next = nextRecurringStatus(gift.status, event);
      const stopping = !isFinal(gift.status) && isFinal(next);
      if (next !== gift.status) await this.repository.setStatus(m, gift.id, next, event.kind === 'stop' ? event.reason : null);
      if (notice && (!isFinal(gift.status) || event.kind !== 'stop')) {
        await this.outbox.enqueue(m, { kind: 'recurring_notice', aggregateId: gift.id, payload: notice, dedupeKey });
      }
      return stopping || next !== gift.status ? next : gift.status;
    });
  }

  /** The series stopped (Stripe's subscription is gone): final state, and the donor is told once. */
  private stop(gift: RecurringGift, reason: RecurringEndReason): Promise<string> {
    return this.apply(gift.id, { kind: 'stop', reason }, { event: 'stopped', reason }, `recurring_notice:stopped:${gift.id}`);
  }

  private async cancelAtStripe(subscriptionId: string): Promise<void> {
    const sub = await this.stripe.retrieveSubscription(subscriptionId);
    if (sub.status === 'canceled' || sub.status === 'incomplete_expired') return;
    await this.stripe.cancelSubscription(subscriptionId);
  }

  /**
   * Stops a series for `reason` (the donor's link, the campaign closed, erasure, its end reached):
   * the reason is recorded, Stripe's subscription cancelled (its deletion event then finds it
   * stopped), the series made final and the donor told. Idempotent: a stopped series stays as it is.
   */
  async stopByPlatform(id: string, reason: RecurringEndReason): Promise<string> {
    const gift = await this.repository.find(id);
    if (!gift) throw new NotFoundError('Recurring gift', 'recurring_gift_not_found');
    if (isFinal(gift.status)) return gift.status;
    await this.tx.run((m) => this.repository.setEndReason(m, gift.id, reason));
    if (gift.stripeSubscriptionId) {
      try {
        await this.cancelAtStripe(gift.stripeSubscriptionId);
      } catch (error) {
        this.logger.warn(`recurring gift ${id}: cancelling subscription failed: ${(error as Error).message}`);
        throw new DomainError('payment_provider_unavailable', 'The recurring gift could not be cancelled right now; please try again', 502);
      }
    } else if (gift.stripeCheckoutSessionId) {
      // Not paid yet: the checkout page stops working (a subscription made meanwhile is cancelled when its event comes).
      await this.stripe.expireCheckoutSession(gift.stripeCheckoutSessionId).catch(() => undefined);
    }
    return this.stop({ ...gift, endReason: reason }, reason);
  }

  /** The donor's one-click cancel (a signed link): idempotent. */
  async cancelByLink(token: unknown): Promise<{ status: string; gift: RecurringGift & { campaignTitle: string } }> {
    const gift = await this.fromLink('cancel', token);
    const status = await this.stopByPlatform(gift.id, 'donor');
    return { status, gift };
  }

  /** A billing portal session for the series' customer, made when the update-card link is opened. */
  async cardUpdateUrl(token: unknown): Promise<string> {
    const gift = await this.fromLink('card', token);
    if (!gift.stripeCustomerId || isFinal(gift.status)) throw new DomainError('recurring_gift_stopped', 'This recurring gift has stopped', 409);
    try {
      const portal = await this.stripe.createBillingPortalSession({ customer: gift.stripeCustomerId, return_url: `${this.base}/c/${encodeURIComponent((await this.campaigns.findById(gift.campaignId))?.slug ?? '')}` });
      return portal.url;
    } catch (error) {
      this.logger.warn(`billing portal for recurring gift ${gift.id} failed: ${(error as Error).message}`);
      throw new DomainError('payment_provider_unavailable', 'The card page could not be opened; please try again', 502);
    }
  }

  /** The donor page: pause or resume collection (Stripe's pause_collection), idempotent. */
  async setPaused(id: string, paused: boolean): Promise<string> {
    const gift = await this.repository.find(id);
    if (!gift) throw new NotFoundError('Recurring gift', 'recurring_gift_not_found');
    assertLive(gift.status);
    if ((gift.status === 'paused') === paused) return gift.status;
    await this.stripe.updateSubscription(gift.stripeSubscriptionId!, { pause_collection: paused ? { behavior: 'void' } : '' }, `recurring-pause:${id}:${paused ? 'on' : 'off'}:${randomUUID()}`);
    return this.apply(id, { kind: paused ? 'pause' : 'resume' }, null, null);
  }

  /** The donor page: a new amount from the next payment (validated as a new gift's). */
  async changeAmount(id: string, amount: string): Promise<bigint> {
    const gift = await this.repository.find(id);
    if (!gift) throw new NotFoundError('Recurring gift', 'recurring_gift_not_found');
    assertLive(gift.status);
    const campaign = await this.campaigns.findById(gift.campaignId);
    if (!campaign) throw new NotFoundError('Recurring gift', 'recurring_gift_not_found');
    const terms = recurringTerms({ frequency: gift.interval === 'month' ? 'monthly' : 'weekly', amount }, { ...campaign, currency: gift.currency }, new Date());
    if (terms.amount === gift.amount) return gift.amount;
    const sub = await this.stripe.retrieveSubscription(gift.stripeSubscriptionId!);
    const item = sub.items.data[0];
    await this.stripe.updateSubscription(sub.id, {
      proration_behavior: 'none',
      items: [{ id: item.id, price_data: { currency: gift.currency, product: idOf(item.price.product)!, unit_amount: Number(terms.amount), recurring: { interval: gift.interval } } }],
    }, `recurring-amount:${id}:${terms.amount}`);
    await this.tx.run((m) => this.repository.setAmount(m, id, terms.amount));
    return terms.amount;
  }

  /**
   * The live series of campaigns that ended or were cancelled (close-out, manual end): each moves to
   * the organization's general fund where it chose one that can take it (planCloseOutMove), else it
   * is stopped; the donor is told either way. Answers how many were handled.
   */
  async stopForClosedCampaigns(campaignId?: string, limit = 100): Promise<number> {
    const ids = await this.repository.liveOfClosedCampaigns(limit, campaignId);
    let handled = 0;
    for (const id of ids) {
      try {
        const gift = await this.repository.find(id);
        if (!gift || isFinal(gift.status)) continue;
        const fundId = await this.repository.generalFundOf(gift.organizationId);
        const fund = fundId ? await this.campaigns.findById(fundId) : null;
        const plan = planCloseOutMove(gift, fund, new Date());
        if (plan.kind === 'move') await this.moveToFund(gift, fund!, plan.idempotencyKey, plan.designation);
        else await this.stopByPlatform(id, 'campaign_closed');
        handled += 1;
      } catch (error) {
        this.logger.warn(`recurring gift ${id} of a closed campaign could not be moved or stopped: ${(error as Error).message}`);
      }
    }
    return handled;
  }

  /**
   * Stripe first (the subscription's metadata names the fund, under an idempotency key, so a retry
   * after a crash asks the same), then the row and the donor's notice in one transaction. Invoices
   * paid from now post to the fund (a gift takes the series' campaign); past gifts stay where they are.
   */
  private async moveToFund(gift: RecurringGift, fund: DonationCampaign, idempotencyKey: string, designation: string | null): Promise<void> {
    await this.stripe.updateSubscription(gift.stripeSubscriptionId!, {
      metadata: { recurring_gift_id: gift.id, campaign_id: fund.id, moved_from_campaign_id: gift.campaignId, ...(designation ? { designation } : {}) },
    }, idempotencyKey);
    await this.tx.run(async (m) => {
      if (!(await this.repository.move(m, gift.id, gift.campaignId, fund.id, fund.platformFeeBps, designation))) return;
      await this.outbox.enqueue(m, {
        kind: 'recurring_notice', aggregateId: gift.id, payload: { event: 'moved', fromCampaignId: gift.campaignId, toCampaignId: fund.id },
        dedupeKey: `recurring_notice:moved:${gift.id}:${fund.id}`,
      });
    });
  }

  /** The organization's general fund: where its closed campaigns' recurring gifts move (null: they are cancelled). */
  async generalFund(organizationId: string): Promise<DonationCampaign | null> {
    const id = await this.repository.generalFundOf(organizationId);
    return id ? this.campaigns.findById(id) : null;
  }

  /**
   * Names (or clears, with null) the general fund: the organization's own campaign, published and
   * open; written with its audit entry (`recurring.general_fund`) in one transaction. Owner or admin.
   */
  async setGeneralFund(principal: Principal, campaignId: string | null): Promise<DonationCampaign | null> {
    if (!roleAllows(principal.role, ['admin'])) throw new ForbiddenError();
    const organizationId = principal.organizationId;
    let campaign: DonationCampaign | null = null;
    if (campaignId !== null) {
      campaign = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(campaignId) ? await this.campaigns.findById(campaignId) : null;
      checkGeneralFund(organizationId, campaign, new Date());
    }
    await this.tx.run(async (m) => {
      const before = await this.repository.generalFundOf(organizationId);
      await this.repository.setGeneralFund(m, organizationId, campaign?.id ?? null);
      await this.audit.record(m, {
        organizationId, actor: principal.actor, action: 'recurring.general_fund', targetType: 'organization', targetId: organizationId,
        details: { from: before, to: campaign?.id ?? null },
      });
    });
    return campaign;
  }

  /**
   * The erasure's first step (RecurringGiftCanceller): stops the series behind these donations and
   * those the request named (a series whose first payment never completed has no gift): cancelled at
   * Stripe, or its Checkout page expired.
   */
  async cancelFor(donationIds: readonly string[], series?: { recurringGiftIds: readonly string[] }): Promise<number> {
    const ids = await this.repository.liveForDonations(donationIds, series?.recurringGiftIds ?? []);
    for (const id of ids) await this.stopByPlatform(id, 'erasure');
    return ids.length;
  }

  /** The thank-you page's view of a series of this campaign (null: not this campaign's, or no such series). */
  async statusForThanks(campaignId: string, id: string): Promise<RecurringGift | null> {
    const gift = await this.repository.find(id);
    return gift && gift.campaignId === campaignId ? gift : null;
  }

  listForEmail(email: string) {
    return this.repository.listForEmail(email);
  }

  /** Sends a `recurring_notice` outbox row (RECURRING_NOTICE_SENDER). */
  async deliver(message: RecurringNoticeMessage, options: { finalAttempt?: boolean }): Promise<'sent' | 'failed' | 'skipped'> {
    const gift = await this.repository.find(message.aggregateId);
    if (!gift) return this.mail.skip(message.outboxId, 'no such recurring gift');
    // Erased: there is no address to write to.
    if (!gift.donorEmail) return this.mail.skip(message.outboxId, 'donor data erased');
    const event = message.payload.event === 'payment_failed' ? 'payment_failed' : message.payload.event === 'moved' ? 'moved' : 'stopped';
    // A failed payment already made good (a retry or the donor paid), or a series that stopped: no card link to send.
    if (event === 'payment_failed' && gift.status !== 'past_due') return this.mail.skip(message.outboxId, `the recurring gift is ${gift.status}`);
    const campaign = await this.campaigns.findById(gift.campaignId);
    const from = event === 'moved' && typeof message.payload.fromCampaignId === 'string' ? await this.campaigns.findById(message.payload.fromCampaignId) : null;
    const mail = renderRecurringNotice({
      language: gift.locale, event, campaignTitle: campaign?.title ?? '', fromCampaignTitle: from?.title ?? null, amount: formatMoney(gift.amount, gift.currency, localeFor(gift.locale)),
      link: event === 'payment_failed' ? this.link('card', gift.id) : null, reason: typeof message.payload.reason === 'string' ? message.payload.reason : null,
      willRetry: message.payload.willRetry === true,
    });
    const outcome = await this.mail.send(message.outboxId, 'recurring-notice', {
      to: gift.donorEmail, subject: mail.subject, html: mail.html, text: mail.text, headers: { 'X-Ataa-Recurring-Gift': gift.id },
    }, options);
    return outcome === 'already_done' ? 'skipped' : outcome;
  }
}
