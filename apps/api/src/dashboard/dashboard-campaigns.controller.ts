import { Body, Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  CAMPAIGN_CATEGORIES, CAMPAIGN_STATUSES, Campaign, CampaignsService, CoverImagesService, CreateCampaignDto, isEditable, nextStatus, UpdateCampaignDto, type AcceptedCoverImage,
  type CampaignAction, type CampaignStatus,
} from '@ataa/campaigns';
import { DomainError, ForbiddenError, NotFoundError, TEXT_LIMITS, textProblem, normalizeUserText } from '@ataa/common';
import { CampaignCloseOutService, CampaignReader } from '@ataa/donations';
import { AppConfig } from '@ataa/config';
import { LedgerService } from '@ataa/ledger';
import { formatMoney, localeFor } from '@ataa/notifications';
import { isUuid, roleAllows, type PageUser, type Principal, type Role } from '@ataa/organizations';
import { CampaignPageView } from '../campaign-pages/campaign-page.view.js';
import { campaignUrl } from '../campaign-pages/campaign-share.js';
import { csrfTokenValid, csrfValueValid } from '../campaign-pages/csrf.setup.js';
import { fillIsolated, fillIsolatedText } from '../http/isolate.js';
import { readUploadForm, type UploadedFile } from '../http/upload-form.js';
import { createValidationPipe } from '../http/validation.js';
import { DISCOVERY_MESSAGES } from '../discovery/discovery-messages.js';
import { CAMPAIGN_ERRORS, CAMPAIGN_MESSAGES } from './campaign-messages.js';
import { campaignFormOf, campaignInputOf, emptyCampaignForm, readCampaignForm, type CampaignFormValues, type FieldErrors } from './campaign-form.js';
import { DASHBOARD_PATH, DashboardContext, FormRefusal, toRefusal, type DashboardOrganization, type PageRequest } from './dashboard-context.js';
import { DASHBOARD_MESSAGES, fileSize, giftsCount } from './dashboard-messages.js';
import { PAYOUT_MESSAGES } from './payout-messages.js';
import { OFFLINE_GIFT_MESSAGES } from './offline-gift-messages.js';
import { MATCHING_DASHBOARD_MESSAGES } from './matching-messages.js';

/** The API's role rules (CampaignsController): reads are any member's; create, edit and the lifecycle are owner/admin. */
const MANAGE_ROLES: readonly Role[] = ['admin'];
const ACTIONS: readonly CampaignAction[] = ['publish', 'pause', 'resume', 'end', 'cancel'];
/** The form's fields in the order they appear (the error summary follows it). */
const FORM_ORDER = ['title', 'language', 'summary', 'story', 'slug', 'currency', 'fundingModel', 'category', 'goal', 'startsAt', 'endsAt', 'suggestedAmounts', 'minimumAmount', 'maximumAmount', 'coverImage', 'coverImageUrl', 'embedOrigins', 'designations'];
const FORM_FIELDS = new Set(FORM_ORDER);
const PAGE_SIZE = 20;
/** The fields the validation pipe judges on the form (amounts and dates are read by campaign-form.ts). */
const PIPE_FIELDS = new Set(['title', 'slug', 'summary', 'story', 'language', 'currency', 'fundingModel', 'category', 'coverImageUrl', 'embedOrigins']);

type SignedIn = PageRequest & { user: PageUser };
type Fields = Record<string, unknown>;

/** What the validation pipe's field names mean on the form. */
function validationCode(field: string, values: CampaignFormValues): string {
  switch (field) {
    case 'title': return values.title.trim() === '' ? 'title_required' : 'invalid_text';
    case 'slug': return 'invalid_slug';
    case 'coverImageUrl': return 'invalid_url';
    case 'embedOrigins': return 'invalid_embed_origins';
    case 'designations': return 'invalid_designations';
    case 'language': case 'fundingModel': case 'category': return 'invalid_choice';
    case 'currency': return 'invalid_currency';
    default: return 'invalid_text';
  }
}

/**
 * The Campaigns section: list (search, status), create, a campaign's page (public links, lifecycle
 * buttons each behind a confirmation saying what happens to the money), edit. Same rules as the REST
 * API: the form's body goes through the API's validation pipe and DTO, then CampaignsService (and
 * CampaignCloseOutService for end/cancel), with the member's principal; roles as CampaignsController.
 */
