import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type Stripe from 'stripe';
import { DomainError, optionalUserText, TEXT_LIMITS, truncateCodePoints } from '@ataa/common';
import { AppConfig } from '@ataa/config';
import { TransactionRunner } from '@ataa/database';
import { isCardError, isInvalidRequest, StripeGateway } from '@ataa/payments';
import { DonationSyncService } from './donation-sync.service.js';
import { checkoutLocale } from './domain/checkout-locale.js';
import { donationAmount } from './domain/donation-amount.js';
import { scheduledChargeKey, scheduleOccurrences, type Occurrence, type ScheduleKind } from './domain/scheduled-series.js';
import { assertAcceptsDonations, CampaignReader } from './persistence/campaign-reader.js';
import { ScheduledGiftsRepository, type ScheduledGift } from './persistence/scheduled-gifts.repository.js';

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
export class ScheduledGiftsService {
  private readonly logger = new Logger('ScheduledGifts');

  constructor(
    private readonly tx: TransactionRunner,
    private readonly campaigns: CampaignReader,
    private readonly repository: ScheduledGiftsRepository,
    private readonly gifts: DonationSyncService,
    private readonly stripe: StripeGateway,
    private readonly config: AppConfig,
  ) {}

  /** Validates the schedule and amount, plans the occurrences, and opens Checkout in `setup` mode to save the card. */
  async start(slug: string, input: ScheduledGiftInput, now = new Date()): Promise<{ scheduledGiftId: string; checkoutUrl: string; occurrences: Occurrence[] }> {
    const campaign = await this.campaigns.requirePublic(slug);
    assertAcceptsDonations(campaign);
    if (input.anonymous && !campaign.allowAnonymous) throw new DomainError('anonymous_not_allowed', 'This campaign does not accept anonymous gifts', 400);
    const donorName = optionalUserText('donorName', input.donorName, { max: TEXT_LIMITS.donorName });
    const amount = donationAmount(input.amount, false, campaign).gross;
    const occurrences = scheduleOccurrences(input.kind, { weeks: input.weeks, timeZone: input.timeZone }, now);
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
      donorEmail: input.donorEmail, anonymous: input.anonymous, locale,
    }, occurrences);
    const base = this.config.PUBLIC_BASE_URL.replace(/\/$/, '');
    const metadata = { scheduled_gift_id: id, campaign_id: campaign.id };
    try {
      const customer = await this.stripe.createCustomer({ email: input.donorEmail, ...(donorName ? { name: donorName } : {}), metadata }, `scheduled-customer:${id}`);
      const session = await this.stripe.createCheckoutSession({
        mode: 'setup', currency: campaign.currency, customer: customer.id, client_reference_id: id,
        success_url: `${base}/c/${campaign.slug}?scheduled=${id}`, cancel_url: `${base}/c/${campaign.slug}?cancelled=1`,
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
        await this.repository.finish(gift, occurrence, 'failed', (error as { code?: string }).code ?? 'card_declined');
        return 'failed';
      }
      this.logger.warn(`scheduled gift ${gift.id} #${occurrence}: outcome unknown (${(error as Error).message}); asked again under the same key on the next run`);
      return 'unknown';
    }
    await this.tx.run((m) => this.repository.linkPaymentIntent(m, gift, occurrence, donationId, pi.id));
    if (pi.status !== 'succeeded') {
      if (pi.status === 'processing') return 'unknown';
      await this.repository.finish(gift, occurrence, 'failed', pi.status);
      return 'failed';
    }
    // The one-time gift's settlement: ledger, public log and receipt, keyed by the charge.
    const status = await this.gifts.sync(donationId);
    if (status === 'pending') return 'unknown';
    await this.repository.finish(gift, occurrence, 'paid', null);
    return 'charged';
  }
}
