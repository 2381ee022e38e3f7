import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type Stripe from 'stripe';
import { ConflictError, DomainError, ForbiddenError, NotFoundError, truncateCodePoints } from '@ataa/common';
import { AppConfig } from '@ataa/config';
import { TransactionRunner } from '@ataa/database';
import { AuditService, type Principal } from '@ataa/organizations';
import { StripeGateway } from '@ataa/payments';
import { checkoutLocale } from './domain/checkout-locale.js';
import { giftDesignation } from './domain/gift-designation.js';
import { DonationRepository } from './persistence/donation.repository.js';
import { type CardExpiryOutcome, type DueCardExpiry, MatchingRepository } from './persistence/matching.repository.js';
import { OfflineGiftRepository } from './persistence/offline-gift.repository.js';
import { OFFLINE_GIFT_ROLES } from './offline-gifts.service.js';

/** The actor of the worker's audit lines for expired obsolete sessions. */
export const MATCHING_EXPIRY_ACTOR = 'system:matching';

/** Where a sponsor's card payment may go: the campaigns an offline collection is recorded to. */
const COLLECTING_STATUSES = ['published', 'paused'];

export interface CardCollectionResult {
  url: string | null;
  sessionId: string;
  amount: bigint;
  currency: string;
  donationId: string;
  created: boolean;
}

/**
 * Collection by card (issue 21, item 6; docs/matching.md): opens a Stripe Checkout Session for the
 * sponsor to pay what an offer owes now (accrued − collected), as a pending donation from the
 * sponsor linked to the offer (`matching_card_requests`). When it settles through the ordinary
 * webhook path, MatchingService.afterSettlement records the collection and never matches it.
 */
@Injectable()
export class MatchingCardService {
  private readonly logger = new Logger('MatchingCardService');

  constructor(
    private readonly donations: DonationRepository,
    private readonly tx: TransactionRunner,
    private readonly repository: MatchingRepository,
    private readonly offlineRepository: OfflineGiftRepository,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
    private readonly stripe: StripeGateway,
  ) {}

  async collectByCard(principal: Principal, campaignId: string, offerId: string, sponsorEmail: string | null, idempotencyKey: string | null): Promise<CardCollectionResult> {
    if (!(OFFLINE_GIFT_ROLES as readonly string[]).includes(principal.role)) {
      throw new ForbiddenError('forbidden', 'Only the owner or a finance member creates or collects matching offers');
    }
    const key = idempotencyKey ?? randomUUID();
    const opened = await this.tx.run(async (m) => {
      const campaign = await this.offlineRepository.campaign(principal.organizationId, campaignId, m);
      if (!campaign) throw new NotFoundError('Campaign');
      // The offer's row lock: a collection (offline or a settling card payment) and this read queue.
      const offer = await this.repository.find(principal.organizationId, campaignId, offerId, m, true);
      if (!offer) throw new NotFoundError('Matching offer');
      await this.repository.lockCardKey(m, principal.organizationId, key);
      const earlier = await this.repository.cardRequestByKey(m, principal.organizationId, key);
      if (earlier) {
        if (earlier.offerId !== offerId) throw new ConflictError('idempotency_key_reused', 'This idempotency key was used for another matching collection');
        return { ...earlier, campaign, offer, created: false };
      }
      // The offline gifts' rule: money is recorded to a published or paused campaign (not a draft, not one closing out).
      if (!COLLECTING_STATUSES.includes(campaign.status)) {
        throw new ConflictError('campaign_not_taking_offline_gifts', 'A sponsor\'s payment is collected for a published or paused campaign', { campaignStatus: campaign.status });
      }
      const amount = offer.accrued - offer.collected;
      if (amount <= 0n) {
        throw new ConflictError('matching_nothing_to_collect', 'The sponsor owes nothing more on this offer now (nothing accrued since the last collection)', {
          accrued: offer.accrued.toString(), collected: offer.collected.toString(),
        });
      }
      const email = sponsorEmail ?? (await this.memberEmail(principal));
      if (!email) throw new DomainError('matching_sponsor_email_required', 'sponsorEmail is required when an API key collects by card (the receipt goes to it)', 400, { field: 'sponsorEmail' });
      const platformFeeBps = await this.donations.campaignPlatformFeeBps(m, campaignId);
      const donationId = randomUUID();
      // The sponsor's payment: never anonymous, no public message, the campaign's default designation.
      await this.donations.insertSponsorPayment(m, {
        id: donationId, campaignId, organizationId: principal.organizationId, currency: offer.currency, amount, platformFeeBps, sponsorName: offer.sponsorName, email,
        locale: campaign.language, designation: giftDesignation(campaign, null),
      });
      await this.repository.insertCardRequest(m, { donationId, offerId, organizationId: principal.organizationId, idempotencyKey: key, amount, requestedBy: principal.actor });
      await this.audit.record(m, {
        organizationId: principal.organizationId, actor: principal.actor, action: 'matching_offer.collect_by_card', targetType: 'matching_offer', targetId: offerId,
        details: { campaignId, donationId, amount: amount.toString(), currency: offer.currency },
      });
      return { donationId, offerId, amount, sessionId: null as string | null, campaign, offer, created: true };
    });
    const { campaign, offer, donationId, amount } = opened;
    let session: Stripe.Checkout.Session;
    try {
      if (opened.sessionId) {
        session = await this.stripe.retrieveCheckoutSession(opened.sessionId);
      } else {
        const row = await this.donations.donorEmailAndDesignation(donationId);
        const base = this.config.PUBLIC_BASE_URL.replace(/\/$/, '');
        const metadata = { donation_id: donationId, campaign_id: campaign.id, matching_offer_id: offer.id, ...(row.designation ? { designation: row.designation } : {}) };
        // Same parameters and Stripe idempotency key on a retry (after a failure between the two
        // steps): Stripe answers the session it created the first time.
        session = await this.stripe.createCheckoutSession(
          {
            mode: 'payment',
            line_items: [{
              quantity: 1,
              price_data: { currency: offer.currency, unit_amount: Number(amount), product_data: { name: truncateCodePoints(`${offer.sponsorName}: matching gifts to ${campaign.title}`, 250) } },
            }],
            customer_email: row.donor_email,
            customer_creation: 'always',
            client_reference_id: donationId,
            success_url: `${base}/c/${campaign.slug}/thanks?donation=${donationId}`,
            cancel_url: `${base}/c/${campaign.slug}`,
            metadata,
            locale: checkoutLocale(campaign.language),
            payment_intent_data: { transfer_group: campaign.id, metadata, description: truncateCodePoints(`Matching gifts to ${campaign.title}`, 1000) },
          },
          `matching-card:${donationId}`,
        );
        const paymentIntent = typeof session.payment_intent === 'string' ? session.payment_intent : session.payment_intent?.id ?? null;
        await this.donations.linkCheckoutSessionOnce(donationId, session.id, paymentIntent);
      }
    } catch (error) {
      this.logger.warn(`matching card session for donation ${donationId} failed: ${(error as Error).message}`);
      throw new DomainError('payment_provider_unavailable', 'The payment page could not be opened; please try again with the same key', 502);
    }
    return { url: session.url ?? null, sessionId: session.id, amount, currency: offer.currency, donationId, created: opened.created };
  }

