import { Inject, Injectable, Logger } from '@nestjs/common';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import type Stripe from 'stripe';
import { DomainError, NotFoundError, optionalUserText, TEXT_LIMITS, truncateCodePoints } from '@ataa/common';
import { AppConfig } from '@ataa/config';
import { type Queryable, TransactionRunner } from '@ataa/database';
import { holdCause } from '@ataa/moderation';
import { formatMoney, MAILER, type Mailer } from '@ataa/notifications';
import { isCardError, isInvalidRequest, StripeGateway } from '@ataa/payments';
import { deriveLinkKey, signLink, verifyLink } from '@ataa/privacy';
import { checkoutLocale } from './domain/checkout-locale.js';
import { giftDesignation } from './domain/gift-designation.js';
import { donationAmount } from './domain/donation-amount.js';
import { renderPledgeMail, type PledgeMailKind } from './domain/pledge-mail.js';
import {
  mayCompleteNow, planChargeOutcome, planGrace, planPledgeBatch, pledgeCompletionKey, pledgeCustomerKey, pledgeFigures, pledgeSetupKey,
  type ChargeAnswer, type PledgeFigures, type PledgeOutcome,
} from './domain/pledges.js';
import { DonationSyncService } from './donation-sync.service.js';
import { assertAcceptsDonations, CampaignReader, type DonationCampaign } from './persistence/campaign-reader.js';
import { Pledge, PledgeRepository } from './persistence/pledge.repository.js';

/** The purpose of the signed link a donor gets when a pledge's charge failed (single purpose: pay this pledge). */
export const PLEDGE_COMPLETION_PURPOSE = 'pledge-complete';

export interface PledgeInput {
  /** Major units as typed ("25", "25.50"). */
  amount: string;
  coverFees: boolean;
  donorName: string | null;
  donorEmail: string;
  anonymous: boolean;
  publicMessage: string | null;
  locale?: string;
  /** The designation the donor chose (the card gift's rule); the collected gift goes there. */
  designation?: string | null;
  /** The donor ticked "e-mail me this campaign's updates" (stored on the pledge, copied onto the collected gift). */
  updatesOptIn?: boolean;
}

export interface PledgeStart {
  pledgeId: string;
  checkoutUrl: string;
  amount: bigint;
  currency: string;
}

/** What one close-out run did with a campaign's pledges. */
export interface PledgeRun {
  processed: number;
  /** Pledges still to charge or release: the close-out schedules another batch. */
  more: boolean;
}

/** What the donor's payment page shows (after the link was checked). */
export interface PledgeCompletionView {
  pledgeId: string;
  state: Pledge['state'];
  payable: boolean;
  amount: bigint;
  currency: string;
  campaignTitle: string;
  campaignSlug: string;
  graceEndsAt: Date | null;
  language: 'en' | 'ar';
}

/**
 * All-or-nothing pledges: the donor's card is saved (Checkout in `setup` mode on a Customer of the
 * pledge's own; the SetupIntent's `setup_intent.succeeded` makes it a pledge) and nothing is charged
 * until the campaign's close-out decides the goal was met (counting pledged amounts). Then the
 * close-out charges each pledge off-session, in batches, under a key derived from the pledge: a
 * charge whose outcome is unknown stays `charging` and is asked again under the same key, so Stripe
 * answers with the payment it made instead of making another. A collected charge is a gift like any
 * other (a donation row made when charging starts; the usual settlement path posts it to the ledger
 * and the public log). A failed one (decline, `authentication_required`) mails the donor a signed
 * link to pay within the grace period; a missed goal releases the pledges (nothing was charged).
 */
@Injectable()
export class PledgesService {
  private readonly logger = new Logger('Pledges');
  private readonly linkKey: Buffer;

  constructor(
    private readonly tx: TransactionRunner,
    private readonly pledges: PledgeRepository,
    private readonly campaigns: CampaignReader,
    private readonly sync: DonationSyncService,
    private readonly stripe: StripeGateway,
    @Inject(AppConfig) private readonly config: AppConfig,
    @Inject(MAILER) private readonly mailer: Mailer,
  ) {
    // As the data-export links: production requires AUTH_SECRET (SECRETS_USED_BY); without it (some
    // tests) links are signed with a key of this process only.
    this.linkKey = deriveLinkKey(config.AUTH_SECRET ?? randomBytes(32));
  }