@ApiExcludeController()
@Controller('dashboard/o/:organizationId/campaigns')
export class DashboardCampaignsController {
  private readonly validation = createValidationPipe();

  constructor(
    private readonly pages: DashboardContext,
    private readonly campaigns: CampaignsService,
    private readonly closeOut: CampaignCloseOutService,
    private readonly ledger: LedgerService,
    private readonly covers: CoverImagesService,
    private readonly campaignPages: CampaignReader,
    private readonly campaignPageView: CampaignPageView,
    private readonly config: AppConfig,
  ) {}

  @Get()
  async list(@Param('organizationId') organizationId: string, @Query() query: Record<string, unknown>, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const page = await this.pages.page(request, reply);
    if (!page.user) return this.pages.redirect(reply, `${DASHBOARD_PATH}/sign-in`);
    const organization = await this.pages.membership(page.user, organizationId);
    const t = DASHBOARD_MESSAGES[page.language];
    const c = CAMPAIGN_MESSAGES[page.language];
    const locale = localeFor(page.language);
    // Filters typed into a GET form: what is not valid is ignored, never an error page.
    const rawQ = typeof query.q === 'string' ? normalizeUserText(query.q, false) : '';
    const q = rawQ && !textProblem(rawQ, { min: 1, max: TEXT_LIMITS.searchQuery }) ? rawQ : '';
    const status = (CAMPAIGN_STATUSES as readonly string[]).includes(query.status as string) ? (query.status as CampaignStatus) : undefined;
    const cursor = typeof query.cursor === 'string' && isUuid(query.cursor) ? query.cursor : undefined;
    const result = await this.campaigns.list(organization.id, { q: q || undefined, status, cursor, limit: PAGE_SIZE });
    const kept = await this.ledger.keptByCampaign(result.items.map((x) => x.id));
    const date = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' });
    const base = `${DASHBOARD_PATH}/o/${organization.id}/campaigns`;
    const nextQuery = new URLSearchParams({ ...(q ? { q } : {}), ...(status ? { status } : {}), ...(result.nextCursor ? { cursor: result.nextCursor } : {}) });
    return this.pages.render(page, 'campaigns', { title: c.listTitle, organization, section: 'campaigns' }, {
      c, heading: c.listTitle, canManage: roleAllows(organization.role, MANAGE_ROLES), newHref: `${base}/new`,
      filters: { q, statuses: CAMPAIGN_STATUSES.map((s) => ({ value: s, label: c.statuses[s], selected: s === status })) },
      filtered: Boolean(q || status),
      campaigns: result.items.map((x) => ({
        title: x.title, href: `${base}/${x.id}`, status: c.statuses[x.status], statusKey: x.status,
        raised: formatMoney(kept.get(x.id)?.kept ?? 0n, x.currency, locale), goal: formatMoney(x.goalAmount, x.currency, locale),
        starts: x.startsAt ? c.from.replace('{date}', date.format(x.startsAt)) : null, startsIso: x.startsAt?.toISOString(),
        ends: x.endsAt ? c.until.replace('{date}', date.format(x.endsAt)) : null, endsIso: x.endsAt?.toISOString(),
      })),
      nextHref: result.nextCursor ? `${base}?${nextQuery.toString()}` : null,
      t,
    });
  }

  @Get('new')
  async newForm(@Param('organizationId') organizationId: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const page = await this.pages.page(request, reply);
    if (!page.user) return this.pages.redirect(reply, `${DASHBOARD_PATH}/sign-in`);
    const organization = await this.manager(page as SignedIn, organizationId);
    return this.form(page as SignedIn, organization, null, 200, emptyCampaignForm(page.language), {}, null);
  }

