import { Body, Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { NotFoundError } from '@ataa/common';
import { OFFLINE_GIFT_METHODS, OFFLINE_GIFT_ROLES, OfflineGiftsService, type OfflineGiftCampaign } from '@ataa/donations';
import { formatMoney, localeFor } from '@ataa/notifications';
import { isUuid, type PageUser, type Principal } from '@ataa/organizations';
import { csrfTokenValid } from '../campaign-pages/csrf.setup.js';
import { fillIsolated, fillIsolatedText } from '../http/isolate.js';
import { DASHBOARD_PATH, DashboardContext, FormRefusal, toRefusal, type DashboardOrganization, type PageRequest } from './dashboard-context.js';
import { designationOptions } from './designation-options.js';
import { OFFLINE_GIFT_MESSAGES } from './offline-gift-messages.js';

type SignedIn = PageRequest & { user: PageUser };
interface FormValues { amount: string; receivedOn: string; method: string; reference: string; anonymous: boolean; donorName: string; donorEmail: string; message: string; designation: string; requestId: string }
const text = (body: Record<string, unknown> | undefined, key: string, max: number): string => {
  const value = body?.[key];
  return typeof value === 'string' ? value.slice(0, max) : '';
};

/**
 * A campaign's offline gifts in the dashboard (no JavaScript): the list (any member) and, for the
 * owner and finance members, the form to record one (an idempotency key per form opened, so a double
 * submit records once) and a void button per gift, with its public reason. Same service and rules as
 * the REST endpoints (OfflineGiftsController); another organization's campaign is a 404.
 */
@ApiExcludeController()
@Controller('dashboard/o/:organizationId/campaigns/:campaignId/offline-gifts')
export class DashboardOfflineGiftsController {
  constructor(
    private readonly pages: DashboardContext,
    private readonly gifts: OfflineGiftsService,
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
    const words = OFFLINE_GIFT_MESSAGES[page.language];
    const notice = done === 'recorded' ? words.recordedNotice : done === 'voided' ? words.voidedNotice : null;
    return this.render(page as SignedIn, organization, campaign, 200, emptyValues(), null, notice);
  }

  @Post()
  async record(
    @Param('organizationId') organizationId: string, @Param('campaignId') campaignId: string, @Body() body: Record<string, unknown> | undefined,
    @Req() request: FastifyRequest, @Res() reply: FastifyReply,
  ): Promise<void> {
    const page = await this.pages.page(request, reply);
    if (!page.user) return this.pages.redirect(reply, `${DASHBOARD_PATH}/sign-in`);
    const organization = await this.pages.membership(page.user, organizationId);
    const campaign = await this.campaign(organization, campaignId);
    const values: FormValues = {
      amount: text(body, 'amount', 40), receivedOn: text(body, 'receivedOn', 10), method: text(body, 'method', 20), reference: text(body, 'reference', 400),
      anonymous: body?.anonymous === 'yes', donorName: text(body, 'donorName', 400), donorEmail: text(body, 'donorEmail', 300), message: text(body, 'message', 1000),
      designation: text(body, 'designation', 40), requestId: text(body, 'requestId', 64),
    };
    try {
      if (!(await csrfTokenValid(request))) throw new FormRefusal('csrf', 403);
      if (!isUuid(values.requestId)) throw new FormRefusal('csrf', 400);
      await this.gifts.record(principalOf(page.user, organization), campaign.id, {
        amount: values.amount, currency: campaign.currency, receivedOn: values.receivedOn, method: values.method, reference: values.reference,
        anonymous: values.anonymous, donorName: values.donorName || null, donorEmail: values.donorEmail.trim() || null, message: values.message || null, language: page.language,
        designation: values.designation || null,
      }, `dashboard:${values.requestId}`);
      return this.pages.redirect(reply, `${this.base(organization, campaign)}?done=recorded`);
    } catch (error) {
      const refusal = toRefusal(error);
      return this.render(page as SignedIn, organization, campaign, refusal.status, values, refusal.code, null);
    }
  }

  @Post(':giftId/void')
  async void(
    @Param('organizationId') organizationId: string, @Param('campaignId') campaignId: string, @Param('giftId') giftId: string,
    @Body() body: Record<string, unknown> | undefined, @Req() request: FastifyRequest, @Res() reply: FastifyReply,
  ): Promise<void> {
    const page = await this.pages.page(request, reply);
    if (!page.user) return this.pages.redirect(reply, `${DASHBOARD_PATH}/sign-in`);
    const organization = await this.pages.membership(page.user, organizationId);
    const campaign = await this.campaign(organization, campaignId);
    if (!isUuid(giftId)) throw new NotFoundError('Offline gift');
    try {
      if (!(await csrfTokenValid(request))) throw new FormRefusal('csrf', 403);
      await this.gifts.void(principalOf(page.user, organization), campaign.id, giftId, text(body, 'reason', 1000));
      return this.pages.redirect(reply, `${this.base(organization, campaign)}?done=voided`);
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
    return `${DASHBOARD_PATH}/o/${organization.id}/campaigns/${campaign.id}/offline-gifts`;
  }

  private async render(page: SignedIn, organization: DashboardOrganization, campaign: OfflineGiftCampaign, status: number, values: FormValues, code: string | null, notice: string | null): Promise<void> {
    const w = OFFLINE_GIFT_MESSAGES[page.language];
    const locale = localeFor(page.language);
    const gifts = await this.gifts.list(organization.id, campaign.id);
    const canRecord = (OFFLINE_GIFT_ROLES as readonly string[]).includes(organization.role);
    const base = this.base(organization, campaign);
    const labelOf = (code: string | null) => {
      const d = code === null ? undefined : campaign.designations.find((x) => x.code === code);
      return d ? (page.language === 'ar' ? d.labelAr : d.labelEn) : code;
    };
    return this.pages.render(page, 'offline-gifts', { title: fillIsolatedText(w.title, { campaign: campaign.title }), organization, section: 'campaigns', status }, {
      w, heading: fillIsolated(w.title, { campaign: campaign.title }), notice,
      formError: code ? `${w.formError} ${w.errors[code] ?? w.errors.validation_failed}` : null,
      canRecord, action: base, designated: campaign.designations.length > 0, currency: campaign.currency.toUpperCase(), fieldAmount: w.fieldAmount.replace('{currency}', campaign.currency.toUpperCase()),
      values: { ...values, requestId: code && values.requestId && code !== 'idempotency_key_reused' ? values.requestId : randomUUID() },
      methods: OFFLINE_GIFT_METHODS.map((m) => ({ value: m, label: w.methods[m], selected: m === values.method })),
      // The campaign's declared designations (none: no choice, every gift general); the first is the default.
      designations: designationOptions(campaign.designations, page.language, values.designation, w.zakatTag),
      gifts: gifts.map((g) => ({
        id: g.id, received: g.receivedOn, amount: formatMoney(g.amount, g.currency, locale), method: w.methods[g.method as keyof typeof w.methods] ?? g.method,
        donor: g.anonymous ? w.anonymous : g.donorName, reference: g.reference, voided: g.voidedAt !== null, designation: labelOf(g.designation),
        status: g.voidedAt ? w.voided.replace('{reason}', g.voidReason ?? '') : w.recorded.replace('{index}', String(g.publicIndex ?? '')),
        voidAction: `${base}/${g.id}/void`,
      })),
      backHref: `${DASHBOARD_PATH}/o/${organization.id}/campaigns/${campaign.id}`,
    });
  }
}

function emptyValues(): FormValues {
  return { amount: '', receivedOn: '', method: 'cash', reference: '', anonymous: false, donorName: '', donorEmail: '', message: '', designation: '', requestId: randomUUID() };
}

function principalOf(user: PageUser, organization: DashboardOrganization): Principal {
  return { organizationId: organization.id, role: organization.role, userId: user.userId, apiKeyId: null, actor: user.actor };
}
