import { Body, Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { isEmail } from 'class-validator';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { NotFoundError } from '@ataa/common';
import { MatchingCardService, MatchingService, OFFLINE_GIFT_METHODS, OFFLINE_GIFT_ROLES, OfflineGiftsService, type OfflineGiftCampaign } from '@ataa/donations';
import { formatMoney, localeFor } from '@ataa/notifications';
import { isUuid, type PageUser, type Principal } from '@ataa/organizations';
import { csrfTokenValid } from '../campaign-pages/csrf.setup.js';
import { fillIsolated, fillIsolatedText } from '../http/isolate.js';
import { DASHBOARD_PATH, DashboardContext, FormRefusal, toRefusal, type DashboardOrganization, type PageRequest } from './dashboard-context.js';
import { designationOptions } from './designation-options.js';
import { MATCHING_DASHBOARD_MESSAGES } from './matching-messages.js';

type SignedIn = PageRequest & { user: PageUser };
interface OfferValues { sponsorName: string; ratioNumerator: string; ratioDenominator: string; cap: string; startsAt: string; endsAt: string; requestId: string }
const text = (body: Record<string, unknown> | undefined, key: string, max: number): string => {
  const value = body?.[key];
  return typeof value === 'string' ? value.slice(0, max) : '';
};
/** A whole number as typed, or NaN (the service refuses it with matching_ratio_not_positive). */
const whole = (value: string): number => (/^\s*-?\d{1,4}\s*$/.test(value) ? Number(value) : Number.NaN);
/** `datetime-local` (YYYY-MM-DDTHH:MM) read as UTC, as the labels say; anything else goes as typed (and is refused). */
const utc = (value: string): string => (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(value) ? `${value}:00Z` : value);

/**
 * A campaign's matching offers in the dashboard (no JavaScript; docs/matching.md): the list with
 * pledged (unverified) and collected amounts (any member) and, for the owner and finance members,
 * the form to create one (an idempotency key per form opened) and, per offer owing something, the
 * form that records the sponsor's money received as an offline gift and the one that opens a card
 * payment page (Stripe Checkout) for the sponsor, whose link the page then shows to send them. Same
 * services as the REST API.
 */
@ApiExcludeController()
@Controller('dashboard/o/:organizationId/campaigns/:campaignId/matching')
export class DashboardMatchingController {
  constructor(
    private readonly pages: DashboardContext,
    private readonly matching: MatchingService,
    private readonly gifts: OfflineGiftsService,
    private readonly cards: MatchingCardService,
  ) {}

  @Get()
  async show(
    @Param('organizationId') organizationId: string, @Param('campaignId') campaignId: string, @Query('done') done: unknown,
    @Req() request: FastifyRequest, @Res() reply: FastifyReply,
  ): Promise<void> {
    const page = await this.pages.page(request, reply);
    if (!page.user) return this.pages.redirect(reply, `${DASHBOARD_PATH}/sign-in`);
    const organization = await this.pages.membership(page.user, organizationId);
    const campaign = await this.campaign(organization, campaignId);
    const w = MATCHING_DASHBOARD_MESSAGES[page.language];
    const notice = done === 'created' ? w.createdNotice : done === 'collected' ? w.collectedNotice : null;
    return this.render(page as SignedIn, organization, campaign, 200, emptyValues(), null, notice);
  }

  @Post()
  async create(
    @Param('organizationId') organizationId: string, @Param('campaignId') campaignId: string, @Body() body: Record<string, unknown> | undefined,
    @Req() request: FastifyRequest, @Res() reply: FastifyReply,
  ): Promise<void> {
    const page = await this.pages.page(request, reply);
    if (!page.user) return this.pages.redirect(reply, `${DASHBOARD_PATH}/sign-in`);
    const organization = await this.pages.membership(page.user, organizationId);
    const campaign = await this.campaign(organization, campaignId);
    const values: OfferValues = {
      sponsorName: text(body, 'sponsorName', 400), ratioNumerator: text(body, 'ratioNumerator', 8), ratioDenominator: text(body, 'ratioDenominator', 8),
      cap: text(body, 'cap', 40), startsAt: text(body, 'startsAt', 40), endsAt: text(body, 'endsAt', 40), requestId: text(body, 'requestId', 64),
    };
    try {
      if (!(await csrfTokenValid(request))) throw new FormRefusal('csrf', 403);
      if (!isUuid(values.requestId)) throw new FormRefusal('csrf', 400);
      await this.matching.create(principalOf(page.user, organization), campaign.id, {
        sponsorName: values.sponsorName, ratioNumerator: whole(values.ratioNumerator), ratioDenominator: whole(values.ratioDenominator), cap: values.cap,
        currency: campaign.currency, startsAt: values.startsAt.trim() ? utc(values.startsAt.trim()) : null, endsAt: utc(values.endsAt.trim()),
      }, `dashboard:${values.requestId}`);
      return this.pages.redirect(reply, `${this.base(organization, campaign)}?done=created`);
    } catch (error) {
      const refusal = toRefusal(error);
      return this.render(page as SignedIn, organization, campaign, refusal.status, values, refusal.code, null);
    }
  }

  @Post(':offerId/collect')
  async collect(
    @Param('organizationId') organizationId: string, @Param('campaignId') campaignId: string, @Param('offerId') offerId: string,
    @Body() body: Record<string, unknown> | undefined, @Req() request: FastifyRequest, @Res() reply: FastifyReply,
  ): Promise<void> {
    return this.offerForm(organizationId, campaignId, offerId, body, request, reply, async (form) => {
      await this.matching.collect(form.principal, form.campaign.id, offerId, {
        receivedOn: text(body, 'receivedOn', 10), method: text(body, 'method', 20), reference: text(body, 'reference', 400), language: form.page.language,
        designation: text(body, 'designation', 40) || null,
      }, `dashboard-collect:${form.requestId}`);
      return this.pages.redirect(reply, `${this.base(form.organization, form.campaign)}?done=collected`);
    });
  }

  @Post(':offerId/collect-by-card')
  async collectByCard(
    @Param('organizationId') organizationId: string, @Param('campaignId') campaignId: string, @Param('offerId') offerId: string,
    @Body() body: Record<string, unknown> | undefined, @Req() request: FastifyRequest, @Res() reply: FastifyReply,
  ): Promise<void> {
    return this.offerForm(organizationId, campaignId, offerId, body, request, reply, async (form) => {
      // Empty: the member asking gets Stripe's and the receipt's mail (the service's default, as over REST).
      const email = text(body, 'sponsorEmail', 254).trim();
      if (email !== '' && !isEmail(email)) throw new FormRefusal('sponsor_email_invalid', 400);
      const opened = await this.cards.collectByCard(form.principal, form.campaign.id, offerId, email || null, `dashboard-card:${form.requestId}`);
      const w = MATCHING_DASHBOARD_MESSAGES[form.page.language];
      const money = formatMoney(opened.amount, form.campaign.currency, localeFor(form.page.language));
      return this.render(form.page, form.organization, form.campaign, 200, emptyValues(), null, null, { url: opened.url, text: w.cardOpenedNotice.replace('{amount}', money) });
    });
  }

  /**
   * A form posted about one offer: signed in, a member of the organization, the campaign theirs, the
   * CSRF token and the form's request id (its idempotency key) checked; a refusal shows the page again
   * with its message, nothing changed.
   */
  private async offerForm(
    organizationId: string, campaignId: string, offerId: string, body: Record<string, unknown> | undefined, request: FastifyRequest, reply: FastifyReply,
    work: (form: { page: SignedIn; organization: DashboardOrganization; campaign: OfflineGiftCampaign; principal: Principal; requestId: string }) => Promise<void>,
  ): Promise<void> {
    const page = await this.pages.page(request, reply);
    if (!page.user) return this.pages.redirect(reply, `${DASHBOARD_PATH}/sign-in`);
    const organization = await this.pages.membership(page.user, organizationId);
    const campaign = await this.campaign(organization, campaignId);
    if (!isUuid(offerId)) throw new NotFoundError('Matching offer');
    try {
      if (!(await csrfTokenValid(request))) throw new FormRefusal('csrf', 403);
      const requestId = text(body, 'requestId', 64);
      if (!isUuid(requestId)) throw new FormRefusal('csrf', 400);
      return await work({ page: page as SignedIn, organization, campaign, principal: principalOf(page.user, organization), requestId });
    } catch (error) {
      const refusal = toRefusal(error);
      return this.render(page as SignedIn, organization, campaign, refusal.status, emptyValues(), refusal.code, null);
    }
  }

  private async campaign(organization: DashboardOrganization, campaignId: string): Promise<OfflineGiftCampaign> {
    if (!isUuid(campaignId)) throw new NotFoundError('Campaign');
    return this.gifts.campaignOf(organization.id, campaignId);
  }

  private base(organization: DashboardOrganization, campaign: OfflineGiftCampaign): string {
    return `${DASHBOARD_PATH}/o/${organization.id}/campaigns/${campaign.id}/matching`;
  }

  private async render(
    page: SignedIn, organization: DashboardOrganization, campaign: OfflineGiftCampaign, status: number, values: OfferValues, code: string | null, notice: string | null,
    cardLink: { url: string | null; text: string } | null = null,
  ): Promise<void> {
    const w = MATCHING_DASHBOARD_MESSAGES[page.language];
    const locale = localeFor(page.language);
    const money = (amount: bigint) => formatMoney(amount, campaign.currency, locale);
    const offers = await this.matching.list(organization.id, campaign.id);
    const canManage = (OFFLINE_GIFT_ROLES as readonly string[]).includes(organization.role);
    const base = this.base(organization, campaign);
    const today = new Date().toISOString().slice(0, 10);
    return this.pages.render(page, 'matching', { title: fillIsolatedText(w.title, { campaign: campaign.title }), organization, section: 'campaigns', status }, {
      w, heading: fillIsolated(w.title, { campaign: campaign.title }), notice, cardLink,
      formError: code ? `${w.formError} ${w.errors[code] ?? w.errors.validation_failed}` : null,
      canManage, action: base, fieldCap: w.fieldCap.replace('{currency}', campaign.currency.toUpperCase()),
      values: { ...values, requestId: code && values.requestId && code !== 'idempotency_key_reused' ? values.requestId : randomUUID() },
      offers: offers.map(({ offer, active }) => {
        const owed = offer.accrued - offer.collected;
        return {
          id: offer.id, sponsor: offer.sponsorName, ratio: `${offer.ratioNumerator}:${offer.ratioDenominator}`, cap: money(offer.cap),
          startsIso: offer.startsAt.toISOString(), endsIso: offer.endsAt.toISOString(),
          window: `${offer.startsAt.toISOString().slice(0, 16).replace('T', ' ')} – ${offer.endsAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
          pledged: money(offer.accrued), collected: money(offer.collected), state: active ? w.active : w.inactive,
          collect: canManage && owed > 0n ? {
            action: `${base}/${offer.id}/collect`, requestId: randomUUID(), today, submit: w.collectSubmit.replace('{amount}', money(owed)),
            methods: OFFLINE_GIFT_METHODS.map((m) => ({ value: m, label: w.methods[m] })),
            designations: designationOptions(campaign.designations, page.language, '', w.zakatTag),
          } : null,
          card: canManage && owed > 0n ? { action: `${base}/${offer.id}/collect-by-card`, requestId: randomUUID(), submit: w.cardSubmit.replace('{amount}', money(owed)) } : null,
        };
      }),
      backHref: `${DASHBOARD_PATH}/o/${organization.id}/campaigns/${campaign.id}`,
    });
  }
}

function emptyValues(): OfferValues {
  return { sponsorName: '', ratioNumerator: '1', ratioDenominator: '1', cap: '', startsAt: '', endsAt: '', requestId: randomUUID() };
}

function principalOf(user: PageUser, organization: DashboardOrganization): Principal {
  return { organizationId: organization.id, role: organization.role, userId: user.userId, apiKeyId: null, actor: user.actor };
}
