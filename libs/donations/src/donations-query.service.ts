import { Injectable } from '@nestjs/common';
import { DomainError, NotFoundError } from '@ataa/common';
import { LedgerService, type JournalEntryWithPostings } from '@ataa/ledger';
import { StripeEventInbox, type InboxEventSummary } from '@ataa/payments';
import { PublicLedgerService } from '@ataa/transparency';
import { donationCsvHeader, donationCsvLine } from './domain/donation-csv.js';
import { CampaignReader, type OrganizationCampaign } from './persistence/campaign-reader.js';
import { DonationRepository, type DonationPageQuery } from './persistence/donation.repository.js';
import { Donation, DonationRefund, toDonation, toRefund } from './persistence/donation.row.js';
import type { Queryable } from '@ataa/database';

/** The dashboard's gift list filter: the repository's (DonationPageQuery) with the cursor as the client sends it. */
export interface DonationListFilter extends Omit<DonationPageQuery, 'after'> {
  cursor?: string;
}

export interface DonationDispute {
  stripeDisputeId: string;
  amount: bigint;
  status: string;
  outcome: string | null;
  reason: string | null;
  createdAt: Date;
}

/** A journal entry of the gift and where the public log shows it (null: an entry the public never sees, e.g. the platform's own accounts). */
export interface DonationLedgerEntry extends JournalEntryWithPostings {
  publicIndex: number | null;
}

/** Everything recorded about one gift: the dashboard's gift page. */
export interface DonationHistory {
  donation: Donation;
  refunds: DonationRefund[];
  disputes: DonationDispute[];
  /** The Stripe events about its session, payment intent, charge, refunds and disputes, as the inbox recorded them. */
  events: InboxEventSummary[];
  entries: DonationLedgerEntry[];
  campaign: OrganizationCampaign | null;
}

/** Gifts per page while the CSV is streamed (keyset pages of the list's own query). */
const CSV_PAGE = 500;
const CAMPAIGNS_LIMIT = 500;

export interface PublicGift {
  displayName: string | null;
  amount: bigint;
  currency: string;
  message: string | null;
  at: Date;
  /** The gift's entry in the campaign's public log (how a report or a hide names its message); null before it is posted. */
  entryIndex: number | null;
  /** The automatic filter held the message for review: it is not shown (nor published) until released. */
  messageHeld: boolean;
}

/** Keyset cursor: (created_at, id) of the last row, opaque to clients. */
function encodeCursor(d: Donation): string {
  return Buffer.from(JSON.stringify([d.createdAt.toISOString(), d.id])).toString('base64url');
}

function decodeCursor(cursor: string): [string, string] {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && !Number.isNaN(Date.parse(value[0])) && /^[0-9a-f-]{36}$/.test(value[1])) return [value[0], value[1]];
  } catch {
    // fall through
  }
  throw new DomainError('invalid_cursor', 'The cursor is not valid', 400);
}

/** Received per currency (gifts settled, less what was refunded or lost to disputes), for the dashboard's home. */
export interface OrganizationTotals {
  currency: string;
  week: bigint;
  month: bigint;
  total: bigint;
  gifts: number;
}

export interface OrganizationSummary {
  totals: OrganizationTotals[];
  /** Distinct donor addresses across every settled gift (erased gifts count no one). */
  donors: number;
  /** Settled gifts per UTC day (YYYY-MM-DD) since `dailyFrom`; days without gifts are absent. */
  daily: { day: string; gifts: number }[];
}

@Injectable()
export class DonationsQueryService {
  constructor(
    private readonly donations: DonationRepository,
    private readonly campaigns: CampaignReader,
    private readonly ledger: LedgerService,
    private readonly inbox: StripeEventInbox,
    private readonly publicLedger: PublicLedgerService,
  ) {}

  async list(filter: DonationListFilter): Promise<{ items: Donation[]; nextCursor: string | null }> {
    const { cursor, limit, ...where } = filter;
    const rows = await this.donations.page({ ...where, after: cursor ? decodeCursor(cursor) : undefined, limit: limit + 1 });
    const items = rows.slice(0, filter.limit).map(toDonation);
    return { items, nextCursor: rows.length > filter.limit ? encodeCursor(items[items.length - 1]) : null };
  }

  async get(organizationId: string, donationId: string): Promise<{ donation: Donation; refunds: DonationRefund[] }> {
    if (!/^[0-9a-f-]{36}$/i.test(donationId)) throw new NotFoundError('Donation');
    const row = await this.donations.findForOrganization(donationId, organizationId);
    if (!row) throw new NotFoundError('Donation');
    const refunds = await this.donations.refundsOf(donationId);
    return { donation: toDonation(row), refunds: refunds.map(toRefund) };
  }

