import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { DomainError, NotFoundError } from '@ataa/common';
import { AppConfig } from '@ataa/config';
import { TransactionRunner } from '@ataa/database';
import { OutboxService } from '@ataa/notifications';
import { AuditService, RateLimiter, rateLimitSubject } from '@ataa/organizations';
import { isNoSuchResource, StripeGateway } from '@ataa/payments';
import { JobProducer, QUEUES } from '@ataa/queue';
import { PublicLedgerRedactor } from '@ataa/transparency';
import { ERASURE_STEPS, type ErasureSource, type ErasureState, type ErasureStep, linkState, nextAction } from './domain/erasure-request.js';
import { deriveErasureKey, donorEmailHash, normalizeDonorEmail, signErasureToken, verifyErasureToken } from './domain/erasure-token.js';
import { scrubStripePayload } from './domain/stripe-payload-scrub.js';
import { ErasureRepository, NO_SERIES, seriesCount, type ErasureRequestRow, type GiftToErase, type SeriesToErase } from './persistence/erasure.repository.js';
import { RecurringGiftsRegistry } from './recurring-gifts.js';

/** What the operator and the pages see of a request: ids and counts, never the address. */
export interface ErasureRequestView {
  id: string;
  source: ErasureSource;
  state: ErasureState;
  donationIds: string[];
  /** Recurring series, scheduled series and pledges fixed at confirmation (ids). */
  recurringGiftIds: string[];
  scheduledGiftIds: string[];
  pledgeIds: string[];
  completedSteps: ErasureStep[];
  attempts: number;
  lastError: string | null;
  createdAt: string;
  confirmedAt: string | null;
  completedAt: string | null;
}

/** Why a confirmation link is refused: the page shows it, with this HTTP status. */
export class ErasureLinkRefused extends DomainError {
  constructor(reason: 'invalid' | 'expired' | 'used') {
    const [code, message, status] = {
      invalid: ['erasure_link_invalid', 'This link is not a valid erasure link', 400],
      expired: ['erasure_link_expired', 'This erasure link has expired; ask for a new one', 410],
      used: ['erasure_link_used', 'This erasure link was already used', 409],
    }[reason] as [string, string, number];
    super(code, message, status);
  }
}

export interface ErasureRun {
  outcome: 'completed' | 'already_completed' | 'not_confirmed' | 'expired' | 'missing';
  steps: ErasureStep[];
}

/**
 * Erasure of a donor's personal data (issue 17, part 2; docs/privacy.md). Requests come from the
 * operator (by e-mail or gift id) or from the donor (the privacy page e-mails a signed, single-use,
 * expiring link; confirming it makes the request). A confirmed request is worked by the worker
 * (`process`), step by step (domain/erasure-request.ts): each step is idempotent and recorded, so a
 * run killed half-way resumes and a second run changes nothing.
 */
@Injectable()
export class ErasureService {
  private readonly logger = new Logger('Erasure');
  private readonly key: Buffer;

  constructor(
    private readonly repository: ErasureRepository,
    private readonly transactions: TransactionRunner,
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly outbox: OutboxService,
    private readonly audit: AuditService,
    private readonly limiter: RateLimiter,
    private readonly stripe: StripeGateway,
    private readonly redactor: PublicLedgerRedactor,
    private readonly producer: JobProducer,
    private readonly recurring: RecurringGiftsRegistry,
  ) {
    if (!config.AUTH_SECRET) throw new Error('AUTH_SECRET is required to sign erasure links');
    this.key = deriveErasureKey(config.AUTH_SECRET);
  }

  // ----- asking ----------------------------------------------------------------------------------

