import { Injectable } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { ConflictError, ForbiddenError, formatMajorUnits, NotFoundError } from '@ataa/common';
import { TransactionRunner } from '@ataa/database';
import { AuditService, type Principal } from '@ataa/organizations';
import { checkMatchingOffer, type MatchableGift, matchingStatus, planCardCollection, planCardReopening, planCardSessionExpiries, planMatching } from './domain/matching.js';
import { isSettled } from './domain/donation-status.js';
import type { Donation } from './persistence/donation.row.js';
import { MatchingCollection, MatchingOffer, MatchingRepository } from './persistence/matching.repository.js';
import { OfflineGiftRepository, type OfflineGift } from './persistence/offline-gift.repository.js';
import { OFFLINE_GIFT_ROLES, OfflineGiftsService } from './offline-gifts.service.js';

/** What staff typed to create an offer (REST DTO). */
export interface MatchingOfferInput {
  sponsorName: string;
  ratioNumerator: number;
  ratioDenominator: number;
  cap: string;
  currency: string;
  startsAt: string | null;
  endsAt: string;
}

/** How the sponsor's money came in, for its collection as an offline gift. */
export interface MatchingCollectionInput {
  receivedOn: string;
  method: string;
  reference: string;
  language: 'en' | 'ar';
  /** The designation the collected gift goes to (absent: the campaign's first declared; the offline gifts' rule). */
  designation?: string | null;
}

/** An offer with its collections, as the API and pages show it. */
export interface MatchingOfferView {
  offer: MatchingOffer;
  collections: MatchingCollection[];
  left: bigint;
  active: boolean;
  /**
   * The sponsor's settled card payments to this offer, each with its donation entry's amount (in the
   * report's `raised`): those that collected nothing (all excess, not in `collections`) too, as the
   * report page shows the sponsor's money apart from donors' own gifts.
   */
  cardPayments: { donationId: string; paid: bigint }[];
}

/** Campaigns an offer is made for: not ended (an ended campaign is closing out). */
const OFFER_STATUSES = ['draft', 'published', 'paused'];

/**
 * Matching offers (issue 21, item 6): created by the owner or a finance member; accrued when a card
 * gift settles (called by DonationSyncService.settle inside the settlement's transaction); collected
 * as an offline gift. See docs/matching.md.
 */
