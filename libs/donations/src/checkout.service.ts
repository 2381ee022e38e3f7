import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type Stripe from 'stripe';
import { DomainError, optionalUserText, TEXT_LIMITS, truncateCodePoints } from '@ataa/common';
import { AppConfig } from '@ataa/config';
import { holdCause } from '@ataa/moderation';
import { StripeGateway } from '@ataa/payments';
import { checkoutLocale } from './domain/checkout-locale.js';
import { donationAmount } from './domain/donation-amount.js';
import { giftDesignation } from './domain/gift-designation.js';
import { assertAcceptsDonations, CampaignReader, type DonationCampaign } from './persistence/campaign-reader.js';
import { DonationRepository } from './persistence/donation.repository.js';

export interface CheckoutInput {
  /** Major units as typed ("25", "25.50"). */
  amount: string;
  coverFees: boolean;
  donorName: string | null;
  donorEmail: string;
  anonymous: boolean;
  publicMessage: string | null;
  locale?: string;
  /** The donor asked for this campaign's updates by e-mail (stored on the gift). */
  updatesOptIn?: boolean;
  /** A designation the campaign declared (default: its first); none declared: only absent or `general`. */
  designation?: string | null;
}

export interface CheckoutResult {
  donationId: string;
  checkoutUrl: string;
  amount: bigint;
  currency: string;
}

/**
 * Starts a gift: validates the amount for the currency and the campaign, records the pending
 * donation, then creates the Stripe Checkout Session with an idempotency key derived from the
 * donation id (a retried request never creates a second session for the same donation).
 */
@Injectable()
export class CheckoutService {
  private readonly logger = new Logger('CheckoutService');

  constructor(
    private readonly donations: DonationRepository,
    private readonly campaigns: CampaignReader,
    private readonly config: AppConfig,
    private readonly stripe: StripeGateway,
  ) {}

  async start(slug: string, input: CheckoutInput): Promise<CheckoutResult> {
    const campaign = await this.campaigns.requirePublic(slug);
    assertAcceptsDonations(campaign);
    if (input.anonymous && !campaign.allowAnonymous) {
      throw new DomainError('anonymous_not_allowed', 'This campaign does not accept anonymous gifts', 400);
    }
    // The same policy and limits the form applies and the public ledger posts under: once paid, the
    // gift must post, so nothing the ledger could not take is accepted here.
    const donorName = optionalUserText('donorName', input.donorName, { max: TEXT_LIMITS.donorName });
    const publicMessage = optionalUserText('publicMessage', input.publicMessage, { max: TEXT_LIMITS.publicMessage, multiline: true });
    const amount = donationAmount(input.amount, input.coverFees, campaign);
    const designation = giftDesignation(campaign, input.designation);
    // The automatic filter: a message with a link or a listed word is held for review; the gift's
    // public entry is then appended without it, so it is never in the public log in clear.
    const held = holdCause(publicMessage, { holdLinks: this.config.MODERATION_HOLD_LINKS, words: this.config.MODERATION_HOLD_WORDS }) !== null;
    const id = randomUUID();
    const locale = input.locale === 'ar' || input.locale === 'en' ? input.locale : campaign.language;
    await this.donations.insertPending({
      id, campaignId: campaign.id, organizationId: campaign.organizationId, currency: campaign.currency, amount: amount.gross, chosenAmount: amount.chosen, coveredFees: amount.coveredFees,
      platformFeeBps: campaign.platformFeeBps, donorName, donorEmail: input.donorEmail, anonymous: input.anonymous, publicMessage, locale, messageReview: held ? 'held' : null,
      updatesOptIn: input.updatesOptIn === true, designation,
    });
    const base = this.config.PUBLIC_BASE_URL.replace(/\/$/, '');
    const metadata = { donation_id: id, campaign_id: campaign.id, ...(designation ? { designation } : {}) };
    let session: Stripe.Checkout.Session;
    try {
      session = await this.stripe.createCheckoutSession(
        {
          mode: 'payment',
          line_items: [{
            quantity: 1,
            price_data: { currency: campaign.currency, unit_amount: Number(amount.gross), product_data: { name: truncateCodePoints(campaign.title, 250) } },
          }],
          customer_email: input.donorEmail,
          // A Customer per gift: what the donor typed lives on a Stripe object the platform can delete
          // through the API when the donor asks to be erased (payment mode creates none by default).
          customer_creation: 'always',
          client_reference_id: id,
          success_url: `${base}/c/${campaign.slug}/thanks?donation=${id}`,
          cancel_url: `${base}/c/${campaign.slug}?cancelled=1`,
          metadata,
          locale: checkoutLocale(locale),
          payment_intent_data: { transfer_group: campaign.id, metadata, description: truncateCodePoints(`Gift to ${campaign.title}`, 1000) },
        },
        `checkout:${id}`,
      );
    } catch (error) {
      this.logger.warn(`checkout session for donation ${id} failed: ${(error as Error).message}`);
      throw new DomainError('payment_provider_unavailable', 'The payment page could not be opened; please try again', 502);
    }
    const paymentIntent = typeof session.payment_intent === 'string' ? session.payment_intent : session.payment_intent?.id ?? null;
    await this.donations.linkCheckoutSession(id, session.id, paymentIntent);
    if (!session.url) throw new DomainError('payment_provider_unavailable', 'The payment page could not be opened; please try again', 502);
    return { donationId: id, checkoutUrl: session.url, amount: amount.gross, currency: campaign.currency };
  }
}