  /**
   * A donor asks for the link. Rate-limited per client address and per e-mail address, then: when
   * the address has gifts, series or pledges not erased yet, a request waits for confirmation and the link is e-mailed
   * (outbox, same transaction); otherwise nothing happens. The caller answers the same either way,
   * so the form never tells whether an address has given.
   */
  async requestLink(input: { email: string; clientAddress: string; language: 'en' | 'ar' }): Promise<void> {
    const email = normalizeDonorEmail(input.email);
    const emailHash = donorEmailHash(this.key, email);
    await this.limiter.take([
      { limit: 'erasureRequestsPerAddress', subject: rateLimitSubject(input.clientAddress) },
      { limit: 'erasureRequestsPerEmail', subject: emailHash },
    ]);
    if (!(await this.repository.hasGifts(email))) return;
    const id = randomUUID();
    const expiresAt = new Date(Date.now() + this.config.ERASURE_LINK_TTL_MINUTES * 60_000);
    await this.transactions.run(async (m) => {
      await this.repository.insert(m, {
        id, source: 'donor_link', state: 'awaiting_confirmation', email, emailHash, donationId: null, donationIds: null,
        language: input.language, requestedBy: 'donor_link', expiresAt,
      });
      await this.outbox.enqueue(m, { kind: 'erasure_link', aggregateId: id, payload: { language: input.language } });
    });
  }

  /** The link for a request waiting for confirmation (the e-mail's sender calls it). */
  linkFor(request: Pick<ErasureRequestRow, 'id' | 'expiresAt'>): string {
    const token = signErasureToken(this.key, request.id, request.expiresAt!);
    return `${this.config.PUBLIC_BASE_URL.replace(/\/$/, '')}/privacy/erase/confirm?token=${encodeURIComponent(token)}`;
  }

  /** A link's request if it can still be confirmed; else ErasureLinkRefused (forged, expired, used). */
  async checkLink(token: unknown): Promise<ErasureRequestRow> {
    const now = new Date();
    const checked = verifyErasureToken(this.key, token, now);
    if (!checked.ok) throw new ErasureLinkRefused(checked.reason === 'expired' ? 'expired' : 'invalid');
    const request = await this.repository.find(checked.requestId);
    // A good MAC for a request that does not exist cannot happen without the key: treat it as forged.
    if (!request || request.source !== 'donor_link') throw new ErasureLinkRefused('invalid');
    const state = linkState(request, now);
    if (state !== 'usable') throw new ErasureLinkRefused(state);
    return request;
  }

  /**
   * The donor confirms through the link: once only (the row is locked; a second confirmation finds
   * it confirmed and is refused as used). The gifts to erase are fixed now and the address dropped;
   * the erasure itself is queued for the worker.
   */
  async confirmLink(token: unknown): Promise<ErasureRequestView> {
    const checked = await this.checkLink(token);
    const view = await this.transactions.run(async (m) => {
      const request = await this.repository.find(checked.id, m, true);
      if (!request) throw new ErasureLinkRefused('invalid');
      const state = linkState(request, new Date());
      if (state === 'expired') await this.repository.expire(m, request.id);
      if (state !== 'usable') return state;
      const donationIds = await this.repository.giftIdsByEmail(m, request.email!);
      const offlineGiftIds = await this.repository.offlineGiftIdsByEmail(m, request.email!);
      const series = await this.repository.seriesByEmail(m, request.email!);
      await this.repository.confirm(m, request.id, donationIds, offlineGiftIds, series);
      return toView((await this.repository.find(request.id, m))!);
    });
    if (typeof view === 'string') throw new ErasureLinkRefused(view);
    await this.enqueue(view.id);
    return view;
  }