  @Post('new')
  async create(@Param('organizationId') organizationId: string, @Body() body: Record<string, unknown> | undefined, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const page = await this.pages.page(request, reply);
    if (!page.user) return this.pages.redirect(reply, `${DASHBOARD_PATH}/sign-in`);
    const organization = await this.manager(page as SignedIn, organizationId);
    const { fields, file } = await this.readForm(request, body);
    const values = readCampaignForm(fields);
    const fieldErrors: FieldErrors = {};
    try {
      if (!(await csrfValueValid(request, fields._csrf))) throw new FormRefusal('csrf', 403);
      const image = this.coverOf(file, values, fieldErrors);
      const { input, errors } = campaignInputOf(values);
      Object.assign(fieldErrors, errors);
      const dto = (await this.validate(CreateCampaignDto, input, values, fieldErrors)) as CreateCampaignDto;
      // Every field is valid: only now is the file stored (and taken back if the campaign is refused).
      const created = await this.withCover(image, dto, () => this.campaigns.create(principalOf(page.user!, organization), dto));
      return this.pages.redirect(reply, `${DASHBOARD_PATH}/o/${organization.id}/campaigns/${created.id}?done=created`);
    } catch (error) {
      const refusal = this.refusal(error, fieldErrors);
      return this.form(page as SignedIn, organization, null, refusal.status, values, fieldErrors, refusal.code);
    }
  }

  @Get(':campaignId')
  async show(
    @Param('organizationId') organizationId: string, @Param('campaignId') campaignId: string, @Query('done') done: unknown,
    @Req() request: FastifyRequest, @Res() reply: FastifyReply,
  ): Promise<void> {
    const page = await this.pages.page(request, reply);
    if (!page.user) return this.pages.redirect(reply, `${DASHBOARD_PATH}/sign-in`);
    const organization = await this.pages.membership(page.user, organizationId);
    const campaign = await this.campaign(organization, campaignId);
    const c = CAMPAIGN_MESSAGES[page.language];
    const locale = localeFor(page.language);
    const totals = await this.ledger.campaignTotals(campaign.id);
    const kept = totals ? totals.raised - totals.refunded - totals.disputed : 0n;
    const date = new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' });
    const money = (amount: bigint) => formatMoney(amount, campaign.currency, locale);
    const canManage = roleAllows(organization.role, MANAGE_ROLES);
    const base = `${DASHBOARD_PATH}/o/${organization.id}/campaigns/${campaign.id}`;
    const slug = encodeURIComponent(campaign.slug);
    const doneKey = typeof done === 'string' ? done : '';
    const notice = doneKey === 'created' ? c.createdNotice : doneKey === 'saved' ? c.saved : (ACTIONS as readonly string[]).includes(doneKey) ? c.done[doneKey as CampaignAction] : null;
    return this.pages.render(page, 'campaign', { title: fillIsolatedText('{campaign}', { campaign: campaign.title }), organization, section: 'campaigns' }, {
      c, campaign: {
        title: campaign.title, status: c.statuses[campaign.status], statusKey: campaign.status, summary: campaign.summary, language: campaign.language,
        goal: money(campaign.goalAmount), raised: money(kept), gifts: giftsCount(page.language, totals?.donationsCount ?? 0, locale),
        fundingModel: c.fundingModels[campaign.fundingModel], campaignLanguage: c.languages[campaign.language], currency: campaign.currency.toUpperCase(),
        starts: campaign.startsAt ? date.format(campaign.startsAt) : null, startsIso: campaign.startsAt?.toISOString(),
        ends: campaign.endsAt ? date.format(campaign.endsAt) : null, endsIso: campaign.endsAt?.toISOString(),
        suggested: campaign.suggestedAmounts.map(money),
        created: date.format(campaign.createdAt), createdIso: campaign.createdAt.toISOString(),
        published: campaign.publishedAt ? date.format(campaign.publishedAt) : null, publishedIso: campaign.publishedAt?.toISOString(),
      },
      suspended: campaign.suspendedAt ? fillIsolated(c.suspended, { reason: campaign.suspensionReason ?? '' }) : null,
      links: campaign.status === 'draft' ? null : { page: `/c/${slug}`, ledger: `/c/${slug}/ledger`, report: `/c/${slug}/report` },
      embed: this.embedView(campaign, c),
      // Close-out progress (DashboardCloseOutController) once a published campaign ended or was cancelled.
      closeout: (campaign.status === 'ended' || campaign.status === 'cancelled') && campaign.publishedAt ? { href: `${base}/closeout`, label: PAYOUT_MESSAGES[page.language].closeoutLink } : null,
      // Offline gifts (issue 21): recorded to a published or paused campaign; the list stays reachable after.
      offlineGifts: campaign.publishedAt ? { href: `${base}/offline-gifts`, label: OFFLINE_GIFT_MESSAGES[page.language].list } : null,
      matching: { href: `${base}/matching`, label: MATCHING_DASHBOARD_MESSAGES[page.language].link },
      updatesHref: `${base}/updates`,
      canManage, notice, listHref: `${DASHBOARD_PATH}/o/${organization.id}/campaigns`, previewHref: `${base}/preview`,
      editHref: canManage && isEditable(campaign.status) ? `${base}/edit` : null,
      actions: canManage ? availableActions(campaign.status).map((a) => ({ label: c.actions[a], href: `${base}/${a}`, key: a, danger: a === 'end' || a === 'cancel' })) : [],
    });
  }

