import { Body, Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { DomainError, ForbiddenError, formatMajorUnits, NotFoundError } from '@ataa/common';
import {
  DONATION_STATUSES, DonationsQueryService, RefundsService, refundableAmount, refundRefusal, reservedByRefunds, type Donation, type DonationHistory,
} from '@ataa/donations';
import { formatMoney, localeFor, ReceiptsService } from '@ataa/notifications';
import { AuditService, isUuid, roleAllows, type PageUser, type Role } from '@ataa/organizations';
import { csrfTokenValid } from '../campaign-pages/csrf.setup.js';
import { fillIsolated, fillIsolatedText } from '../http/isolate.js';
import { DASHBOARD_PATH, DashboardContext, FormRefusal, toRefusal, type DashboardOrganization, type PageRequest } from './dashboard-context.js';
import { DONATION_ERRORS, DONATION_MESSAGES } from './donation-messages.js';
import {
  donationFilterOf, FILTER_FIELDS, filterQuery, readDonationFilters, readRefundConfirmation, readRefundForm, REFUND_REASONS, refundOf,
  type FieldErrors, type RefundFormValues, type RefundReason,
} from './donation-form.js';

/** The API's role rules: reads are any member's (DonationsController); refunds are owner/finance (`@Roles('finance')`). */
const REFUND_ROLES: readonly Role[] = ['finance'];
/** Re-sending a receipt: owner, admin, finance (ReceiptsController). */
const RESEND_ROLES: readonly Role[] = ['admin', 'finance'];
/** The CSV holds donors' addresses: the roles of the API's donor export (DonorExportController). */
const EXPORT_ROLES: readonly Role[] = ['admin', 'finance'];
const PAGE_SIZE = 25;

type SignedIn = PageRequest & { user: PageUser };

/**
 * The Donations section: the list (filters in a GET form, keyset pages, CSV of the filtered gifts),
 * a gift's page (facts, refunds, disputes, receipts, Stripe events, ledger entries with their public
 * entry), the refund form → its confirmation → the refund, and re-sending the receipt. The same lib
 * services as the REST API (DonationsQueryService, RefundsService, ReceiptsService) with the same roles.
 */
@ApiExcludeController()
@Controller('dashboard/o/:organizationId/donations')
export class DashboardDonationsController {
  constructor(
    private readonly pages: DashboardContext,
    private readonly donations: DonationsQueryService,
    private readonly refunds: RefundsService,
    private readonly receipts: ReceiptsService,
    private readonly audit: AuditService,
  ) {}

  @Get()
  async list(@Param('organizationId') organizationId: string, @Query() query: Record<string, unknown>, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const page = await this.pages.page(request, reply);
    if (!page.user) return this.pages.redirect(reply, `${DASHBOARD_PATH}/sign-in`);
    const organization = await this.pages.membership(page.user, organizationId);
    const d = DONATION_MESSAGES[page.language];
    const locale = localeFor(page.language);
    const campaigns = await this.donations.campaignsOf(organization.id);
    const values = readDonationFilters(query);
    const { filter, errors } = donationFilterOf(values, campaigns);
    const invalid = Object.keys(errors).length > 0;
    const cursor = typeof query.cursor === 'string' && query.cursor.length <= 200 ? query.cursor : undefined;
    let result: { items: Donation[]; nextCursor: string | null } = { items: [], nextCursor: null };
    if (!invalid) {
      try {
        result = await this.donations.list({ organizationId: organization.id, ...filter, cursor, limit: PAGE_SIZE });
      } catch (error) {
        // A cursor edited by hand: the first page instead.
        if (!(error instanceof DomainError && error.code === 'invalid_cursor')) throw error;
        result = await this.donations.list({ organizationId: organization.id, ...filter, limit: PAGE_SIZE });
      }
    }
    const titles = new Map(campaigns.map((c) => [c.id, c.title]));
    const date = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });
    const base = `${DASHBOARD_PATH}/o/${organization.id}/donations`;
    const errorText = (code: string) => DONATION_ERRORS[page.language][code] ?? this.pages.errorMessage(page.language, code);
    const currencies = [...new Set(campaigns.map((c) => c.currency))].sort();
    return this.pages.render(page, 'donations', { status: invalid ? 400 : 200, title: d.listTitle, organization, section: 'donations' }, {
      d, heading: d.listTitle,
      values, errors: Object.fromEntries(Object.entries(errors).map(([k, v]) => [k, errorText(v)])),
      errorList: FILTER_FIELDS.filter((f) => errors[f]).map((f) => ({ field: f, message: errorText(errors[f]) })),
      invalid, filtered: FILTER_FIELDS.some((f) => values[f] !== ''),
      campaignOptions: campaigns.map((c) => ({ value: c.id, label: c.title, selected: c.id === values.campaign.toLowerCase() })),
      statusOptions: DONATION_STATUSES.map((s) => ({ value: s, label: d.statuses[s], selected: s === values.status })),
      currencyOptions: [...new Set([...currencies, ...(values.currency && !errors.currency ? [values.currency] : [])])].map((c) => ({ value: c, label: c.toUpperCase(), selected: c === values.currency })),
      anonymousOptions: [['yes', d.anonymousYes], ['no', d.anonymousNo]].map(([value, label]) => ({ value, label, selected: values.anonymous === value })),
      donations: result.items.map((x) => ({
        href: `${base}/${x.id}`, created: date.format(x.createdAt), createdIso: x.createdAt.toISOString(),
        donor: x.erasedAt ? null : x.donorName, erased: Boolean(x.erasedAt), anonymous: x.anonymous,
        campaign: titles.get(x.campaignId) ?? d.unknownCampaign, amount: formatMoney(x.amount, x.currency, locale), status: d.statuses[x.status], statusKey: x.status,
      })),
      nextHref: result.nextCursor ? `${base}${filterQuery(values, { cursor: result.nextCursor })}` : null,
      csvHref: !invalid && roleAllows(organization.role, EXPORT_ROLES) ? `${base}/export.csv${filterQuery(values)}` : null,
      clearHref: base,
    });
  }

  /** The filtered gifts as CSV, streamed (DonationsQueryService.csv: the list's query, formula-guarded text). */
  @Get('export.csv')
  async csv(@Param('organizationId') organizationId: string, @Query() query: Record<string, unknown>, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const page = await this.pages.page(request, reply);
    if (!page.user) return this.pages.redirect(reply, `${DASHBOARD_PATH}/sign-in`);
    const organization = await this.pages.membership(page.user, organizationId);
    if (!roleAllows(organization.role, EXPORT_ROLES)) throw new ForbiddenError();
    const values = readDonationFilters(query);
    const { filter, errors } = donationFilterOf(values, await this.donations.campaignsOf(organization.id));
    if (Object.keys(errors).length > 0) throw new DomainError('validation_failed', 'Some filters are not valid', 400, { fields: errors });
    await this.audit.record(null, {
      organizationId: organization.id, actor: page.user.actor, action: 'donations.exported', targetType: filter.campaignId ? 'campaign' : 'organization',
      targetId: filter.campaignId ?? organization.id, details: { filters: Object.fromEntries(FILTER_FIELDS.filter((f) => values[f]).map((f) => [f, values[f]])) },
    });
    const day = new Date().toISOString().slice(0, 10);
    void reply.status(200)
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="donations-${day}.csv"`)
      .header('cache-control', 'no-store');
    return reply.send(Readable.from(this.donations.csv({ organizationId: organization.id, ...filter })));
  }

  @Get(':donationId')
  async show(
    @Param('organizationId') organizationId: string, @Param('donationId') donationId: string, @Query('done') done: unknown,
    @Req() request: FastifyRequest, @Res() reply: FastifyReply,
  ): Promise<void> {
    const page = await this.pages.page(request, reply);
    if (!page.user) return this.pages.redirect(reply, `${DASHBOARD_PATH}/sign-in`);
    const organization = await this.pages.membership(page.user, organizationId);
    const history = await this.history(organization, donationId);
    const notice = done === 'refunded' || done === 'resent' ? DONATION_MESSAGES[page.language].done[done] : null;
    return this.detail(page as SignedIn, organization, history, 200, notice, null);
  }

  @Post(':donationId/receipt/resend')
  async resend(
    @Param('organizationId') organizationId: string, @Param('donationId') donationId: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply,
  ): Promise<void> {
    const page = await this.pages.page(request, reply);
    if (!page.user) return this.pages.redirect(reply, `${DASHBOARD_PATH}/sign-in`);
    const organization = await this.pages.membership(page.user, organizationId);
    const history = await this.history(organization, donationId);
    if (!roleAllows(organization.role, RESEND_ROLES)) throw new ForbiddenError();
    try {
      if (!(await csrfTokenValid(request))) throw new FormRefusal('csrf', 403);
      const { receiptNumber, outboxId } = await this.receipts.resend(organization.id, history.donation.id, page.user.actor);
      // The audit entry the API's ReceiptsController writes.
      await this.audit.record(null, {
        organizationId: organization.id, actor: page.user.actor, action: 'receipt.resend', targetType: 'donation', targetId: history.donation.id,
        details: { receiptNumber, outboxId },
      });
      return this.pages.redirect(reply, `${DASHBOARD_PATH}/o/${organization.id}/donations/${history.donation.id}?done=resent`);
    } catch (error) {
      const refusal = toRefusal(error);
      return this.detail(page as SignedIn, organization, await this.history(organization, donationId), refusal.status, null, refusal.code);
    }
  }

  @Get(':donationId/refund')
  async refundForm(
    @Param('organizationId') organizationId: string, @Param('donationId') donationId: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply,
  ): Promise<void> {
    const page = await this.pages.page(request, reply);
    if (!page.user) return this.pages.redirect(reply, `${DASHBOARD_PATH}/sign-in`);
    const { organization, history } = await this.refunder(page as SignedIn, organizationId, donationId);
    return this.form(page as SignedIn, organization, history, 200, { kind: 'full', amount: '', reason: 'requested_by_customer' }, {}, null);
  }

  /** The refund form posted: the confirmation page (what happens), or the form again with its errors. Nothing is refunded yet. */
  @Post(':donationId/refund')
  async review(
    @Param('organizationId') organizationId: string, @Param('donationId') donationId: string, @Body() body: Record<string, unknown> | undefined,
    @Req() request: FastifyRequest, @Res() reply: FastifyReply,
  ): Promise<void> {
    const page = await this.pages.page(request, reply);
    if (!page.user) return this.pages.redirect(reply, `${DASHBOARD_PATH}/sign-in`);
    const { organization, history } = await this.refunder(page as SignedIn, organizationId, donationId);
    const values = readRefundForm(body);
    const fieldErrors: FieldErrors = {};
    try {
      if (!(await csrfTokenValid(request))) throw new FormRefusal('csrf', 403);
      const refusal = refusalOf(history);
      if (refusal) throw new FormRefusal(refusal, 409);
      const asked = refundOf(values, history.donation.currency, refundableOf(history));
      if ('errors' in asked) {
        Object.assign(fieldErrors, asked.errors);
        throw new FormRefusal('validation_failed', 400);
      }
      return this.confirmation(page as SignedIn, organization, history, 200, asked.amount, asked.reason, randomUUID(), null);
    } catch (error) {
      const refusal = toRefusal(error);
      return this.form(page as SignedIn, organization, history, refusal.status, values, fieldErrors, refusal.code);
    }
  }

  /**
   * The confirmation posted: RefundsService.refund, as the API's refund endpoint, with the key minted
   * for this confirmation as the idempotency key: submitting the same confirmation twice refunds once.
   */
  @Post(':donationId/refund/confirm')
  async confirm(
    @Param('organizationId') organizationId: string, @Param('donationId') donationId: string, @Body() body: Record<string, unknown> | undefined,
    @Req() request: FastifyRequest, @Res() reply: FastifyReply,
  ): Promise<void> {
    const page = await this.pages.page(request, reply);
    if (!page.user) return this.pages.redirect(reply, `${DASHBOARD_PATH}/sign-in`);
    const { organization, history } = await this.refunder(page as SignedIn, organizationId, donationId);
    const confirmed = readRefundConfirmation(body);
    const fieldErrors: FieldErrors = {};
    try {
      if (!(await csrfTokenValid(request))) throw new FormRefusal('csrf', 403);
      if (!confirmed) throw new FormRefusal('refund_form_stale', 400);
      await this.refunds.refund({
        organizationId: organization.id, donationId: history.donation.id, amount: confirmed.amount, reason: confirmed.reason,
        actor: page.user.actor, idempotencyKey: `dashboard:${confirmed.key}`,
      });
      return this.pages.redirect(reply, `${DASHBOARD_PATH}/o/${organization.id}/donations/${history.donation.id}?done=refunded`);
    } catch (error) {
      // The outcome is unknown (Stripe unreachable): the same confirmation again, with the same key, is safe.
      if (confirmed && error instanceof DomainError && error.code === 'payment_provider_unavailable') {
        return this.confirmation(page as SignedIn, organization, await this.history(organization, donationId), 502, confirmed.amount, confirmed.reason, confirmed.key, error.code);
      }
      const refusal = toRefusal(error);
      if (refusal.code === 'refund_exceeds_remaining') fieldErrors.amount = refusal.code;
      const fresh = await this.history(organization, donationId);
      const values: RefundFormValues = confirmed
        ? { kind: 'partial', amount: formatMajorUnits(confirmed.amount, fresh.donation.currency), reason: confirmed.reason }
        : readRefundForm(body);
      return this.form(page as SignedIn, organization, fresh, refusal.status, values, fieldErrors, refusal.code);
    }
  }

  /** The gift and its history; a bad id or another organization's gift is 404. */
  private async history(organization: DashboardOrganization, donationId: string): Promise<DonationHistory> {
    if (!isUuid(donationId)) throw new NotFoundError('Donation');
    return this.donations.history(organization.id, donationId);
  }

  /** The organization and gift, if the member may refund (403 page otherwise; another organization's gift: 404 first). */
  private async refunder(page: SignedIn, organizationId: string, donationId: string): Promise<{ organization: DashboardOrganization; history: DonationHistory }> {
    const organization = await this.pages.membership(page.user, organizationId);
    const history = await this.history(organization, donationId);
    if (!roleAllows(organization.role, REFUND_ROLES)) throw new ForbiddenError();
    return { organization, history };
  }

  private async detail(page: SignedIn, organization: DashboardOrganization, history: DonationHistory, status: number, notice: string | null, code: string | null): Promise<void> {
    const d = DONATION_MESSAGES[page.language];
    const locale = localeFor(page.language);
    const { donation, campaign } = history;
    const money = (amount: bigint) => formatMoney(amount, donation.currency, locale);
    const date = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'medium', timeZone: 'UTC' });
    const when = (at: Date | string | null) => (at ? { text: date.format(new Date(at)), iso: new Date(at).toISOString() } : null);
    const base = `${DASHBOARD_PATH}/o/${organization.id}/donations/${donation.id}`;
    const delivery = await this.receipts.forDonation(organization.id, donation.id, history.refunds.map((r) => r.id));
    const refusal = refusalOf(history);
    const canRefund = roleAllows(organization.role, REFUND_ROLES);
    const canResend = roleAllows(organization.role, RESEND_ROLES);
    const slug = campaign && campaign.status !== 'draft' ? encodeURIComponent(campaign.slug) : null;
    const kind = (k: string) => (d.entryKinds as Record<string, string>)[k] ?? k;
    const heading = d.giftTitle.replace('{amount}', money(donation.amount));
    return this.pages.render(page, 'donation', { status, title: heading, organization, section: 'donations' }, {
      d, heading, notice,
      error: code ? DONATION_ERRORS[page.language][code] ?? this.pages.errorMessage(page.language, code) : null,
      status: d.statuses[donation.status], statusKey: donation.status,
      facts: {
        charged: money(donation.amount), chosen: money(donation.chosenAmount), coveredFees: donation.coveredFees > 0n ? money(donation.coveredFees) : null,
        processingFee: donation.processingFee === null ? null : money(donation.processingFee), feePending: donation.settledAt !== null && donation.processingFee === null,
        platformFee: donation.platformFee === null ? null : money(donation.platformFee),
        refunded: money(donation.refundedAmount), disputed: donation.disputedAmount > 0n ? money(donation.disputedAmount) : null,
        refundable: money(refundableOf(history)),
        donorName: donation.donorName, donorEmail: donation.donorEmail, erased: Boolean(donation.erasedAt),
        publicChoice: donation.anonymous ? d.shownAnonymous : d.shownNamed,
        message: donation.publicMessage, messageHeld: donation.messageReview === 'held',
        campaign: campaign?.title ?? d.unknownCampaign, campaignHref: campaign ? `${DASHBOARD_PATH}/o/${organization.id}/campaigns/${campaign.id}` : null,
        created: when(donation.createdAt), settled: when(donation.settledAt),
      },
      refundHref: canRefund && !refusal ? `${base}/refund` : null,
      refundRefusal: canRefund && refusal ? d.notRefundable[refusal] : null,
      resendAction: canResend && !donation.erasedAt ? `${base}/receipt/resend` : null,
      viewerNote: !canRefund && !canResend,
      refunds: history.refunds.map((r) => ({
        at: when(r.createdAt), amount: money(r.amount), status: (d.refundStatuses as Record<string, string>)[r.status] ?? r.status, statusKey: r.status,
        reason: r.reason ? (d.reasons as Record<string, string>)[r.reason] ?? r.reason : '', requestedBy: r.requestedBy ?? '',
      })),
      disputes: history.disputes.map((x) => ({ at: when(x.createdAt), amount: money(x.amount), outcome: x.outcome ? (d.outcomes as Record<string, string>)[x.outcome] ?? x.outcome : x.status, reason: x.reason ?? '' })),
      receipts: delivery.receipts.map((r) => ({
        kind: (d.kinds as Record<string, string>)[r.kind] ?? r.kind, number: r.receiptNumber ?? '', status: (d.deliveries as Record<string, string>)[r.status] ?? r.status, statusKey: r.status,
        attempts: r.attempts, lastError: r.lastError, sent: when(r.sentAt), created: when(r.createdAt),
      })),
      queued: delivery.queued.map((q) => ({ kind: (d.kinds as Record<string, string>)[q.kind] ?? q.kind, status: q.status === 'pending' ? d.queued : (d.deliveries as Record<string, string>)[q.status] ?? q.status, created: when(q.createdAt), lastError: q.lastError })),
      events: history.events.map((e) => ({
        type: e.type, at: when(e.stripeCreatedAt), received: when(e.receivedAt),
        outcome: e.deadLetteredAt ? d.deadLettered : e.processedAt ? `${d.processed}${e.outcome ? ` (${e.outcome})` : ''}` : d.waiting, failed: Boolean(e.deadLetteredAt),
      })),
      entries: history.entries.map((e) => ({
        seq: e.seq, kind: kind(e.kind), at: when(e.occurredAt),
        postings: e.postings.map((p) => ({ account: p.account, amount: p.amount.toString(), currency: p.currency.toUpperCase() })),
        publicIndex: e.publicIndex, publicLabel: e.publicIndex === null ? null : d.publicEntry.replace('{index}', String(e.publicIndex)),
        proofHref: e.publicIndex !== null && slug ? `/c/${slug}/proof/inclusion?index=${e.publicIndex}` : null,
      })),
      ledgerHref: slug ? `/c/${slug}/ledger` : null,
      listHref: `${DASHBOARD_PATH}/o/${organization.id}/donations`,
    });
  }

  private form(page: SignedIn, organization: DashboardOrganization, history: DonationHistory, status: number, values: RefundFormValues, fieldErrors: FieldErrors, code: string | null): Promise<void> {
    const d = DONATION_MESSAGES[page.language];
    const locale = localeFor(page.language);
    const { donation } = history;
    const money = (amount: bigint) => formatMoney(amount, donation.currency, locale);
    const errorText = (k: string) => DONATION_ERRORS[page.language][k] ?? this.pages.errorMessage(page.language, k);
    const errors = Object.fromEntries(Object.entries(fieldErrors).map(([field, k]) => [field, errorText(k)]));
    const fieldError = Object.keys(errors).length > 0;
    const formError = code === null ? null : fieldError && (code === 'validation_failed' || Object.values(fieldErrors).includes(code)) ? d.fieldErrorsTitle : errorText(code);
    const base = `${DASHBOARD_PATH}/o/${organization.id}/donations/${donation.id}`;
    const refusal = refusalOf(history);
    return this.pages.render(page, 'donation-refund', { status, title: d.refundTitle, organization, section: 'donations' }, {
      d, heading: d.refundTitle,
      lead: fillIsolated(d.refundLead, { refundable: money(refundableOf(history)), charged: money(donation.amount) }),
      formError, errors, errorList: ['kind', 'amount', 'reason'].filter((f) => errors[f]).map((f) => ({ field: f === 'kind' ? 'kind-full' : f, message: errors[f] })),
      values, full: values.kind !== 'partial', fullLabel: d.refundFull.replace('{amount}', money(refundableOf(history))),
      currency: donation.currency.toUpperCase(),
      reasons: REFUND_REASONS.map((r) => ({ value: r, label: d.reasons[r], selected: r === values.reason })),
      action: `${base}/refund`, backHref: base, allowed: refusal === null,
    });
  }

  private confirmation(
    page: SignedIn, organization: DashboardOrganization, history: DonationHistory, status: number, amount: bigint, reason: RefundReason, key: string, code: string | null,
  ): Promise<void> {
    const d = DONATION_MESSAGES[page.language];
    const locale = localeFor(page.language);
    const { donation } = history;
    const money = (value: bigint) => formatMoney(value, donation.currency, locale);
    const remaining = refundableOf(history) - amount;
    const base = `${DASHBOARD_PATH}/o/${organization.id}/donations/${donation.id}`;
    const donor = donation.erasedAt ? d.erased : donation.donorName ?? d.noName;
    return this.pages.render(page, 'donation-refund-confirm', { status, title: fillIsolatedText(d.confirmTitle, { amount: money(amount) }), organization, section: 'donations' }, {
      d, heading: fillIsolated(d.confirmTitle, { amount: money(amount) }),
      lead: fillIsolated(d.confirmLead, { charged: money(donation.amount), donor, campaign: history.campaign?.title ?? d.unknownCampaign }),
      effects: [
        fillIsolated(d.effects.card, { amount: money(amount) }),
        remaining > 0n ? fillIsolated(d.effects.remains, { remaining: money(remaining) }) : fillIsolated(d.effects.nothingRemains, {}),
        fillIsolated(d.effects.fees, {}), fillIsolated(d.effects.ledger, {}),
        fillIsolated(donation.erasedAt ? d.effects.noNotice : d.effects.notice, {}), fillIsolated(d.effects.payouts, {}),
      ],
      reason: d.reasons[reason], error: code ? DONATION_ERRORS[page.language][code] ?? this.pages.errorMessage(page.language, code) : null,
      submit: d.confirmSubmit.replace('{amount}', money(amount)), formAction: `${base}/refund/confirm`, backHref: `${base}/refund`,
      hidden: { amount: amount.toString(), reason, key },
    });
  }
}

function refundableOf(history: DonationHistory): bigint {
  return refundableAmount(history.donation, reservedByRefunds(history.refunds));
}

function refusalOf(history: DonationHistory) {
  return refundRefusal(history.donation, reservedByRefunds(history.refunds));
}