  // ----- pledging ------------------------------------------------------------------------------

  /**
   * Starts a pledge on an all-or-nothing campaign: validates like a gift, records the pledge
   * (`open`), makes its Customer and a Checkout session in `setup` mode, each under a key derived
   * from the pledge id (a retried request makes nothing twice).
   */
  async start(slug: string, input: PledgeInput): Promise<PledgeStart> {
    const campaign = await this.campaigns.requirePublic(slug);
    assertAcceptsDonations(campaign);
    if (!this.offersPledges(campaign)) {
      throw new DomainError('pledges_not_offered', 'Only an all-or-nothing campaign takes pledges; give instead', 409);
    }
    if (input.anonymous && !campaign.allowAnonymous) throw new DomainError('anonymous_not_allowed', 'This campaign does not accept anonymous gifts', 400);
    const donorName = optionalUserText('donorName', input.donorName, { max: TEXT_LIMITS.donorName });
    const publicMessage = optionalUserText('publicMessage', input.publicMessage, { max: TEXT_LIMITS.publicMessage, multiline: true });
    const amount = donationAmount(input.amount, input.coverFees, campaign);
    const designation = giftDesignation(campaign, input.designation);
    const held = holdCause(publicMessage, { holdLinks: this.config.MODERATION_HOLD_LINKS, words: this.config.MODERATION_HOLD_WORDS }) !== null;
    const id = randomUUID();
    const locale = input.locale === 'ar' || input.locale === 'en' ? input.locale : campaign.language;
    await this.pledges.insert({
      id, campaignId: campaign.id, organizationId: campaign.organizationId, currency: campaign.currency, amount: amount.gross, chosenAmount: amount.chosen,
      coveredFees: amount.coveredFees, platformFeeBps: campaign.platformFeeBps, donorEmail: input.donorEmail, donorName, anonymous: input.anonymous,
      publicMessage, messageReview: held ? 'held' : null, locale, designation, updatesOptIn: input.updatesOptIn === true,
    });
    const base = this.config.PUBLIC_BASE_URL.replace(/\/$/, '');
    const metadata = { pledge_id: id, campaign_id: campaign.id };
    let session: Stripe.Checkout.Session;
    let customer: Stripe.Customer;
    try {
      customer = await this.stripe.createCustomer({ email: input.donorEmail, metadata }, pledgeCustomerKey(id));
      session = await this.stripe.createCheckoutSession(
        {
          mode: 'setup',
          currency: campaign.currency,
          customer: customer.id,
          client_reference_id: id,
          success_url: `${base}/c/${campaign.slug}/thanks?pledge=${id}`,
          cancel_url: `${base}/c/${campaign.slug}?cancelled=1`,
          metadata,
          locale: checkoutLocale(locale),
          setup_intent_data: { metadata, description: truncateCodePoints(`Pledge to ${campaign.title}`, 1000) },
        },
        pledgeSetupKey(id),
      );
    } catch (error) {
      this.logger.warn(`setup session for pledge ${id} failed: ${(error as Error).message}`);
      throw new DomainError('payment_provider_unavailable', 'The payment page could not be opened; please try again', 502);
    }
    await this.pledges.setSession(id, session.id, customer.id);
    if (!session.url) throw new DomainError('payment_provider_unavailable', 'The payment page could not be opened; please try again', 502);
    return { pledgeId: id, checkoutUrl: session.url, amount: amount.gross, currency: campaign.currency };
  }