  /**
   * The campaign page as the public sees it (also a draft's, which nobody else sees): the public page's own
   * template and data (CampaignPageView), without the donation form, under a banner in the member's language.
   */
  @Get(':campaignId/preview')
  async preview(
    @Param('organizationId') organizationId: string, @Param('campaignId') campaignId: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply,
  ): Promise<void> {
    const page = await this.pages.page(request, reply);
    if (!page.user) return this.pages.redirect(reply, `${DASHBOARD_PATH}/sign-in`);
    const organization = await this.pages.membership(page.user, organizationId);
    const campaign = await this.campaign(organization, campaignId);
    const shown = await this.campaignPages.findById(campaign.id);
    if (!shown) throw new NotFoundError('Campaign', 'campaign_not_found');
    const c = CAMPAIGN_MESSAGES[page.language];
    const data = await this.campaignPageView.readPageData(shown);
    void reply.status(200).header('cache-control', 'no-store').header('x-robots-tag', 'noindex');
    return reply.view('campaign/page.hbs', {
      ...this.campaignPageView.pageView(data, {}, '', false),
      preview: {
        text: c.previewBanner, back: c.previewBack, href: `${DASHBOARD_PATH}/o/${organization.id}/campaigns/${campaign.id}`,
        lang: page.language, dir: page.language === 'ar' ? 'rtl' : 'ltr',
      },
    });
  }

  @Get(':campaignId/edit')
  async editForm(@Param('organizationId') organizationId: string, @Param('campaignId') campaignId: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const page = await this.pages.page(request, reply);
    if (!page.user) return this.pages.redirect(reply, `${DASHBOARD_PATH}/sign-in`);
    const organization = await this.manager(page as SignedIn, organizationId);
    const campaign = await this.campaign(organization, campaignId);
    return this.form(page as SignedIn, organization, campaign, 200, campaignFormOf(campaign, this.covers.isUploaded(campaign.coverImageUrl)), {}, isEditable(campaign.status) ? null : 'campaign_not_editable');
  }

  @Post(':campaignId/edit')
  async edit(
    @Param('organizationId') organizationId: string, @Param('campaignId') campaignId: string, @Body() body: Record<string, unknown> | undefined,
    @Req() request: FastifyRequest, @Res() reply: FastifyReply,
  ): Promise<void> {
    const page = await this.pages.page(request, reply);
    if (!page.user) return this.pages.redirect(reply, `${DASHBOARD_PATH}/sign-in`);
    const organization = await this.manager(page as SignedIn, organizationId);
    const campaign = await this.campaign(organization, campaignId);
    const { fields, file } = await this.readForm(request, body);
    const values = readCampaignForm(fields);
    const fieldErrors: FieldErrors = {};
    try {
      if (!(await csrfValueValid(request, fields._csrf))) throw new FormRefusal('csrf', 403);
      const image = this.coverOf(file, values, fieldErrors);
      const { input, errors } = campaignInputOf(values, campaign, { coverUploaded: this.covers.isUploaded(campaign.coverImageUrl) });
      input.version = versionOf(fields, campaign);
      Object.assign(fieldErrors, errors);
      const dto = (await this.validate(UpdateCampaignDto, input, values, fieldErrors)) as UpdateCampaignDto;
      await this.withCover(image, dto, () => this.campaigns.update(principalOf(page.user!, organization), campaign.id, dto));
      return this.pages.redirect(reply, `${DASHBOARD_PATH}/o/${organization.id}/campaigns/${campaign.id}?done=saved`);
    } catch (error) {
      const refusal = this.refusal(error, fieldErrors);
      return this.form(page as SignedIn, organization, campaign, refusal.status, values, fieldErrors, refusal.code, versionOf(fields, campaign));
    }
  }