  /**
   * The operator erases, on a donor's request made elsewhere: every gift, series and pledge of an
   * address (404 `donor_not_found` only when there is none), or one gift with the series or pledge it
   * belongs to.
   */
  async requestByOperator(input: { email?: string; donationId?: string }): Promise<ErasureRequestView> {
    if ((input.email === undefined) === (input.donationId === undefined)) {
      throw new DomainError('validation_failed', 'Give exactly one of email or donationId', 400);
    }
    const id = randomUUID();
    const view = await this.transactions.run(async (m) => {
      let donationIds: string[];
      let offlineGiftIds: string[] = [];
      let series: SeriesToErase = NO_SERIES;
      let emailHash: string;
      if (input.email !== undefined) {
        const email = normalizeDonorEmail(input.email);
        emailHash = donorEmailHash(this.key, email);
        donationIds = await this.repository.giftIdsByEmail(m, email);
        offlineGiftIds = await this.repository.offlineGiftIdsByEmail(m, email);
        series = await this.repository.seriesByEmail(m, email);
        if (donationIds.length === 0 && offlineGiftIds.length === 0 && seriesCount(series) === 0) throw new NotFoundError('Donations for this address', 'donor_not_found');
      } else {
        const [gift] = await this.repository.gifts(m, [input.donationId!]);
        if (!gift) throw new NotFoundError('Donation', 'donation_not_found');
        donationIds = [gift.id];
        series = await this.repository.seriesOfGift(m, gift.id);
        emailHash = donorEmailHash(this.key, `donation:${gift.id}`);
      }
      await this.repository.insert(m, {
        id, source: 'operator', state: 'confirmed', email: null, emailHash, donationId: input.donationId ?? null, donationIds, offlineGiftIds, series,
        language: 'en', requestedBy: 'operator', expiresAt: null,
      });
      return toView((await this.repository.find(id, m))!);
    });
    await this.enqueue(id);
    return view;
  }

  async find(id: string): Promise<ErasureRequestView> {
    const request = await this.repository.find(id);
    if (!request) throw new NotFoundError('Erasure request', 'erasure_request_not_found');
    return toView(request);
  }

  // ----- doing -----------------------------------------------------------------------------------

  /**
   * Works a confirmed request through its remaining steps. Safe to run any number of times, and
   * concurrently: a step repeated finds nothing left to do, the last one commits with the request's
   * completion. A failure is recorded on the request and thrown (the job retries; the sweep resumes
   * requests whose job was lost).
   */
  async process(requestId: string): Promise<ErasureRun> {
    const done: ErasureStep[] = [];
    for (;;) {
      const request = await this.repository.find(requestId);
      if (!request) return { outcome: 'missing', steps: done };
      const next = nextAction(request.state, request.completedSteps);
      if (next.action === 'nothing') {
        return { outcome: next.reason === 'completed' ? (done.length > 0 ? 'completed' : 'already_completed') : next.reason, steps: done };
      }
      if (next.action === 'complete') {
        await this.transactions.run((m) => this.repository.complete(m, requestId));
        continue;
      }
      try {
        await this.runStep(request, next.step);
      } catch (error) {
        await this.repository.recordAttempt(requestId, `${next.step}: ${(error as Error).message ?? String(error)}`.slice(0, 500));
        throw error;
      }
      done.push(next.step);
    }
  }

  /** Confirmed requests whose job may have been lost (worker killed, Redis outage): queued again. Expired links drop their address. */
  async sweep(olderThanSeconds = 60, limit = 100): Promise<number> {
    await this.repository.expireLapsed(1000);
    const ids = await this.repository.unfinished(olderThanSeconds, limit);
    for (const id of ids) await this.enqueue(id, `sweep-${Date.now()}`);
    return ids.length;
  }

  private async enqueue(id: string, suffix = 'first'): Promise<void> {
    // From a request path: never waits on Redis for long; the sweep finds a request whose job was not added.
    await this.producer.enqueueFromRequest(QUEUES.erasures, { erasureRequestId: id }, { jobId: `erasure-${id}-${suffix}` });
  }