  /**
   * One pass of the worker (docs/matching.md "Collection by card"): expires on Stripe the obsolete
   * sessions recorded in `matching_card_expiries` (a collection raised the offer's `collected` past
   * what they ask), outside any transaction. At least once: a failure leaves the row for a later
   * pass (growing pause); Stripe refusing a session no longer open is read back and recorded as done
   * (`already_expired`, or `completed`: paid meanwhile, its payment settles through the Excess path).
   * Stripe's `checkout.session.expired` webhook then ends the sponsor's pending donation as any
   * expired checkout's. Returns how many rows were finished.
   */
  async expireDue(limit = 50): Promise<number> {
    let finished = 0;
    for (const due of await this.repository.dueCardExpiries(limit)) {
      const outcome = await this.expireOnStripe(due);
      if (!outcome) continue;
      const recorded = await this.tx.run(async (m) => {
        if (!(await this.repository.finishCardExpiry(m, due.donationId, outcome))) return false; // another worker recorded it
        await this.audit.record(m, {
          organizationId: due.organizationId, actor: MATCHING_EXPIRY_ACTOR, action: 'matching_offer.card_session_expired', targetType: 'matching_offer', targetId: due.offerId,
          details: { campaignId: due.campaignId, donationId: due.donationId, sessionId: due.sessionId, amount: due.amount.toString(), owed: due.owed.toString(), currency: due.currency, outcome },
        });
        return true;
      });
      if (recorded) finished++;
    }
    return finished;
  }

  /** Expires one session; null when Stripe could not tell (the row is retried later). */
  private async expireOnStripe(due: DueCardExpiry): Promise<CardExpiryOutcome | null> {
    try {
      await this.stripe.expireCheckoutSession(due.sessionId);
      return 'expired';
    } catch (error) {
      // Refused: read the session back to know whether it is no longer open (harmless, done) or Stripe failed.
      try {
        const session = await this.stripe.retrieveCheckoutSession(due.sessionId);
        if (session.status === 'expired') return 'already_expired';
        if (session.status === 'complete') return 'completed';
      } catch {
        // Stripe unreachable: retried below.
      }
      this.logger.warn(`matching card session ${due.sessionId} (donation ${due.donationId}) not expired yet: ${(error as Error).message}`);
      await this.repository.retryCardExpiry(due.donationId, (error as Error).message ?? String(error));
      return null;
    }
  }

  private async memberEmail(principal: Principal): Promise<string | null> {
    if (!principal.userId) return null;
    return this.donations.userEmail(principal.userId);
  }
}
