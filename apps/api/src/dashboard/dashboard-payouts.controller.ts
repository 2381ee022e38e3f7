import { Body, Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { DomainError, ForbiddenError, NotFoundError } from '@ataa/common';
import { formatMoney, localeFor } from '@ataa/notifications';
import {
  isUuid, MembersService, OrganizationsService, roleAllows, StripeOnboardingService, type Organization, type PageUser, type Principal, type Role,
} from '@ataa/organizations';
import { canMove, CreatePayoutDto, EvidenceService, FundsService, payoutHistory, PayoutsService, type CampaignFunds, type CampaignRef, type Payout } from '@ataa/payouts';
import { readEvidenceForm, sendEvidenceFile } from '../payouts/evidence.controller.js';
import { EVIDENCE_ERRORS, EVIDENCE_MESSAGES } from './evidence-messages.js';
import { csrfTokenValid, csrfValueValid } from '../campaign-pages/csrf.setup.js';
import { fillIsolated, fillIsolatedText } from '../http/isolate.js';
import { createValidationPipe } from '../http/validation.js';
import { DASHBOARD_PATH, DashboardContext, FormRefusal, toRefusal, type DashboardOrganization, type PageRequest } from './dashboard-context.js';
import { actorKind, idempotencyKeyOf, payoutAmountOf, payoutPartsOf, readPayoutForm, type PayoutFormValues } from './payout-form.js';
import { PAYOUT_ERRORS, PAYOUT_MESSAGES } from './payout-messages.js';

/** The API's role rules: reads any member's; a request owner/finance (PayoutsController); a cancel owner only (no @Roles). */
const REQUEST_ROLES: readonly Role[] = ['finance'];
const CANCEL_ROLES: readonly Role[] = ['owner'];
/** StripeOnboardingController: creating the account and its links is the owner's; reading it again from Stripe owner/finance. */
const CONNECT_ROLES: readonly Role[] = ['owner'];
const SYNC_ROLES: readonly Role[] = ['finance'];
/** The campaigns whose funds the overview and the form show (newest first). */
const CAMPAIGNS_SHOWN = 50;
const FORM_ORDER = ['campaignId', 'amount', 'designations', 'purpose'] as const;
type FieldErrors = Partial<Record<(typeof FORM_ORDER)[number], string>>;
/** Where a lib's refusal belongs on the form. */
const FIELD_OF: Record<string, (typeof FORM_ORDER)[number]> = {
  insufficient_funds: 'amount', payout_amount_invalid: 'amount', currency_mismatch: 'amount',
  payout_purpose_required: 'purpose', payout_purpose_invalid: 'purpose', campaign_not_closed_out: 'campaignId',
  payout_parts_mismatch: 'designations', payout_parts_invalid: 'designations', unknown_designation: 'designations', payout_designations_conflict: 'designations',
};

type SignedIn = PageRequest & { user: PageUser };
type Words = (typeof PAYOUT_MESSAGES)['en'];

/**
 * The Payouts section: funds per campaign (FundsService.fundsFor, as GET .../funds), payout requests
 * and a payout's page with its status history, requesting (PayoutsService.request, as POST .../payouts,
 * an idempotency key per form opened) and cancelling (PayoutsService.cancel) a payout, and Stripe
 * Connect onboarding (StripeOnboardingService, as /stripe/account and /stripe/account-link) coming
 * back to the dashboard. Roles as the REST controllers; another organization's payout is 404.
 */
@ApiExcludeController()
@Controller('dashboard/o/:organizationId/payouts')
export class DashboardPayoutsController {
  private readonly validation = createValidationPipe();

  constructor(
    private readonly pages: DashboardContext,
    private readonly funds: FundsService,
    private readonly payouts: PayoutsService,
    private readonly organizations: OrganizationsService,
    private readonly onboarding: StripeOnboardingService,
    private readonly members: MembersService,
    private readonly evidence: EvidenceService,
  ) {}

  @Get()
  async overview(@Param('organizationId') organizationId: string, @Query('done') done: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const page = await this.pages.page(request, reply);
    if (!page.user) return this.pages.redirect(reply, `${DASHBOARD_PATH}/sign-in`);
    const organization = await this.pages.membership(page.user, organizationId);
    const p = PAYOUT_MESSAGES[page.language];
    const locale = localeFor(page.language);
    const base = this.base(organization);
    const [campaigns, account, payouts] = await Promise.all([
      this.fundsOfCampaigns(organization.id),
      this.organizations.get(organization.id),
      this.payouts.listForOrganization(organization.id),
    ]);
    const date = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' });
    const money = (amount: bigint, currency: string) => formatMoney(amount, currency, locale);
    const totals = new Map<string, { available: bigint; pending: bigint; reserved: bigint; paidOut: bigint }>();
    for (const { funds: f } of campaigns) {
      const t = totals.get(f.currency) ?? { available: 0n, pending: 0n, reserved: 0n, paidOut: 0n };
      t.available += f.available;
      t.pending += f.pending;
      t.reserved += f.reserved;
      t.paidOut += f.paidOut;
      totals.set(f.currency, t);
    }
    return this.pages.render(page, 'payouts', { title: p.title, organization, section: 'payouts' }, {
      p, heading: p.title,
      notice: done === 'cancelled' ? p.cancelledNotice : null,
      canRequest: roleAllows(organization.role, REQUEST_ROLES) && campaigns.length > 0, newHref: `${base}/new`, connectHref: `${base}/connect`,
      account: accountView(account, p),
      campaigns: campaigns.map(({ campaign, funds: f }) => ({
        title: campaign.title, currency: f.currency.toUpperCase(), href: `${DASHBOARD_PATH}/o/${organization.id}/campaigns/${campaign.id}`,
        available: money(f.available, f.currency), reserved: money(f.reserved, f.currency), paidOut: money(f.paidOut, f.currency),
        pending: f.pendingByDate.map((t) => ({
          text: t.availableOn ? p.pendingOn.replace('{amount}', money(t.amount, f.currency)).replace('{date}', date.format(t.availableOn)) : p.pendingUnknown.replace('{amount}', money(t.amount, f.currency)),
          iso: t.availableOn?.toISOString(),
        })),
      })),
      more: campaigns.length >= CAMPAIGNS_SHOWN ? p.moreCampaigns.replace('{count}', new Intl.NumberFormat(locale).format(CAMPAIGNS_SHOWN)) : null,
      totals: [...totals.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([currency, t]) => ({
        currency: currency.toUpperCase(), available: money(t.available, currency), pending: money(t.pending, currency),
        reserved: money(t.reserved, currency), paidOut: money(t.paidOut, currency),
      })),
      payouts: payouts.map((x) => ({
        href: `${base}/${x.id}`, campaign: x.campaignTitle, amount: money(x.amount, x.currency), purpose: x.purpose,
        status: p.statuses[x.status], statusKey: x.status, requested: date.format(x.createdAt), requestedIso: new Date(x.createdAt).toISOString(),
      })),
    });
  }

  @Get('new')
  async newForm(@Param('organizationId') organizationId: string, @Query('campaign') campaign: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const page = await this.pages.page(request, reply);
    if (!page.user) return this.pages.redirect(reply, `${DASHBOARD_PATH}/sign-in`);
    const organization = await this.allowed(page as SignedIn, organizationId, REQUEST_ROLES);
    const values: PayoutFormValues = { campaignId: typeof campaign === 'string' && isUuid(campaign) ? campaign : '', amount: '', purpose: '', designations: '', requestId: randomUUID() };
    return this.form(page as SignedIn, organization, 200, values, {}, null);
  }

  @Post('new')
  async create(@Param('organizationId') organizationId: string, @Body() body: Record<string, unknown> | undefined, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const page = await this.pages.page(request, reply);
    if (!page.user) return this.pages.redirect(reply, `${DASHBOARD_PATH}/sign-in`);
    const organization = await this.allowed(page as SignedIn, organizationId, REQUEST_ROLES);
    const values = readPayoutForm(body);
    const fieldErrors: FieldErrors = {};
    let available: { amount: bigint; currency: string } | null = null;
    let parts: { code: string; amount: string }[] | null = null;
    try {
      if (!(await csrfTokenValid(request))) throw new FormRefusal('csrf', 403);
      const key = idempotencyKeyOf(values.requestId);
      if (!key) throw new FormRefusal('request_expired', 400);
      // The campaign first (another organization's, or none chosen: the field's error, never a hint it exists).
      const campaign = isUuid(values.campaignId) ? await this.funds.campaignOf(organization.id, values.campaignId).catch((error: unknown) => {
        if (error instanceof NotFoundError) return null;
        throw error;
      }) : null;
      if (!campaign) fieldErrors.campaignId = 'campaign_required';
      const amount = campaign ? payoutAmountOf(values.amount, campaign.currency) : null;
      if (amount && 'error' in amount) fieldErrors.amount = amount.error;
      const split = campaign ? payoutPartsOf(values.designations, campaign.currency) : null;
      if (split && 'error' in split) fieldErrors.designations = split.error;
      parts = split && 'parts' in split ? split.parts : null;
      const input = { amount: amount && 'minor' in amount ? amount.minor : '0', currency: campaign?.currency ?? 'usd', purpose: values.purpose, clientRequestId: key };
      await this.validate(input, values, fieldErrors);
      const result = await this.payouts.request(principalOf(page.user!, organization), campaign!.id, {
        amount: input.amount, currency: input.currency, purpose: values.purpose, privateNote: null, idempotencyKey: key, ...(parts ? { designations: parts } : {}),
      });
      return this.pages.redirect(reply, `${this.base(organization)}/${result.payout.id}?done=requested`);
    } catch (error) {
      const refusal = toRefusal(error);
      // A split payout's part beyond its designation belongs to the split field.
      const field = error instanceof DomainError ? (error.code === 'insufficient_funds' && parts ? 'designations' : FIELD_OF[error.code]) : undefined;
      if (field && !fieldErrors[field]) fieldErrors[field] = (error as DomainError).code;
      if (error instanceof DomainError && error.code === 'insufficient_funds' && typeof error.details?.available === 'string') {
        const campaign = await this.funds.campaignOf(organization.id, values.campaignId);
        available = { amount: BigInt(error.details.available), currency: campaign.currency };
      }
      return this.form(page as SignedIn, organization, refusal.status, values, fieldErrors, refusal.code, available);
    }
  }

  /** Stripe Connect: the account's state, and (owner) a button to start or resume onboarding on Stripe. */
  @Get('connect')
  async connect(@Param('organizationId') organizationId: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const page = await this.pages.page(request, reply);
    if (!page.user) return this.pages.redirect(reply, `${DASHBOARD_PATH}/sign-in`);
    const organization = await this.pages.membership(page.user, organizationId);
    return this.connectPage(page as SignedIn, organization, await this.organizations.get(organization.id), 200, null, null);
  }

  /** Creates the Express account if there is none (idempotent), then a fresh account link: 303 to Stripe's onboarding. */
  @Post('connect')
  async startConnect(@Param('organizationId') organizationId: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const page = await this.pages.page(request, reply);
    if (!page.user) return this.pages.redirect(reply, `${DASHBOARD_PATH}/sign-in`);
    const organization = await this.allowed(page as SignedIn, organizationId, CONNECT_ROLES);
    const base = this.base(organization);
    try {
      if (!(await csrfTokenValid(request))) throw new FormRefusal('csrf', 403);
      const principal = principalOf(page.user, organization);
      await this.onboarding.createAccount(principal, {});
      const link = await this.onboarding.createAccountLink(principal, { returnPath: `${base}/connect/return`, refreshPath: `${base}/connect/refresh` });
      return this.pages.redirect(reply, link.url);
    } catch (error) {
      const refusal = toRefusal(error);
      return this.connectPage(page as SignedIn, organization, await this.organizations.get(organization.id), refusal.status, null, refusal.code);
    }
  }

  /**
   * Stripe's return_url. Stripe decides whether payouts are enabled (`account.updated`); a member who
   * may sync reads the account from Stripe now, through the same path as the webhook, so the page
   * shows its state without waiting for the event. Reading it again changes nothing Stripe has not said.
   */
  @Get('connect/return')
  async connectReturn(@Param('organizationId') organizationId: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const page = await this.pages.page(request, reply);
    if (!page.user) return this.pages.redirect(reply, `${DASHBOARD_PATH}/sign-in`);
    const organization = await this.pages.membership(page.user, organizationId);
    const p = PAYOUT_MESSAGES[page.language];
    let account = await this.organizations.get(organization.id);
    let code: string | null = null;
    if (roleAllows(organization.role, SYNC_ROLES)) {
      try {
        account = await this.onboarding.sync(principalOf(page.user, organization));
      } catch (error) {
        code = toRefusal(error).code; // Stripe unreachable: the state last recorded, and why it may be old
      }
    }
    return this.connectPage(page as SignedIn, organization, account, 200, account.payoutsEnabled ? `${p.returned} ${p.returnedEnabled}` : p.returned, code);
  }

  /** Stripe's refresh_url: the link expired or was used; the page offers a new one (a POST). */
  @Get('connect/refresh')
  async connectRefresh(@Param('organizationId') organizationId: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const page = await this.pages.page(request, reply);
    if (!page.user) return this.pages.redirect(reply, `${DASHBOARD_PATH}/sign-in`);
    const organization = await this.pages.membership(page.user, organizationId);
    return this.connectPage(page as SignedIn, organization, await this.organizations.get(organization.id), 200, PAYOUT_MESSAGES[page.language].refreshed, null);
  }

  @Get(':payoutId')
  async show(
    @Param('organizationId') organizationId: string, @Param('payoutId') payoutId: string, @Query('done') done: unknown,
    @Req() request: FastifyRequest, @Res() reply: FastifyReply,
  ): Promise<void> {
    const page = await this.pages.page(request, reply);
    if (!page.user) return this.pages.redirect(reply, `${DASHBOARD_PATH}/sign-in`);
    const organization = await this.pages.membership(page.user, organizationId);
    const payout = await this.payout(organization, payoutId);
    return this.payoutPage(page as SignedIn, organization, payout, 200, { done: typeof done === 'string' ? done : null });
  }

  /**
   * Spending evidence from the payout's page (multipart form, works without JavaScript): the same
   * rules as POST /api/v1/orgs/:orgId/payouts/:payoutId/evidence (EvidenceService.attach); a refused
   * file is shown on the page again with its reason and a 4xx status, nothing stored.
   */
  @Post(':payoutId/evidence')
  async attachEvidence(@Param('organizationId') organizationId: string, @Param('payoutId') payoutId: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const page = await this.pages.page(request, reply);
    if (!page.user) return this.pages.redirect(reply, `${DASHBOARD_PATH}/sign-in`);
    const organization = await this.allowed(page as SignedIn, organizationId, REQUEST_ROLES);
    const payout = await this.payout(organization, payoutId);
    let fields: Record<string, string> = {};
    try {
      const form = await readEvidenceForm(request, this.evidence.maxBytes);
      fields = form.fields;
      if (!(await csrfValueValid(request, fields._csrf))) throw new FormRefusal('csrf', 403);
      await this.evidence.attach(principalOf(page.user!, organization), payout.id, { title: fields.title, visibility: fields.visibility }, form.file);
      return this.pages.redirect(reply, `${this.base(organization)}/${payout.id}?done=evidence#evidence-title`);
    } catch (error) {
      const refusal = toRefusal(error);
      return this.payoutPage(page as SignedIn, organization, payout, refusal.status, { evidenceError: refusal.code, evidenceValues: { title: fields.title ?? '', visibility: fields.visibility ?? 'public' } });
    }
  }

  /** An outcome evidenced by this payout (EvidenceService.stateOutcome, as POST .../campaigns/:campaignId/outcomes). */
  @Post(':payoutId/outcomes')
  async stateOutcome(@Param('organizationId') organizationId: string, @Param('payoutId') payoutId: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const page = await this.pages.page(request, reply);
    if (!page.user) return this.pages.redirect(reply, `${DASHBOARD_PATH}/sign-in`);
    const organization = await this.allowed(page as SignedIn, organizationId, REQUEST_ROLES);
    const payout = await this.payout(organization, payoutId);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const labelEn = typeof body.labelEn === 'string' ? body.labelEn : '';
    const labelAr = typeof body.labelAr === 'string' ? body.labelAr : '';
    try {
      if (!(await csrfTokenValid(request))) throw new FormRefusal('csrf', 403);
      await this.evidence.stateOutcome(principalOf(page.user!, organization), payout.campaignId, { labelEn, labelAr, payoutId: payout.id });
      return this.pages.redirect(reply, `${this.base(organization)}/${payout.id}?done=outcome#outcomes-title`);
    } catch (error) {
      const refusal = toRefusal(error);
      return this.payoutPage(page as SignedIn, organization, payout, refusal.status, { outcomeError: refusal.code, outcomeValues: { labelEn, labelAr } });
    }
  }

  /** An evidence file of the payout, for the organization's members (public or operator-only). */
  @Get(':payoutId/evidence/:evidenceId')
  async evidenceFile(
    @Param('organizationId') organizationId: string, @Param('payoutId') payoutId: string, @Param('evidenceId') evidenceId: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply,
  ): Promise<void> {
    const page = await this.pages.page(request, reply);
    if (!page.user) return this.pages.redirect(reply, `${DASHBOARD_PATH}/sign-in`);
    const organization = await this.pages.membership(page.user, organizationId);
    const payout = await this.payout(organization, payoutId);
    if (!isUuid(evidenceId)) throw new NotFoundError('Evidence');
    const { evidence, bytes } = await this.evidence.file(organization.id, payout.id, evidenceId);
    sendEvidenceFile(reply, evidence, bytes);
  }

  private async payoutPage(
    page: SignedIn, organization: DashboardOrganization, payout: Payout, status: number,
    state: { done?: string | null; evidenceError?: string; evidenceValues?: { title: string; visibility: string }; outcomeError?: string; outcomeValues?: { labelEn: string; labelAr: string } },
  ): Promise<void> {
    const done = state.done ?? null;
    const p = PAYOUT_MESSAGES[page.language];
    const locale = localeFor(page.language);
    const [campaign, members] = await Promise.all([this.funds.campaignOf(organization.id, payout.campaignId), this.members.list(organization.id)]);
    const names = new Map(members.map((m) => [`user:${m.userId}`, m.displayName || m.email]));
    const when = new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' });
    const money = (amount: bigint) => formatMoney(amount, payout.currency, locale);
    const amount = money(payout.amount);
    const base = this.base(organization);
    const canCancel = roleAllows(organization.role, CANCEL_ROLES) && canMove(payout.status, 'cancelled');
    return this.pages.render(page, 'payout', { title: p.payoutTitle.replace('{amount}', amount), organization, section: 'payouts', status }, {
      p, heading: p.payoutTitle.replace('{amount}', amount),
      notice: done === 'requested' ? p.requestedNotice : null,
      payout: {
        amount, status: p.statuses[payout.status], statusKey: payout.status, purpose: payout.purpose,
        campaign: campaign.title, campaignHref: `${DASHBOARD_PATH}/o/${organization.id}/campaigns/${campaign.id}`,
        requested: when.format(payout.createdAt), requestedIso: new Date(payout.createdAt).toISOString(),
        approval: payout.approval ? p.approvals[payout.approval] : null,
        transfer: payout.stripeTransferId, reversed: payout.amountReversed > 0n ? money(payout.amountReversed) : null,
        failure: payout.status === 'failed' ? payout.failureMessage ?? payout.failureCode : null, rejection: payout.rejectionReason,
      },
      history: payoutHistory(payout).map((step) => {
        const kind = actorKind(step.by);
        const actor = kind === 'member' ? names.get(step.by!) ?? p.actors.member : p.actors[kind];
        return {
          status: p.statuses[step.status], statusKey: step.status,
          at: step.at ? when.format(step.at) : null, iso: step.at ? new Date(step.at).toISOString() : null,
          by: step.by === null && step.status === 'processing' ? null : fillIsolated(p.historyBy, { actor }),
        };
      }),
      cancelHref: canCancel ? `${base}/${payout.id}/cancel` : null,
      cancelNote: !canCancel && canMove(payout.status, 'cancelled') ? p.cancelOwnerOnly : null,
      listHref: base,
      evidence: await this.evidenceView(page, organization, payout, state, done),
    });
  }

  /** The payout page's evidence and outcomes sections: what is attached, and the forms (owner, finance). */
  private async evidenceView(
    page: SignedIn, organization: DashboardOrganization, payout: Payout,
    state: { evidenceError?: string; evidenceValues?: { title: string; visibility: string }; outcomeError?: string; outcomeValues?: { labelEn: string; labelAr: string } },
    done: string | null,
  ) {
    const e = EVIDENCE_MESSAGES[page.language];
    const errors = EVIDENCE_ERRORS[page.language];
    const [items, outcomes] = await Promise.all([this.evidence.list(organization.id, payout.id), this.evidence.outcomes(organization.id, payout.campaignId)]);
    const size = (bytes: number) => (bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`);
    const base = `${this.base(organization)}/${payout.id}`;
    const values = state.evidenceValues ?? { title: '', visibility: 'public' };
    return {
      e,
      items: items.map((item) => ({
        title: item.title, href: `${base}/evidence/${item.id}`, visibility: item.visibility === 'public' ? e.public : e.operator, visibilityKey: item.visibility,
        type: item.mediaType, size: size(item.bytes), publicIndex: item.publicIndex,
      })),
      outcomes: outcomes.filter((o) => o.payoutId === payout.id).map((o) => ({ label: page.language === 'ar' ? o.labelAr : o.labelEn, lang: page.language })),
      canAttach: roleAllows(organization.role, REQUEST_ROLES),
      action: `${base}/evidence`, outcomeAction: `${base}/outcomes`,
      fileLabel: e.fileLabel.replace('{max}', size(this.evidence.maxBytes)),
      values, publicChecked: values.visibility !== 'operator',
      error: state.evidenceError ? { code: state.evidenceError, text: errors[state.evidenceError] ?? errors.validation_failed } : null,
      outcomeValues: state.outcomeValues ?? { labelEn: '', labelAr: '' },
      outcomeError: state.outcomeError ? { code: state.outcomeError, text: errors[state.outcomeError] ?? errors.invalid_text } : null,
      notice: done === 'evidence' ? e.attached : done === 'outcome' ? e.outcomeStated : null,
    };
  }

  @Get(':payoutId/cancel')
  async confirmCancel(@Param('organizationId') organizationId: string, @Param('payoutId') payoutId: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const page = await this.pages.page(request, reply);
    if (!page.user) return this.pages.redirect(reply, `${DASHBOARD_PATH}/sign-in`);
    const organization = await this.pages.membership(page.user, organizationId);
    const payout = await this.payout(organization, payoutId);
    if (!roleAllows(organization.role, CANCEL_ROLES)) throw new ForbiddenError();
    return this.cancelPage(page as SignedIn, organization, payout, 200, null);
  }

  @Post(':payoutId/cancel')
  async cancel(@Param('organizationId') organizationId: string, @Param('payoutId') payoutId: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const page = await this.pages.page(request, reply);
    if (!page.user) return this.pages.redirect(reply, `${DASHBOARD_PATH}/sign-in`);
    const organization = await this.pages.membership(page.user, organizationId);
    const payout = await this.payout(organization, payoutId);
    if (!roleAllows(organization.role, CANCEL_ROLES)) throw new ForbiddenError();
    try {
      if (!(await csrfTokenValid(request))) throw new FormRefusal('csrf', 403);
      await this.payouts.cancel(principalOf(page.user, organization), payout.id);
      return this.pages.redirect(reply, `${this.base(organization)}?done=cancelled`);
    } catch (error) {
      const refusal = toRefusal(error);
      return this.cancelPage(page as SignedIn, organization, await this.payout(organization, payout.id), refusal.status, refusal.code);
    }
  }

  private base(organization: DashboardOrganization): string {
    return `${DASHBOARD_PATH}/o/${organization.id}/payouts`;
  }

  /** The organization, if the member's role allows the action (403 page otherwise; another organization's: 404). */
  private async allowed(page: SignedIn, organizationId: string, roles: readonly Role[]): Promise<DashboardOrganization> {
    const organization = await this.pages.membership(page.user, organizationId);
    if (!roleAllows(organization.role, roles)) throw new ForbiddenError();
    return organization;
  }

  /** One of the organization's payouts; a bad id or another organization's payout is 404. */
  private async payout(organization: DashboardOrganization, payoutId: string): Promise<Payout> {
    if (!isUuid(payoutId)) throw new NotFoundError('Payout');
    return this.payouts.get(organization.id, payoutId);
  }

  /** Each campaign's funds, as the API's GET .../funds computes them (availability asked of Stripe first). */
  private async fundsOfCampaigns(organizationId: string): Promise<{ campaign: CampaignRef; funds: CampaignFunds }[]> {
    const result: { campaign: CampaignRef; funds: CampaignFunds }[] = [];
    // One campaign at a time: each may ask Stripe about its gifts.
    for (const campaign of await this.funds.campaignsOf(organizationId, CAMPAIGNS_SHOWN)) {
      result.push({ campaign, funds: await this.funds.fundsFor(organizationId, campaign.id) });
    }
    return result;
  }

  /** The API's DTO through the API's validation pipe (the same checks as POST .../payouts); marks the purpose. */
  private async validate(input: Record<string, unknown>, values: PayoutFormValues, fieldErrors: FieldErrors): Promise<void> {
    try {
      await this.validation.transform(input, { type: 'body', metatype: CreatePayoutDto });
    } catch (error) {
      const fields = error instanceof DomainError ? (error.details?.errors as { field: string }[] | undefined) : undefined;
      if (!fields) throw error;
      if (fields.some((f) => f.field === 'purpose') && !fieldErrors.purpose) fieldErrors.purpose = values.purpose.trim() ? 'payout_purpose_invalid' : 'payout_purpose_required';
      if (Object.keys(fieldErrors).length === 0) throw error;
    }
    if (Object.keys(fieldErrors).length > 0) throw new FormRefusal('validation_failed', 400);
  }

  private async form(
    page: SignedIn, organization: DashboardOrganization, status: number, values: PayoutFormValues, fieldErrors: FieldErrors, code: string | null,
    available: { amount: bigint; currency: string } | null = null,
  ): Promise<void> {
    const p = PAYOUT_MESSAGES[page.language];
    const locale = localeFor(page.language);
    const [campaigns, account] = await Promise.all([this.fundsOfCampaigns(organization.id), this.organizations.get(organization.id)]);
    const errorText = (k: string) => {
      const text = PAYOUT_ERRORS[page.language][k] ?? this.pages.errorMessage(page.language, k);
      return k === 'insufficient_funds' && available ? text.replace('{available}', formatMoney(available.amount, available.currency, locale)) : text.replace('{available}', '0');
    };
    const errors = Object.fromEntries(Object.entries(fieldErrors).map(([field, k]) => [field, errorText(k)]));
    const fieldError = Object.keys(errors).length > 0;
    const formError = code === null ? null : fieldError && (code === 'validation_failed' || Object.values(fieldErrors).includes(code)) ? p.fieldErrorsTitle : errorText(code);
    const base = this.base(organization);
    return this.pages.render(page, 'payout-form', { status, title: p.formTitle, organization, section: 'payouts' }, {
      p, heading: p.formTitle, action: `${base}/new`, backHref: base, connectHref: `${base}/connect`,
      values, errors, formError,
      errorList: FORM_ORDER.filter((field) => errors[field]).map((field) => ({ field, message: errors[field] })),
      notEnabled: !account.payoutsEnabled,
      campaigns: campaigns.map(({ campaign, funds: f }) => ({
        value: campaign.id, selected: campaign.id === values.campaignId,
        label: p.campaignOption.replace('{campaign}', campaign.title).replace('{available}', formatMoney(f.available, f.currency, locale)),
      })),
    });
  }

  private connectPage(page: SignedIn, organization: DashboardOrganization, account: Organization, status: number, notice: string | null, code: string | null): Promise<void> {
    const p = PAYOUT_MESSAGES[page.language];
    const canConnect = roleAllows(organization.role, CONNECT_ROLES);
    const submit = !account.stripeAccountId ? p.connectStart : !account.detailsSubmitted || !account.payoutsEnabled ? p.connectResume : p.connectUpdate;
    return this.pages.render(page, 'payouts-connect', { status, title: p.connectTitle, organization, section: 'payouts' }, {
      p, heading: p.connectTitle, notice, account: accountView(account, p),
      error: code ? PAYOUT_ERRORS[page.language][code] ?? this.pages.errorMessage(page.language, code) : null,
      canConnect, submit, formAction: `${this.base(organization)}/connect`, backHref: this.base(organization),
    });
  }

  private cancelPage(page: SignedIn, organization: DashboardOrganization, payout: Payout, status: number, code: string | null): Promise<void> {
    const p = PAYOUT_MESSAGES[page.language];
    const amount = formatMoney(payout.amount, payout.currency, localeFor(page.language));
    const allowed = canMove(payout.status, 'cancelled');
    const href = `${this.base(organization)}/${payout.id}`;
    return this.pages.render(page, 'payout-cancel', { status, title: fillIsolatedText(p.cancelTitle, { amount }), organization, section: 'payouts' }, {
      p, heading: p.cancelTitle.replace('{amount}', amount), purpose: payout.purpose,
      error: code ? PAYOUT_ERRORS[page.language][code] ?? this.pages.errorMessage(page.language, code) : allowed ? null : p.cannotCancel,
      allowed, formAction: `${href}/cancel`, backHref: href,
    });
  }
}

function principalOf(user: PageUser, organization: DashboardOrganization): Principal {
  return { organizationId: organization.id, role: organization.role, userId: user.userId, apiKeyId: null, actor: user.actor };
}

/** The organization's Stripe account as the pages show it (the state last reported by Stripe). */
function accountView(account: Organization, p: Words) {
  return {
    connected: Boolean(account.stripeAccountId), id: account.stripeAccountId,
    detailsSubmitted: account.detailsSubmitted ? p.yes : p.no, payoutsEnabled: account.payoutsEnabled ? p.yes : p.no, chargesEnabled: account.chargesEnabled ? p.yes : p.no,
    enabled: account.payoutsEnabled,
  };
}