  /** The organization's campaigns (most recent first): what the dashboard's donation filter offers. */
  async campaignsOf(organizationId: string): Promise<OrganizationCampaign[]> {
    return this.campaigns.listForOrganization(organizationId, CAMPAIGNS_LIMIT);
  }

  /**
   * One gift of the organization with everything recorded about it: refunds, disputes, the Stripe
   * events about its objects, its journal entries with their postings and public log index.
   * Another organization's gift, or a bad id, is 404.
   */
  async history(organizationId: string, donationId: string): Promise<DonationHistory> {
    const { donation, refunds } = await this.get(organizationId, donationId);
    const disputes = await this.donations.disputesOf(donation.id);
    const objects = [donation.stripeCheckoutSessionId, donation.stripePaymentIntentId, donation.stripeChargeId, ...refunds.map((r) => r.stripeRefundId), ...disputes.map((d) => d.stripe_dispute_id)]
      .filter((id): id is string => typeof id === 'string');
    const [events, journal, campaign] = await Promise.all([
      this.inbox.eventsForObjects(objects),
      this.ledger.entriesForDonation(donation.campaignId, donation.id),
      this.campaigns.findById(donation.campaignId),
    ]);
    const leaves = await this.publicLedger.leavesForEntries(donation.campaignId, journal.map((e) => e.id));
    const indexOf = new Map(leaves.map((l) => [l.sourceRef, l.index]));
    return {
      donation, refunds, events,
      disputes: disputes.map((d) => ({ stripeDisputeId: d.stripe_dispute_id, amount: BigInt(d.amount), status: d.status, outcome: d.outcome, reason: d.reason, createdAt: d.created_at })),
      entries: journal.map((e) => ({ ...e, publicIndex: indexOf.get(e.id) ?? null })),
      campaign: campaign ? { id: campaign.id, slug: campaign.slug, title: campaign.title, currency: campaign.currency, status: campaign.status } : null,
    };
  }

  /**
   * The filtered gifts as CSV (domain/donation-csv.ts: minor units, formula-guarded text), newest
   * first, streamed page by page through the list's own keyset query: memory stays one page deep
   * however many gifts there are.
   */
  async *csv(filter: Omit<DonationListFilter, 'cursor' | 'limit'>): AsyncGenerator<string> {
    const titles = new Map((await this.campaignsOf(filter.organizationId)).map((c) => [c.id, c.title]));
    yield donationCsvHeader();
    let cursor: string | undefined;
    do {
      const page = await this.list({ ...filter, cursor, limit: CSV_PAGE });
      yield page.items.map((d) => donationCsvLine({ ...d, campaignTitle: titles.get(d.campaignId) ?? null })).join('');
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }

  /** For the thank-you page: the gift's status as the webhooks recorded it, scoped to the campaign. */
  async statusForThanks(campaignId: string, donationId: string): Promise<Donation | null> {
    if (!/^[0-9a-f-]{36}$/i.test(donationId)) return null;
    const row = await this.donations.findForCampaign(donationId, campaignId);
    return row ? toDonation(row) : null;
  }

  /** Recent settled gifts, without private data: anonymous donors show no name. */
  async recentPublicGifts(campaignId: string, limit = 10, db?: Queryable): Promise<PublicGift[]> {
    const rows = await this.donations.recentSettled(campaignId, limit, db);
    return rows.map((r: Record<string, any>) => ({
      displayName: r.anonymous ? null : r.donor_name, amount: BigInt(r.chosen_amount), currency: r.currency, message: r.public_message, at: r.settled_at,
      entryIndex: r.entry_index === null ? null : Number(r.entry_index), messageHeld: r.message_review === 'held',
    }));
  }

  /**
   * The organization's home figures: received this week and month (from the given starts) and in
   * total per currency, distinct donors, and settled gifts per day since `dailyFrom`. Amounts are
   * what came in (`amount`, covered fees included) less refunds and disputes lost.
   */
  async organizationSummary(organizationId: string, periods: { weekStart: Date; monthStart: Date; dailyFrom: Date }): Promise<OrganizationSummary> {
    const totals = await this.donations.receivedByCurrency(organizationId, periods.weekStart, periods.monthStart);
    const donors = await this.donations.distinctDonors(organizationId);
    const daily = await this.donations.settledPerDay(organizationId, periods.dailyFrom);
    return {
      totals: totals.map((r: Record<string, any>) => ({ currency: r.currency, week: BigInt(r.week), month: BigInt(r.month), total: BigInt(r.total), gifts: r.gifts })),
      donors: donors ?? 0,
      daily: daily.map((r: Record<string, any>) => ({ day: r.day, gifts: r.gifts })),
    };
  }
}