  /** The confirmation of a lifecycle action: what happens, and what happens to the money. */
  @Get(':campaignId/:action')
  async confirm(
    @Param('organizationId') organizationId: string, @Param('campaignId') campaignId: string, @Param('action') action: string,
    @Req() request: FastifyRequest, @Res() reply: FastifyReply,
  ): Promise<void> {
    const page = await this.pages.page(request, reply);
    if (!page.user) return this.pages.redirect(reply, `${DASHBOARD_PATH}/sign-in`);
    const organization = await this.pages.membership(page.user, organizationId);
    if (!isAction(action)) throw new NotFoundError('Page');
    const campaign = await this.campaign(organization, campaignId);
    if (!roleAllows(organization.role, MANAGE_ROLES)) throw new ForbiddenError();
    return this.confirmation(page as SignedIn, organization, campaign, action, 200, null);
  }

  @Post(':campaignId/:action')
  async transition(
    @Param('organizationId') organizationId: string, @Param('campaignId') campaignId: string, @Param('action') action: string,
    @Body() body: Record<string, unknown> | undefined, @Req() request: FastifyRequest, @Res() reply: FastifyReply,
  ): Promise<void> {
    const page = await this.pages.page(request, reply);
    if (!page.user) return this.pages.redirect(reply, `${DASHBOARD_PATH}/sign-in`);
    const organization = await this.pages.membership(page.user, organizationId);
    if (!isAction(action)) throw new NotFoundError('Page');
    const campaign = await this.campaign(organization, campaignId);
    if (!roleAllows(organization.role, MANAGE_ROLES)) throw new ForbiddenError();
    try {
      if (!(await csrfTokenValid(request))) throw new FormRefusal('csrf', 403);
      const principal = principalOf(page.user, organization);
      const version = versionOf(body, campaign);
      if (action === 'end' || action === 'cancel') await this.closeOut.endOrCancel(principal, campaign.id, action, version);
      else await this.campaigns.transition(principal, campaign.id, action, version);
      return this.pages.redirect(reply, `${DASHBOARD_PATH}/o/${organization.id}/campaigns/${campaign.id}?done=${action}`);
    } catch (error) {
      const refusal = toRefusal(error);
      const fresh = await this.campaign(organization, campaign.id);
      return this.confirmation(page as SignedIn, organization, fresh, action, refusal.status, refusal.code);
    }
  }

  /**
   * The form's fields and cover file: a multipart form (the page's, so a file can come along; parsed
   * by readUploadForm) or a plain urlencoded one (no file).
   */
  private async readForm(request: FastifyRequest, body: Fields | undefined): Promise<{ fields: Fields; file: UploadedFile | null }> {
    if (!request.isMultipart()) return { fields: body ?? {}, file: null };
    return readUploadForm(request, 'coverImage');
  }

  /** The uploaded cover, checked by its bytes, or null; a refused file marks the field (nothing is stored). */
  private coverOf(file: UploadedFile | null, values: CampaignFormValues, fieldErrors: FieldErrors): AcceptedCoverImage | null {
    if (!file) return null;
    if (values.coverImageUrl.trim() !== '') {
      fieldErrors.coverImage = 'cover_both';
      return null;
    }
    const inspected = this.covers.inspectUpload(file);
    if (!inspected.ok) {
      fieldErrors.coverImage = inspected.problem;
      return null;
    }
    return inspected.image;
  }

  /** Stores the cover (if any) into the DTO, runs the change, and takes a newly stored file back if the change fails. */
  private async withCover<T>(image: AcceptedCoverImage | null, dto: { coverImageUrl?: string | null }, change: () => Promise<T>): Promise<T> {
    if (!image) return change();
    return this.covers.storeDuring(image, (stored) => {
      dto.coverImageUrl = stored.url;
      return change();
    });
  }

  /** The organization, if the member may manage its campaigns (403 page otherwise; another organization's: 404). */
  private async manager(page: SignedIn, organizationId: string): Promise<DashboardOrganization> {
    const organization = await this.pages.membership(page.user, organizationId);
    if (!roleAllows(organization.role, MANAGE_ROLES)) throw new ForbiddenError();
    return organization;
  }