  /**
   * `setup_intent.succeeded` (signed, from the inbox): the card is saved, the pledge stands. The
   * event's own data says which pledge (our metadata), on which Customer, with which card; a
   * duplicate or late event changes nothing.
   */
  async handleSetupSucceeded(event: Stripe.Event): Promise<string> {
    const si = event.data.object as Stripe.SetupIntent;
    const pledgeId = si.metadata?.pledge_id;
    if (typeof pledgeId !== 'string' || si.status !== 'succeeded') return 'not_a_pledge';
    const customer = typeof si.customer === 'string' ? si.customer : si.customer?.id ?? null;
    const pm = typeof si.payment_method === 'string' ? si.payment_method : si.payment_method?.id ?? null;
    const pledge = await this.pledges.find(pledgeId);
    if (!pledge || !customer || !pm || pledge.stripeCustomerId !== customer) return 'not_a_pledge';
    return (await this.pledges.markPledged(pledgeId, si.id, customer, pm)) ? 'pledged' : 'duplicate';
  }

  /** Whether a campaign's form takes pledges (all-or-nothing, with ALL_OR_NOTHING_PLEDGES on). */
  offersPledges(campaign: Pick<DonationCampaign, 'fundingModel'>): boolean {
    return this.config.ALL_OR_NOTHING_PLEDGES && campaign.fundingModel === 'all_or_nothing';
  }