  private async runStep(request: ErasureRequestRow, step: ErasureStep): Promise<void> {
    const ids = request.donationIds ?? [];
    const series = seriesOf(request);
    switch (step) {
      case 'cancel_recurring_gifts': {
        // The registered cancellers (libs/donations): recurring subscriptions, scheduled series, pledges
        // (those behind the gifts and those fixed at confirmation, with or without gifts yet).
        await this.recurring.cancelFor(ids, series);
        await this.transactions.run((m) => this.repository.stepDone(m, request.id, step));
        return;
      }
      case 'erase_stripe_customers': {
        const gifts = await this.repository.gifts(this.dataSource.manager, ids);
        // The series' and pledges' own Customers hold the saved card (a series with no gift yet has only that one).
        const seriesCustomers = (await this.repository.seriesRows(this.dataSource.manager, series)).flatMap((r) => (r.stripeCustomerId ? [r.stripeCustomerId] : []));
        for (const customer of new Set([...(await this.stripeCustomers(gifts)), ...seriesCustomers])) {
          try {
            await this.stripe.deleteCustomer(customer);
          } catch (error) {
            if (!isNoSuchResource(error)) throw error; // deleted by an earlier run
          }
        }
        await this.transactions.run((m) => this.repository.stepDone(m, request.id, step));
        return;
      }
      case 'erase_records':
        await this.transactions.run((m) => this.eraseRecords(m, request, ids));
        return;
    }
  }

  /** The Customer each gift's Checkout Session created (none for gifts made before sessions created Customers). */
  private async stripeCustomers(gifts: GiftToErase[]): Promise<string[]> {
    const customers = new Set<string>();
    for (const gift of gifts) {
      if (!gift.stripeCheckoutSessionId) continue;
      let session;
      try {
        session = await this.stripe.retrieveCheckoutSession(gift.stripeCheckoutSessionId);
      } catch (error) {
        if (isNoSuchResource(error)) continue; // a session Stripe no longer has: nothing of it to erase there
        throw error;
      }
      const customer = typeof session.customer === 'string' ? session.customer : session.customer?.id ?? null;
      if (customer) customers.add(customer);
    }
    return [...customers];
  }

