import { Injectable } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { ConflictError, ForbiddenError, NotFoundError } from '@ataa/common';
import { EntityManager } from 'typeorm';
import { TransactionRunner } from '@ataa/database';
import { LedgerWriter } from '@ataa/ledger';
import { AuditService, type Principal } from '@ataa/organizations';
import { checkOfflineGift, offlineVoidReason, planOfflineGift, planOfflineGiftVoid } from './domain/offline-gifts.js';
import { OfflineGift, OfflineGiftCampaign, OfflineGiftRepository } from './persistence/offline-gift.repository.js';
import { MatchingRepository } from './persistence/matching.repository.js';

/** What staff typed (the REST DTO or the dashboard form). */
export interface OfflineGiftInput {
  amount: string;
  currency: string;
  receivedOn: string;
  method: string;
  reference: string;
  anonymous: boolean;
  donorName: string | null;
  donorEmail: string | null;
  message: string | null;
  /** The receipt's language. */
  language: 'en' | 'ar';
  /** A designation the campaign declared (absent: its first; none declared: only absent or `general`). */
  designation?: string | null;
}

/** Only these roles record or void offline gifts (issue 21: "only owner/finance"). */
export const OFFLINE_GIFT_ROLES = ['owner', 'finance'] as const;
/** Campaigns that take offline gifts: those taking gifts now (a draft has no public ledger; an ended one is closing out). */
const RECORDING_STATUSES = ['published', 'paused'];

/**
 * Records offline gifts and their voids: plan (domain/offline-gifts.ts), then record through
 * LedgerWriter in one transaction with the gift's row and the audit entry. A submission carries an
 * idempotency key: the same key records once (a repeat answers the first gift; the same key with
 * other facts is a 409).
 */