  /** The pledge a thank-you page names, only if it belongs to that campaign. */
  async forThanks(campaignId: string, pledgeId: string): Promise<Pledge | null> {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(pledgeId)) return null;
    const pledge = await this.pledges.find(pledgeId);
    return pledge && pledge.campaignId === campaignId ? pledge : null;
  }

  async find(pledgeId: string): Promise<Pledge | null> {
    return this.pledges.find(pledgeId);
  }

  /** The public page's figures: pledged (unverified: not in the ledger) and collected, apart. */
  async figures(campaignId: string, db?: Queryable): Promise<PledgeFigures> {
    return pledgeFigures(await this.pledges.statesOf(campaignId, db));
  }

  // ----- close-out -------------------------------------------------------------------------------

  /** The pledged total toward the goal, read in the close-out's decision transaction. */
  pledgedTotal(manager: Parameters<PledgeRepository['pledgedTotal']>[0], campaignId: string): Promise<bigint> {
    return this.pledges.pledgedTotal(manager, campaignId);
  }

  /** Campaigns whose pledges have close-out work (for the close-out sweep). */
  campaignsWithWork(now: Date, limit: number, idleMs: number): Promise<string[]> {
    return this.pledges.campaignsWithWork(now, limit, idleMs);
  }

  /**
   * One close-out batch of a campaign's pledges: pledges never completed are cancelled; to collect,
   * the next `batchSize` pledges are charged (plan, then record each outcome); to release, they are
   * released. Then the after-care: donors told, cards detached, waiting pledges collected (paid on
   * their page) or failed (grace over). Safe to repeat, to run twice at once, and to kill anywhere.
   */
  async runCloseOutBatch(campaignId: string, outcome: PledgeOutcome, batchSize: number, now: Date = new Date()): Promise<PledgeRun> {
    for (const sessionId of await this.pledges.cancelOpen(campaignId)) {
      try {
        await this.stripe.expireCheckoutSession(sessionId);
      } catch {
        // Already complete or expired: a late setup_intent.succeeded finds the pledge cancelled and changes nothing.
      }
    }
    const open = await this.pledges.openForCloseOut(campaignId, outcome === 'collect' ? ['pledged', 'charging'] : ['pledged'], batchSize);
    const actions = planPledgeBatch(outcome, open, batchSize);
    const byId = new Map(open.map((p) => [p.id, p]));
    for (const action of actions) {
      const pledge = byId.get(action.pledgeId)!;
      if (action.kind === 'charge') await this.charge(pledge, action.idempotencyKey, now);
      else await this.pledges.markReleased(pledge.id);
    }
    await this.aftercare(campaignId, batchSize, now);
    const remaining = await this.pledges.openForCloseOut(campaignId, outcome === 'collect' ? ['pledged', 'charging'] : ['pledged'], 1);
    return { processed: actions.length, more: remaining.length > 0 };
  }

  /**
   * Charges one pledge off-session. The gift (a pending donation) is reserved with the move to
   * `charging` before Stripe is asked, so a run killed after Stripe charged finds the pledge
   * `charging` and asks again under the same key: Stripe answers with the same PaymentIntent and the
   * gift posts once (the ledger's unique key on the charge).
   */
  private async charge(pledge: Pledge, idempotencyKey: string, now: Date): Promise<void> {
    const donationId = await this.tx.run((m) => this.pledges.reserveCharge(m, pledge, randomUUID()));
    if (!donationId) return; // moved on by another run
    const answer = await this.ask(pledge, donationId, idempotencyKey);
    const plan = planChargeOutcome(answer, now);
    if (plan.next === 'collected') {
      await this.tx.run((m) => this.pledges.linkPaymentIntent(m, pledge.id, donationId, plan.paymentIntentId));
      // The usual settlement path: the charge becomes a gift in the ledger and the public log (its key is the charge).
      const status = await this.sync.sync(donationId);
      if (status === 'pending') {
        await this.pledges.noteAttempt(pledge.id, 'charge made, not settled yet');
        return;
      }
      await this.tx.run((m) => this.pledges.markCollected(m, pledge.id));
    } else if (plan.next === 'awaiting_donor') {
      if (await this.pledges.markAwaitingDonor(pledge.id, plan.paymentIntentId, plan.reason, plan.graceEndsAt)) {
        this.logger.log(`pledge ${pledge.id}: charge failed (${plan.reason}); the donor has until ${plan.graceEndsAt.toISOString()}`);
      }
    } else {
      if (plan.paymentIntentId) await this.tx.run((m) => this.pledges.linkPaymentIntent(m, pledge.id, donationId, plan.paymentIntentId!));
      await this.pledges.noteAttempt(pledge.id, plan.reason);
    }
  }

  /** Asks Stripe to charge and classifies the answer (a card error is an answer; no answer is unknown). */
  private async ask(pledge: Pledge, donationId: string, idempotencyKey: string): Promise<ChargeAnswer> {
    const metadata = { donation_id: donationId, pledge_id: pledge.id, campaign_id: pledge.campaignId };
    try {
      const pi = await this.stripe.createPaymentIntent(
        {
          amount: Number(pledge.amount), currency: pledge.currency, customer: pledge.stripeCustomerId!, payment_method: pledge.stripePaymentMethodId!,
          off_session: true, confirm: true, metadata, transfer_group: pledge.campaignId, description: 'Pledge collected at the campaign\'s close-out',
        },
        idempotencyKey,
      );
      if (pi.status === 'succeeded') return { kind: 'succeeded', paymentIntentId: pi.id };
      if (pi.status === 'processing') return { kind: 'processing', paymentIntentId: pi.id };
      // requires_action and the like: the donor must be there.
      return { kind: 'card_error', code: pi.status === 'requires_action' ? 'authentication_required' : pi.status, paymentIntentId: pi.id };
    } catch (error) {
      if (isCardError(error)) {
        const pi = (error.payment_intent as Stripe.PaymentIntent | undefined)?.id ?? null;
        return { kind: 'card_error', code: error.code ?? 'card_declined', paymentIntentId: pi };
      }
      if (isInvalidRequest(error)) {
        // The saved card or customer is gone (detached, deleted): the donor must pay on the page.
        return { kind: 'card_error', code: error.code ?? 'payment_method_unusable', paymentIntentId: null };
      }
      this.logger.warn(`pledge ${pledge.id}: charge outcome unknown (${(error as Error).message}); asked again under the same key on the next run`);
      return { kind: 'unknown', reason: 'payment provider unavailable' };
    }
  }

  /** Notices, detached cards, and the grace period's end. At most `limit` pledges each. */
  private async aftercare(campaignId: string, limit: number, now: Date): Promise<void> {
    for (const w of await this.pledges.waiting(campaignId, limit)) {
      const next = planGrace({ state: w.state, graceEndsAt: w.graceEndsAt, giftSettled: w.giftSettled }, now);
      if (next === 'collected') await this.tx.run((m) => this.pledges.markCollected(m, w.id));
      else if (next === 'failed') {
        if (await this.pledges.markFailed(w.id)) this.logger.log(`pledge ${w.id}: grace period over without payment; failed`);
        if (w.completionSessionId) await this.stripe.expireCheckoutSession(w.completionSessionId).catch(() => undefined);
      }
    }
    for (const p of await this.pledges.needingAftercare(campaignId, limit)) {
      if ((p.state === 'awaiting_donor' || p.state === 'released') && p.donorNotifiedAt === null) {
        await this.notify(p, p.state === 'awaiting_donor' ? 'payment_needed' : 'released');
      }
      if ((p.state === 'collected' || p.state === 'released' || p.state === 'failed') && p.cardDetachedAt === null && p.stripePaymentMethodId) {
        try {
          await this.stripe.detachPaymentMethod(p.stripePaymentMethodId);
          await this.pledges.markCardDetached(p.id);
        } catch (error) {
          // Already detached (or the customer deleted, e.g. an erasure): nothing kept. Otherwise the next run tries again.
          if (isInvalidRequest(error)) await this.pledges.markCardDetached(p.id);
          else this.logger.warn(`pledge ${p.id}: card not detached (${(error as Error).message})`);
        }
      }
    }
  }

  /**
   * The erasure's first step (a RecurringGiftCanceller): the pledges the request named, or behind its
   * gifts, not decided yet are cancelled as the close-out cancels an unfinished one (never charged; an
   * open setup page expired). The saved card's Customer is deleted by the erasure's next step.
   */
  async cancelFor(donationIds: readonly string[], series?: { pledgeIds: readonly string[] }): Promise<number> {
    const cancelled = await this.pledges.cancelForErasure(series?.pledgeIds ?? [], donationIds);
    for (const p of cancelled) {
      if (!p.wasOpen || !p.sessionId) continue;
      // Already complete or expired: a late setup_intent.succeeded finds the pledge cancelled and changes nothing.
      await this.stripe.expireCheckoutSession(p.sessionId).catch(() => undefined);
    }
    return cancelled.length;
  }

  /** Sends a donor notice; the Message-ID derives from the pledge and the kind, so a resend after a crash is deduplicated by mail systems. */
  private async notify(pledge: Pledge, kind: PledgeMailKind): Promise<void> {
    if (!pledge.donorEmail) {
      // Erased: there is no address; recorded as told so the after-care does not come back to it.
      await this.pledges.markNotified(pledge.id);
      return;
    }
    const head = await this.campaignOf(pledge.campaignId);
    const mail = renderPledgeMail({
      kind, language: pledge.locale, campaignTitle: head.title, amount: formatMoney(pledge.amount, pledge.currency, pledge.locale),
      link: kind === 'payment_needed' ? this.completionLink(pledge, head.slug) : undefined, graceEndsAt: pledge.graceEndsAt ?? undefined, reason: pledge.lastError ?? undefined,
    });
    try {
      await this.mailer.send({
        from: this.config.MAIL_FROM, to: pledge.donorEmail, subject: mail.subject, html: mail.html, text: mail.text,
        messageId: `<pledge-${kind}-${pledge.id}@ataa>`, headers: { 'X-Ataa-Pledge': pledge.id },
      });
      await this.pledges.markNotified(pledge.id);
    } catch (error) {
      this.logger.warn(`pledge ${pledge.id}: ${kind} notice not sent (${(error as Error).message}); tried again on the next run`);
    }
  }

  private async campaignOf(campaignId: string): Promise<{ title: string; slug: string }> {
    const campaign = await this.campaigns.findById(campaignId);
    if (!campaign) throw new NotFoundError('Campaign');
    return campaign;
  }

  // ----- the donor's payment page (grace period) -------------------------------------------------

  /**
   * The signed link of a pledge's payment page: purpose `pledge-complete`, subject the pledge, valid
   * until the grace period ends. Deterministic (the nonce derives from the pledge), so a resent mail
   * carries the same link.
   */
  completionLink(pledge: Pick<Pledge, 'id' | 'graceEndsAt'>, campaignSlug: string): string {
    if (!pledge.graceEndsAt) throw new Error('a pledge without a grace period has no payment link');
    const nonce = createHmac('sha256', this.linkKey).update(`pledge-nonce:${pledge.id}`).digest('hex').slice(0, 32);
    const token = signLink(this.linkKey, { purpose: PLEDGE_COMPLETION_PURPOSE, subject: pledge.id, expiresAt: Math.floor(pledge.graceEndsAt.getTime() / 1000), nonce });
    return `${this.config.PUBLIC_BASE_URL.replace(/\/$/, '')}/c/${campaignSlug}/pledge?token=${encodeURIComponent(token)}`;
  }

  /** The pledge a payment-page token is for: 404 `pledge_link_invalid` for a bad, expired or foreign-purpose token (nothing said about why). */
  private async pledgeOfToken(token: unknown, now: Date): Promise<Pledge> {
    const verdict = verifyLink(this.linkKey, token, { purpose: PLEDGE_COMPLETION_PURPOSE, now: now.getTime() });
    const pledge = verdict.ok ? await this.pledges.find(verdict.claims.subject) : null;
    if (!pledge) throw new NotFoundError('Pledge', 'pledge_link_invalid');
    return pledge;
  }

  async completionView(token: unknown, now: Date = new Date()): Promise<PledgeCompletionView> {
    const pledge = await this.pledgeOfToken(token, now);
    const head = await this.campaignOf(pledge.campaignId);
    return {
      pledgeId: pledge.id, state: pledge.state, payable: mayCompleteNow(pledge, now), amount: pledge.amount, currency: pledge.currency,
      campaignTitle: head.title, campaignSlug: head.slug, graceEndsAt: pledge.graceEndsAt, language: pledge.locale,
    };
  }

  /**
   * Opens the payment page for a pledge in its grace period: a Checkout session in `payment` mode for
   * the pledge's gift (metadata `donation_id`), so the usual settlement path posts it once paid. An
   * open session is reused; an expired one is replaced (the key names the one it replaces).
   * 409 `pledge_not_payable` once collected, failed or past the grace period.
   */
  async startCompletion(token: unknown, now: Date = new Date()): Promise<{ checkoutUrl: string }> {
    const pledge = await this.pledgeOfToken(token, now);
    if (!mayCompleteNow(pledge, now)) throw new DomainError('pledge_not_payable', 'This pledge can no longer be paid here', 409, { state: pledge.state });
    if (pledge.completionSessionId) {
      const existing = await this.stripe.retrieveCheckoutSession(pledge.completionSessionId).catch(() => null);
      if (existing?.status === 'open' && existing.url) return { checkoutUrl: existing.url };
      if (existing?.status === 'complete') throw new DomainError('pledge_not_payable', 'This pledge is already paid', 409, { state: 'collected' });
    }
    const head = await this.campaignOf(pledge.campaignId);
    const base = this.config.PUBLIC_BASE_URL.replace(/\/$/, '');
    const metadata = { donation_id: pledge.donationId!, pledge_id: pledge.id, campaign_id: pledge.campaignId };
    let session: Stripe.Checkout.Session;
    try {
      session = await this.stripe.createCheckoutSession(
        {
          mode: 'payment',
          line_items: [{ quantity: 1, price_data: { currency: pledge.currency, unit_amount: Number(pledge.amount), product_data: { name: truncateCodePoints(head.title, 250) } } }],
          customer_email: pledge.donorEmail ?? undefined,
          client_reference_id: pledge.donationId!,
          success_url: `${base}/c/${head.slug}/thanks?donation=${pledge.donationId}`,
          cancel_url: `${base}/c/${head.slug}`,
          metadata,
          locale: checkoutLocale(pledge.locale),
          payment_intent_data: { transfer_group: pledge.campaignId, metadata, description: truncateCodePoints(`Pledge to ${head.title}`, 1000) },
        },
        `${pledgeCompletionKey(pledge.id)}:${pledge.completionSessionId ?? 'first'}`,
      );
    } catch (error) {
      this.logger.warn(`payment page for pledge ${pledge.id} failed: ${(error as Error).message}`);
      throw new DomainError('payment_provider_unavailable', 'The payment page could not be opened; please try again', 502);
    }
    await this.tx.run((m) => this.pledges.setCompletionSession(m, pledge.id, session.id));
    if (!session.url) throw new DomainError('payment_provider_unavailable', 'The payment page could not be opened; please try again', 502);
    return { checkoutUrl: session.url };
  }
}