  /** The donate widget's copy-paste snippet (partial dashboard-campaign-embed) and the sites allowed to show it. */
  private embedView(campaign: Campaign, c: (typeof CAMPAIGN_MESSAGES)[keyof typeof CAMPAIGN_MESSAGES]) {
    const src = `${campaignUrl(this.config.PUBLIC_BASE_URL, campaign.slug).replace(/\/c\/([^/]+)$/, '/embed/c/$1')}`;
    // Escaped by the template (it is shown as text to copy, never as markup of this page).
    const snippet = `<iframe src="${src}" title="${campaign.title.replace(/[&"<>]/g, (ch) => `&#${ch.charCodeAt(0)};`)}" width="380" height="420" style="border:0" loading="lazy"></iframe>`;
    return { c, snippet, origins: campaign.embedOrigins ?? [], allowed: (campaign.embedOrigins ?? []).length > 0 };
  }

  /** One of the organization's campaigns; a bad id or another organization's campaign is 404. */
  private async campaign(organization: DashboardOrganization, campaignId: string): Promise<Campaign> {
    if (!isUuid(campaignId)) throw new NotFoundError('Campaign');
    return this.campaigns.getForOrganization(organization.id, campaignId);
  }

  /**
   * The API's validation pipe on the API's DTO: the same checks as POST/PATCH /api/v1/orgs/:orgId/campaigns.
   * Run even when the typing already failed, so every wrong field is marked at once; amounts and dates
   * are the form's own reading (what it sends always matches the DTO), so only the other fields are taken.
   */
  private async validate(metatype: typeof CreateCampaignDto | typeof UpdateCampaignDto, input: Record<string, unknown>, values: CampaignFormValues, fieldErrors: FieldErrors): Promise<unknown> {
    let dto: unknown;
    try {
      dto = await this.validation.transform(input, { type: 'body', metatype });
    } catch (error) {
      const fields = error instanceof DomainError ? (error.details?.errors as { field: string }[] | undefined) : undefined;
      if (!fields) throw error;
      for (const { field } of fields) {
        const name = field.split('.')[0];
        if (PIPE_FIELDS.has(name) && !fieldErrors[name]) fieldErrors[name] = validationCode(name, values);
      }
      if (Object.keys(fieldErrors).length === 0) throw error;
    }
    if (Object.keys(fieldErrors).length > 0) throw new FormRefusal('validation_failed', 400);
    return dto;
  }

  /** A refusal for the form; a DomainError naming a field of the form marks that field. */
  private refusal(error: unknown, fieldErrors: FieldErrors): FormRefusal {
    const refusal = toRefusal(error);
    const field = error instanceof DomainError ? error.details?.field : undefined;
    if (typeof field === 'string' && FORM_FIELDS.has(field)) fieldErrors[field] = error instanceof DomainError ? error.code : refusal.code;
    return refusal;
  }