  /** One transaction: the gifts, receipts, unsent messages, webhook payloads, public entries, the audit line, the request's end. */
  private async eraseRecords(m: EntityManager, request: ErasureRequestRow, ids: string[]): Promise<void> {
    const locked = await this.repository.find(request.id, m, true);
    if (!locked || locked.completedSteps.includes('erase_records')) return;
    const gifts = await this.repository.gifts(m, ids, true);
    const giftIds = gifts.map((g) => g.id);
    const series = seriesOf(request);
    const seriesRows = await this.repository.seriesRows(m, series, true);
    // The donor page's sign-in links and sessions for the gifts' and series' addresses go first (they are found by address).
    await this.repository.dropDonorSignInLinks(m, giftIds, series);
    // Scheduled series (cancelled by the first step) are found by the gifts' addresses too: before those go.
    const scheduledSeries = await this.repository.scrubScheduledGifts(m, giftIds, series.scheduledGiftIds);
    // Recurring series and pledges fixed at confirmation (cancelled by the first step): name, e-mail, message.
    const recurringSeries = await this.repository.scrubSeries(m, 'recurring_gifts', series.recurringGiftIds);
    const pledges = await this.repository.scrubSeries(m, 'pledges', series.pledgeIds);
    const seriesNotices = await this.repository.skipUnsentSeriesNotices(m, [...series.recurringGiftIds, ...series.scheduledGiftIds]);
    const gifts_ = await this.repository.scrubGifts(m, giftIds, this.config.ERASURE_ACCOUNTING_RETENTION_DAYS);
    const receipts = await this.repository.scrubReceipts(m, giftIds);
    const messages = await this.repository.skipUnsentMessages(m, giftIds);
    const updateDeliveries = await this.repository.scrubUpdateDeliveries(m, giftIds);
    // Offline gifts recorded with the address: name, e-mail and message go; their unsent receipts are not sent.
    const offline = await this.repository.offlineGifts(m, request.offlineGiftIds ?? []);
    const offlineChanged = await this.repository.scrubOfflineGifts(m, offline.map((g) => g.id));
    const offlineMessages = await this.repository.skipUnsentOfflineReceipts(m, offline.map((g) => g.id));
    const sessionIds = gifts.flatMap((g) => (g.stripeCheckoutSessionId ? [g.stripeCheckoutSessionId] : []));
    const objectIds = [
      ...gifts.flatMap((g) => [g.stripeCheckoutSessionId, g.stripePaymentIntentId, g.stripeChargeId].filter((v): v is string => v !== null)),
      ...(await this.repository.customerIdsFromEvents(m, sessionIds)),
    ];
    let events = 0;
    for (const row of await this.repository.stripeEventPayloads(m, objectIds)) {
      const { payload, changed } = scrubStripePayload(row.payload);
      if (!changed) continue;
      await this.repository.replaceStripeEventPayload(m, row.id, payload);
      events++;
    }
    // The public entries: name and message (values and salts) go; commitments, hashes and checkpoints stay.
    const byCampaign = new Map<string, number[]>();
    for (const g of gifts) if (g.publicLeafIndex !== null) byCampaign.set(g.campaignId, [...(byCampaign.get(g.campaignId) ?? []), g.publicLeafIndex]);
    for (const g of offline) if (g.publicIndex !== null) byCampaign.set(g.campaignId, [...(byCampaign.get(g.campaignId) ?? []), g.publicIndex]);
    const redacted = await this.redactor.redact(m, [...byCampaign].map(([campaignId, indexes]) => ({
      campaignId, target: { indexes }, fields: ['donor', 'message'], reason: 'erased', note: null,
    })));
    const publicEntries = redacted.reduce((n, r) => n + r.indexes.length, 0);
    // The audit line: who asked, which gifts (ids), how much was removed. Never the erased data.
    const organizations = [...new Set([...gifts, ...offline, ...seriesRows].map((g) => g.organizationId))];
    for (const organizationId of organizations.length > 0 ? organizations : [null]) {
      const mine = gifts.filter((g) => organizationId === null || g.organizationId === organizationId);
      const mineOffline = offline.filter((g) => organizationId === null || g.organizationId === organizationId);
      const mineSeries = (kind: keyof SeriesToErase) => seriesRows.filter((r) => r.kind === kind && (organizationId === null || r.organizationId === organizationId)).map((r) => r.id);
      await this.audit.record(m, {
        organizationId, actor: request.source === 'operator' ? 'operator' : 'donor', action: 'donor.erased', targetType: 'erasure_request', targetId: request.id,
        details: {
          requestedThrough: request.source, donationIds: mine.map((g) => g.id), offlineGiftIds: mineOffline.map((g) => g.id),
          recurringGiftIds: mineSeries('recurringGiftIds'), scheduledGiftIds: mineSeries('scheduledGiftIds'), pledgeIds: mineSeries('pledgeIds'),
          counts: {
            donations: mine.length, donationsChanged: gifts_, receipts, unsentMessages: messages + offlineMessages + seriesNotices, stripeEvents: events, publicEntries, scheduledSeries,
            recurringSeries, pledges, offlineGifts: mineOffline.length, offlineGiftsChanged: offlineChanged, updateDeliveries,
          },
          retentionDays: this.config.ERASURE_ACCOUNTING_RETENTION_DAYS,
        },
      });
    }
    await this.repository.stepDone(m, request.id, 'erase_records');
    await this.repository.complete(m, request.id);
    this.logger.log(`erasure ${request.id}: ${gifts.length} gift(s), ${seriesRows.length} series or pledge(s), ${publicEntries} public entr${publicEntries === 1 ? 'y' : 'ies'} redacted`);
  }
}

function toView(r: ErasureRequestRow): ErasureRequestView {
  return {
    id: r.id, source: r.source, state: r.state, donationIds: r.donationIds ?? [], ...seriesOf(r), completedSteps: r.completedSteps.filter((s) => (ERASURE_STEPS as readonly string[]).includes(s)),
    attempts: r.attempts, lastError: r.lastError, createdAt: r.createdAt.toISOString(), confirmedAt: r.confirmedAt?.toISOString() ?? null,
    completedAt: r.completedAt?.toISOString() ?? null,
  };
}

/** The series and pledges a request fixed (none for requests made before they were erased too). */
function seriesOf(r: ErasureRequestRow): SeriesToErase {
  return { recurringGiftIds: r.recurringGiftIds ?? [], scheduledGiftIds: r.scheduledGiftIds ?? [], pledgeIds: r.pledgeIds ?? [] };
}