@Injectable()
export class OfflineGiftsService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly repository: OfflineGiftRepository,
    private readonly writer: LedgerWriter,
    private readonly audit: AuditService,
    private readonly matching: MatchingRepository,
  ) {}

  async campaignOf(organizationId: string, campaignId: string): Promise<OfflineGiftCampaign> {
    const campaign = await this.repository.campaign(organizationId, campaignId);
    if (!campaign) throw new NotFoundError('Campaign');
    return campaign;
  }

  async record(principal: Principal, campaignId: string, input: OfflineGiftInput, idempotencyKey: string | null): Promise<{ gift: OfflineGift; created: boolean }> {
    requireRole(principal);
    const key = idempotencyKey ?? randomUUID();
    return this.tx.run((m) => this.recordIn(m, principal, campaignId, input, key));
  }

  /** Records within the caller's transaction (a matching offer's collection records its gift with its own row). */
  async recordIn(m: EntityManager, principal: Principal, campaignId: string, input: OfflineGiftInput, key: string): Promise<{ gift: OfflineGift; created: boolean }> {
    requireRole(principal);
    {
      const campaign = await this.repository.campaign(principal.organizationId, campaignId, m);
      if (!campaign) throw new NotFoundError('Campaign');
      const now = new Date();
      const giftId = randomUUID();
      const checked = checkOfflineGift({ giftId, campaign, ...input, now });
      // The designation joins the hash only when there is one, so a key used before designations existed still replays.
      const { designation, ...facts } = checked;
      const requestHash = createHash('sha256').update(JSON.stringify({ ...facts, giftId: null, amount: checked.amount.toString(), campaignId, ...(designation ? { designation } : {}) })).digest('hex');
      await this.repository.lockKey(m, principal.organizationId, key);
      const existing = await this.repository.findByKey(m, principal.organizationId, key);
      if (existing) {
        if (existing.requestHash !== requestHash || existing.campaignId !== campaignId) {
          throw new ConflictError('idempotency_key_reused', 'This idempotency key was used for another offline gift');
        }
        return { gift: existing, created: false };
      }
      if (!RECORDING_STATUSES.includes(campaign.status)) {
        throw new ConflictError('campaign_not_taking_offline_gifts', 'Offline gifts are recorded to a published or paused campaign');
      }
      const [[recorded]] = await this.writer.record(m, [planOfflineGift(checked, now)]);
      await this.repository.insert(m, {
        id: giftId, organizationId: principal.organizationId, campaignId, idempotencyKey: key, requestHash, amount: checked.amount, currency: checked.currency,
        receivedOn: checked.receivedOn, method: checked.method, reference: checked.reference, anonymous: checked.anonymous, donorName: checked.donorName,
        donorEmail: checked.donorEmail, message: checked.message, language: input.language, recordedBy: principal.actor, journalEntryId: recorded.entryId,
        publicIndex: recorded.public?.index ?? null, designation: checked.designation,
      });
      await this.audit.record(m, {
        organizationId: principal.organizationId, actor: principal.actor, action: 'offline_gift.record', targetType: 'offline_gift', targetId: giftId,
        details: {
          campaignId, amount: checked.amount.toString(), currency: checked.currency, method: checked.method, receivedOn: checked.receivedOn, publicIndex: recorded.public?.index ?? null,
          designation: checked.designation,
        },
      });
      return { gift: (await this.repository.find(principal.organizationId, campaignId, giftId, m))!, created: true };
    }
  }

  /** Voids a gift by a reversing entry (public, with the reason). Voiding it again with the same reason answers the same void. */
  async void(principal: Principal, campaignId: string, giftId: string, reasonText: string): Promise<{ gift: OfflineGift; created: boolean }> {
    requireRole(principal);
    const reason = offlineVoidReason(reasonText);
    return this.tx.run(async (m) => {
      const gift = await this.repository.find(principal.organizationId, campaignId, giftId, m, true);
      if (!gift) throw new NotFoundError('Offline gift');
      if (gift.voidedAt !== null) {
        if (gift.voidReason === reason) return { gift, created: false };
        throw new ConflictError('offline_gift_already_voided', 'This offline gift was already voided');
      }
      const now = new Date();
      const [[recorded]] = await this.writer.record(m, [planOfflineGiftVoid(gift, reason, now)]);
      await this.repository.markVoided(m, gift.id, { voidedBy: principal.actor, reason, entryId: recorded.entryId, publicIndex: recorded.public?.index ?? null });
      await this.audit.record(m, {
        organizationId: principal.organizationId, actor: principal.actor, action: 'offline_gift.void', targetType: 'offline_gift', targetId: gift.id,
        details: { campaignId, amount: gift.amount.toString(), currency: gift.currency, reason, publicIndex: recorded.public?.index ?? null },
      });
      // A sponsor's matching collection voided: the database reopened its pledge (docs/matching.md); say so in the audit log.
      const reopened = await this.matching.reopenedBy(m, gift.id);
      if (reopened) {
        await this.audit.record(m, {
          organizationId: principal.organizationId, actor: principal.actor, action: 'matching_offer.reopen', targetType: 'matching_offer', targetId: reopened.offerId,
          details: { campaignId, offlineGiftId: gift.id, amount: reopened.amount.toString(), accrued: reopened.accrued.toString(), collected: reopened.collected.toString(), reason },
        });
      }
      return { gift: (await this.repository.find(principal.organizationId, campaignId, gift.id, m))!, created: true };
    });
  }

  async list(organizationId: string, campaignId: string, limit = 100): Promise<OfflineGift[]> {
    await this.campaignOf(organizationId, campaignId);
    return this.repository.list(organizationId, campaignId, Math.min(Math.max(limit, 1), 200));
  }

  async get(organizationId: string, campaignId: string, giftId: string): Promise<OfflineGift> {
    const gift = await this.repository.find(organizationId, campaignId, giftId);
    if (!gift) throw new NotFoundError('Offline gift');
    return gift;
  }
}

function requireRole(principal: Principal): void {
  if (!(OFFLINE_GIFT_ROLES as readonly string[]).includes(principal.role)) {
    throw new ForbiddenError('forbidden', 'Only the owner or a finance member records or voids offline gifts');
  }
}