  private form(
    page: SignedIn, organization: DashboardOrganization, campaign: Campaign | null, status: number, values: CampaignFormValues, fieldErrors: FieldErrors, code: string | null,
    version?: number,
  ): Promise<void> {
    const c = CAMPAIGN_MESSAGES[page.language];
    const errorText = (k: string) => CAMPAIGN_ERRORS[page.language][k] ?? this.pages.errorMessage(page.language, k);
    const fixed = campaign !== null && campaign.status !== 'draft';
    const title = campaign ? fillIsolatedText(c.editTitle, { campaign: campaign.title }) : c.createTitle;
    const base = `${DASHBOARD_PATH}/o/${organization.id}/campaigns`;
    const errors = Object.fromEntries(Object.entries(fieldErrors).map(([field, k]) => [field, errorText(k)]));
    const fieldError = Object.keys(errors).length > 0;
    // The form-level message: a field-less refusal (CSRF, version conflict...), or a summary pointing at the fields.
    const formError = code === null ? null : fieldError && (code === 'validation_failed' || Object.values(fieldErrors).includes(code)) ? c.fieldErrorsTitle : errorText(code);
    return this.pages.render(page, 'campaign-form', { status, title, organization, section: 'campaigns' }, {
      c, heading: campaign ? fillIsolated(c.editTitle, { campaign: campaign.title }) : c.createTitle,
      action: campaign ? `${base}/${campaign.id}/edit` : `${base}/new`,
      backHref: campaign ? `${base}/${campaign.id}` : base,
      submit: campaign ? c.editSubmit : c.createSubmit,
      values, errors, formError, fixed, version: version ?? campaign?.version ?? null,
      currentCover: campaign && this.covers.isUploaded(campaign.coverImageUrl) ? campaign.coverImageUrl : null,
      coverUploadHint: c.coverUploadHint.replace('{size}', fileSize(this.covers.maxBytes, page.language)),
      errorList: FORM_ORDER.filter((field) => errors[field]).map((field) => ({ field: field === 'fundingModel' ? 'fundingModel-flexible' : field, message: errors[field] })),
      languages: (['en', 'ar'] as const).map((l) => ({ value: l, label: c.languages[l], selected: values.language === l })),
      categories: CAMPAIGN_CATEGORIES.map((value) => ({ value, label: DISCOVERY_MESSAGES[page.language].categories[value], selected: values.category === value })),
      fundingModels: (['flexible', 'all_or_nothing'] as const).map((m) => ({ value: m, label: c.fundingModels[m], hint: c.fundingHints[m], checked: values.fundingModel === m, id: `fundingModel-${m}` })),
      disabled: campaign !== null && !isEditable(campaign.status),
    });
  }

  private async confirmation(page: SignedIn, organization: DashboardOrganization, campaign: Campaign, action: CampaignAction, status: number, code: string | null): Promise<void> {
    const c = CAMPAIGN_MESSAGES[page.language];
    const locale = localeFor(page.language);
    const totals = await this.ledger.campaignTotals(campaign.id);
    const kept = totals ? totals.raised - totals.refunded - totals.disputed : 0n;
    const draft = campaign.status === 'draft';
    const effect = action === 'cancel' && draft ? c.effects.cancelDraft : c.effects[action];
    const money = action === 'cancel' ? (draft ? c.money.cancelDraft : c.money.cancel)
      : action === 'end' ? (campaign.fundingModel === 'all_or_nothing' ? c.money.endAllOrNothing : c.money.endFlexible)
        : c.money[action];
    const allowed = availableActions(campaign.status).includes(action);
    const base = `${DASHBOARD_PATH}/o/${organization.id}/campaigns/${campaign.id}`;
    return this.pages.render(page, 'campaign-confirm', { status, title: fillIsolatedText(c.confirmTitles[action], { campaign: campaign.title }), organization, section: 'campaigns' }, {
      c, heading: fillIsolated(c.confirmTitles[action], { campaign: campaign.title }),
      effect, money, final: action === 'end' || action === 'cancel',
      soFar: draft ? null : fillIsolated(c.soFar, { raised: formatMoney(kept, campaign.currency, locale), gifts: giftsCount(page.language, totals?.donationsCount ?? 0, locale) }),
      submit: c.confirmSubmit[action], formAction: `${base}/${action}`, backHref: base, version: campaign.version, danger: action === 'end' || action === 'cancel',
      error: code ? CAMPAIGN_ERRORS[page.language][code] ?? this.pages.errorMessage(page.language, code) : allowed ? null : CAMPAIGN_ERRORS[page.language].invalid_transition,
      allowed,
    });
  }
}

function principalOf(user: PageUser, organization: DashboardOrganization): Principal {
  return { organizationId: organization.id, role: organization.role, userId: user.userId, apiKeyId: null, actor: user.actor };
}

function isAction(value: string): value is CampaignAction {
  return (ACTIONS as readonly string[]).includes(value);
}

/** The lifecycle moves the campaigns lib allows from `status` (its own rule, nextStatus). */
function availableActions(status: CampaignStatus): CampaignAction[] {
  return ACTIONS.filter((action) => {
    try {
      nextStatus(status, action);
      return true;
    } catch {
      return false;
    }
  });
}

/** The version the form was opened on (a stale one is the service's 409 version_conflict), else the current one. */
function versionOf(body: Record<string, unknown> | undefined, campaign: Campaign): number {
  const raw = body?.version;
  return typeof raw === 'string' && /^[1-9]\d{0,8}$/.test(raw) ? Number(raw) : campaign.version;
}