@Injectable()
export class MatchingService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly repository: MatchingRepository,
    private readonly offlineRepository: OfflineGiftRepository,
    private readonly offline: OfflineGiftsService,
    private readonly audit: AuditService,
  ) {}

  async create(principal: Principal, campaignId: string, input: MatchingOfferInput, idempotencyKey: string | null): Promise<{ offer: MatchingOfferView; created: boolean }> {
    requireRole(principal);
    const key = idempotencyKey ?? randomUUID();
    const offerId = await this.tx.run(async (m) => {
      const campaign = await this.offlineRepository.campaign(principal.organizationId, campaignId, m);
      if (!campaign) throw new NotFoundError('Campaign');
      const now = new Date();
      const requestHash = createHash('sha256').update(JSON.stringify({ ...input, campaignId })).digest('hex');
      await this.repository.lockKey(m, principal.organizationId, key);
      const existing = await this.repository.findByKey(m, principal.organizationId, key);
      if (existing) {
        if (existing.requestHash !== requestHash || existing.campaignId !== campaignId) {
          throw new ConflictError('idempotency_key_reused', 'This idempotency key was used for another matching offer');
        }
        return { id: existing.id, created: false };
      }
      const { campaignId: _checkedCampaign, ...checked } = checkMatchingOffer({ campaign, ...input, now });
      if (!OFFER_STATUSES.includes(campaign.status)) throw new ConflictError('campaign_not_taking_matching', 'A matching offer is made for a draft, published or paused campaign');
      const id = randomUUID();
      await this.repository.insert(m, { id, organizationId: principal.organizationId, campaignId, idempotencyKey: key, requestHash, ...checked, createdBy: principal.actor });
      await this.audit.record(m, {
        organizationId: principal.organizationId, actor: principal.actor, action: 'matching_offer.create', targetType: 'matching_offer', targetId: id,
        details: {
          campaignId, sponsorName: checked.sponsorName, ratio: `${checked.ratioNumerator}:${checked.ratioDenominator}`, cap: checked.cap.toString(), currency: checked.currency,
          startsAt: checked.startsAt.toISOString(), endsAt: checked.endsAt.toISOString(),
        },
      });
      return { id, created: true };
    });
    return { offer: await this.get(principal.organizationId, campaignId, offerId.id), created: offerId.created };
  }

  async list(organizationId: string, campaignId: string): Promise<MatchingOfferView[]> {
    if (!(await this.offlineRepository.campaign(organizationId, campaignId))) throw new NotFoundError('Campaign');
    return this.views(await this.repository.list(campaignId));
  }

  async get(organizationId: string, campaignId: string, offerId: string): Promise<MatchingOfferView> {
    const offer = await this.repository.find(organizationId, campaignId, offerId);
    if (!offer) throw new NotFoundError('Matching offer');
    return (await this.views([offer]))[0];
  }

  /** A campaign's offers for its public page and report (the campaign is known public by the caller). */
  async publicOffers(campaignId: string): Promise<MatchingOfferView[]> {
    return (await this.publicOffersOf([campaignId])).get(campaignId) ?? [];
  }

  /** The same for several campaigns at once (the campaign page reads them for the visitors waiting together). */
  async publicOffersOf(campaignIds: readonly string[]): Promise<Map<string, MatchingOfferView[]>> {
    const views = await this.views(await this.repository.publicOffers(campaignIds));
    const out = new Map<string, MatchingOfferView[]>(campaignIds.map((id) => [id, []]));
    for (const v of views) out.get(v.offer.campaignId)?.push(v);
    return out;
  }

  private async views(offers: MatchingOffer[], now = new Date()): Promise<MatchingOfferView[]> {
    const collections = await this.repository.collections(offers.map((o) => o.id));
    return offers.map((offer) => {
      const own = collections.filter((c) => c.offerId === offer.id);
      return {
        offer, ...matchingStatus(offer, now),
        // a card payment that fitted nothing (amount 0) collected nothing: not a collection, but still the sponsor's payment
        collections: own.filter((c) => c.kind === 'offline' || c.amount > 0n),
        cardPayments: own.filter((c) => c.kind === 'card').map((c) => ({ donationId: c.donationId!, paid: c.paid })),
      };
    });
  }

  /**
   * Collects what the sponsor owes now (accrued − collected) as one offline gift from the sponsor,
   * linked to the offer, under the offer's row lock (a refund reducing the pledge waits for it, and
   * sees it collected). The same idempotency key collects once.
   */
  async collect(principal: Principal, campaignId: string, offerId: string, input: MatchingCollectionInput, idempotencyKey: string | null): Promise<{ gift: OfflineGift; offer: MatchingOfferView; created: boolean }> {
    requireRole(principal);
    const key = idempotencyKey ?? randomUUID();
    const result = await this.tx.run(async (m) => {
      const offer = await this.repository.find(principal.organizationId, campaignId, offerId, m, true);
      if (!offer) throw new NotFoundError('Matching offer');
      await this.offlineRepository.lockKey(m, principal.organizationId, key);
      const earlier = await this.offlineRepository.findByKey(m, principal.organizationId, key);
      if (earlier) {
        const link = await this.repository.collectionOf(m, earlier.id);
        if (!link || link.offerId !== offerId) throw new ConflictError('idempotency_key_reused', 'This idempotency key was used for another offline gift');
        return { gift: earlier, created: false };
      }
      const amount = offer.accrued - offer.collected;
      if (amount <= 0n) throw new ConflictError('matching_nothing_to_collect', 'The sponsor owes nothing more on this offer now (nothing accrued since the last collection)', { accrued: offer.accrued.toString(), collected: offer.collected.toString() });
      const { gift } = await this.offline.recordIn(m, principal, campaignId, {
        amount: formatMajorUnits(amount, offer.currency), currency: offer.currency, receivedOn: input.receivedOn, method: input.method, reference: input.reference,
        anonymous: false, donorName: offer.sponsorName, donorEmail: null, message: null, language: input.language, designation: input.designation ?? null,
      }, key);
      await this.repository.insertCollection(m, offer.id, gift.id, amount);
      await this.expireObsoleteSessions(m, { ...offer, collected: offer.collected + amount });
      await this.audit.record(m, {
        organizationId: principal.organizationId, actor: principal.actor, action: 'matching_offer.collect', targetType: 'matching_offer', targetId: offer.id,
        details: { campaignId, offlineGiftId: gift.id, amount: amount.toString(), currency: offer.currency, publicIndex: gift.publicIndex },
      });
      return { gift, created: true };
    });
    return { ...result, offer: await this.get(principal.organizationId, campaignId, offerId) };
  }

  /**
   * Accrues (or reduces) the match of settled card gifts, inside the settlement's transaction and
   * after the gifts' rows are written (their row locks are held). Idempotent per gift and offer:
   * an accrual row per pair, reductions only down to what the gift's base still justifies.
   */
  async afterSettlement(manager: EntityManager, donations: readonly Donation[]): Promise<void> {
    const settled: (MatchableGift & { campaignId: string; organizationId: string })[] = donations
      .filter((d) => isSettled(d.status) && d.settledAt !== null)
      .map((d) => ({
        donationId: d.id, campaignId: d.campaignId, organizationId: d.organizationId, currency: d.currency, settledAt: d.settledAt!,
        base: maxZero(d.amount - d.refundedAmount - (d.status === 'disputed' || d.status === 'dispute_lost' ? d.disputedAmount : 0n)),
      }));
    if (settled.length === 0) return;
    // A sponsor's card payment (collection by card) is never matched: it collects its offer once, on its first settlement.
    const sponsors = new Map((await this.repository.cardRequestsOf(manager, settled.map((g) => g.donationId))).map((r) => [r.donationId, r]));
    const gifts = settled.filter((g) => !sponsors.has(g.donationId));
    const payments = settled.filter((g) => sponsors.get(g.donationId)?.recorded === false);
    // A payment collected before and given back since (refunded, or a dispute lost): the pledge is owed again for what the campaign no longer keeps.
    const byId = new Map(donations.map((d) => [d.id, d]));
    const settledById = new Map(settled.map((g) => [g.donationId, g]));
    const reopenings = (await this.repository.cardCollectionsOf(manager, settled.filter((g) => sponsors.get(g.donationId)?.recorded === true).map((g) => g.donationId)))
      .map((collection) => {
        const d = byId.get(collection.donationId)!;
        const lost = d.status === 'dispute_lost' ? d.disputedAmount : 0n;
        return { collection, gift: settledById.get(d.id)!, reason: lost > 0n ? 'dispute_lost' as const : 'refund' as const, amount: planCardReopening(collection, d.amount - d.refundedAmount - lost) };
      })
      .filter((r) => r.amount > 0n);
    if (gifts.length === 0 && payments.length === 0 && reopenings.length === 0) return;
    const earliest = new Date(Math.min(...settled.map((g) => g.settledAt.getTime())));
    const { offers, accruals } = await this.repository.lockForGifts(
      manager, [...new Set(gifts.map((g) => g.campaignId))], gifts.map((g) => g.donationId), earliest,
      [...payments.map((p) => sponsors.get(p.donationId)!.offerId), ...reopenings.map((r) => r.collection.offerId)],
    );
    if (offers.length === 0) return;
    for (const { collection, gift, reason, amount } of reopenings) {
      await this.repository.insertCardReopening(manager, collection.donationId, collection.offerId, amount, reason);
      const offer = offers.find((o) => o.id === collection.offerId)!;
      offer.collected -= amount;
      await this.audit.record(manager, {
        organizationId: gift.organizationId, actor: 'stripe', action: 'matching_offer.reopen', targetType: 'matching_offer', targetId: offer.id,
        details: { campaignId: gift.campaignId, method: 'card', donationId: collection.donationId, amount: amount.toString(), reason, accrued: offer.accrued.toString(), collected: offer.collected.toString(), currency: offer.currency },
      });
    }
    // Offers whose `collected` rose here: their other open card sessions asking more than is owed now are expired (below).
    const collectedRose = new Set<string>();
    for (const payment of payments) {
      const offer = offers.find((o) => o.id === sponsors.get(payment.donationId)!.offerId)!;
      const { amount, excess } = planCardCollection(offer, payment.base);
      await this.repository.insertCardCollection(manager, payment.donationId, offer.id, payment.base, amount);
      offer.collected += amount;
      if (amount > 0n) collectedRose.add(offer.id);
      await this.audit.record(manager, {
        organizationId: payment.organizationId, actor: 'stripe', action: 'matching_offer.collect', targetType: 'matching_offer', targetId: offer.id,
        details: { campaignId: payment.campaignId, method: 'card', donationId: payment.donationId, amount: amount.toString(), excess: excess.toString(), currency: offer.currency },
      });
    }
    const ordered = [...offers].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : 1));
    for (const gift of gifts) {
      const { steps } = planMatching(ordered.filter((o) => o.campaignId === gift.campaignId), [gift], accruals);
      if (steps.length === 0) continue;
      await this.repository.apply(manager, steps);
      for (const step of steps) {
        const offer = ordered.find((o) => o.id === step.offerId)!;
        offer.accrued += step.kind === 'accrue' ? step.amount : -step.amount;
        if (step.kind === 'accrue') accruals.push({ offerId: step.offerId, donationId: step.donationId, accrued: step.amount, reduced: 0n });
        else {
          const a = accruals.find((x) => x.offerId === step.offerId && x.donationId === step.donationId)!;
          a.reduced += step.amount;
        }
        await this.audit.record(manager, {
          organizationId: gift.organizationId, actor: 'stripe', action: step.kind === 'accrue' ? 'matching_offer.accrue' : 'matching_offer.reduce',
          targetType: 'matching_offer', targetId: step.offerId, details: { campaignId: gift.campaignId, donationId: gift.donationId, amount: step.amount.toString(), giftBase: gift.base.toString() },
        });
      }
    }
    // On the figures after every step of this settlement (a gift settling with the payment may have raised what is owed).
    for (const offer of offers) if (collectedRose.has(offer.id)) await this.expireObsoleteSessions(manager, offer);
  }

  /**
   * After an offer's `collected` rose (under its row lock, in the collection's transaction): asks for
   * its open card sessions that ask more than it owes now to be expired on Stripe. Only recorded here
   * (`matching_card_expiries`); the worker calls Stripe outside any transaction (MatchingCardService.expireDue).
   */
  private async expireObsoleteSessions(manager: EntityManager, offer: Pick<MatchingOffer, 'id' | 'accrued' | 'collected'>): Promise<void> {
    const obsolete = planCardSessionExpiries(offer, await this.repository.openCardSessions(manager, offer.id));
    await this.repository.requestCardExpiries(manager, offer.id, obsolete, offer.accrued - offer.collected);
  }
}

const maxZero = (v: bigint): bigint => (v < 0n ? 0n : v);

function requireRole(principal: Principal): void {
  if (!(OFFLINE_GIFT_ROLES as readonly string[]).includes(principal.role)) {
    throw new ForbiddenError('forbidden', 'Only the owner or a finance member creates or collects matching offers');
  }
}
