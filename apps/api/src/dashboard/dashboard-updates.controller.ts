import { Body, Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, ForbiddenError, NotFoundError } from '@ataa/common';
import { CampaignsService, CoverImagesService } from '@ataa/campaigns';
import { formatDate, localeFor } from '@ataa/notifications';
import { isUuid, roleAllows, type PageUser, type Principal, type Role } from '@ataa/organizations';
import { CampaignUpdatesService } from '@ataa/updates';
import { csrfTokenValid, csrfValueValid } from '../campaign-pages/csrf.setup.js';
import { fillIsolated, fillIsolatedText } from '../http/isolate.js';
import { readUploadForm } from '../http/upload-form.js';
import { CAMPAIGN_ERRORS } from './campaign-messages.js';
import { DASHBOARD_PATH, DashboardContext, FormRefusal, toRefusal, type DashboardOrganization, type PageRequest } from './dashboard-context.js';
import { fileSize } from './dashboard-messages.js';
import { UPDATE_MESSAGES } from './update-messages.js';

/** Writing updates takes owner or admin (as editing the campaign); any member reads them. */
const MANAGE_ROLES: readonly Role[] = ['admin'];
const ACTIONS = ['publish', 'unpublish', 'delete'] as const;
type Action = (typeof ACTIONS)[number];
/** Refusals of the image file (CoverImagesService's), worded as on the campaign form and shown at the field. */
const IMAGE_PROBLEMS = new Set(['image_empty', 'image_too_large', 'image_type', 'image_dimensions']);

/**
 * A campaign's updates in the dashboard (no JavaScript): the list with each one's state and its
 * publish / unpublish / delete buttons, and the form to write one (saved as a draft or published at
 * once), with an optional image and its description for screen readers (multipart; the image checked by
 * its bytes and stored as campaign covers are:
 * CoverImagesService; a refused file stores nothing, and a stored one is taken back if the update is
 * refused). Each form carries the dashboard's CSRF token; the changes go through CampaignUpdatesService
 * with the member's principal, as the REST API's (validation, audit log, organization checks).
 */
@ApiExcludeController()
@Controller('dashboard/o/:organizationId/campaigns/:campaignId/updates')
export class DashboardUpdatesController {
  constructor(
    private readonly pages: DashboardContext,
    private readonly campaigns: CampaignsService,
    private readonly updates: CampaignUpdatesService,
    private readonly covers: CoverImagesService,
  ) {}

  @Get()
  async list(@Param('organizationId') organizationId: string, @Param('campaignId') campaignId: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const page = await this.pages.page(request, reply);
    if (!page.user) return this.pages.redirect(reply, `${DASHBOARD_PATH}/sign-in`);
    const organization = await this.pages.membership(page.user, organizationId);
    return this.show(page, organization, campaignId, 200, null, {});
  }

  @Post()
  async create(@Param('organizationId') organizationId: string, @Param('campaignId') campaignId: string, @Body() body: Record<string, unknown> | undefined, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const page = await this.pages.page(request, reply);
    if (!page.user) return this.pages.redirect(reply, `${DASHBOARD_PATH}/sign-in`);
    const organization = await this.pages.membership(page.user, organizationId);
    // Refused before the form is read: a viewer's upload is never held in memory.
    if (!roleAllows(organization.role, MANAGE_ROLES)) {
      const refusal = toRefusal(new ForbiddenError());
      return this.show(page, organization, campaignId, refusal.status, refusal.code, {});
    }
    // Another organization's campaign is a 404 before any file is read or stored.
    if (!isUuid(campaignId)) throw new NotFoundError('Campaign');
    await this.updates.assertCampaignOfOrganization(organization.id, campaignId);
    // The page's form is multipart (it carries the image); a plain urlencoded post has no file.
    const { fields, file } = request.isMultipart() ? await readUploadForm(request, 'image') : { fields: body ?? {}, file: null };
    const text = (key: string) => (typeof fields[key] === 'string' ? (fields[key] as string) : '');
    const values = { title: text('title'), body: text('body'), language: text('language'), imageAlt: text('imageAlt'), publish: text('publish') === 'on' };
    try {
      if (!(await csrfValueValid(request, fields._csrf))) throw new FormRefusal('csrf', 403);
      const language = values.language === 'ar' || values.language === 'en' ? values.language : undefined;
      // A blank description is no description (the service asks for one with an image, refuses one without).
      const imageAlt = values.imageAlt.trim() === '' ? null : values.imageAlt;
      const create = (imageKey: string | null) =>
        this.updates.create(principalOf(page.user!, organization), campaignId, { title: values.title, body: values.body, language, imageKey, imageAlt }, { publish: values.publish });
      if (file) {
        const inspected = this.covers.inspectUpload(file);
        if (!inspected.ok) throw new FormRefusal(inspected.problem, 400);
        // Stored only once it is an image; taken back if the update is then refused (its text, say).
        await this.covers.storeDuring(inspected.image, (stored) => create(stored.key));
      } else {
        await create(null);
      }
      return this.pages.redirect(reply, `${DASHBOARD_PATH}/o/${organization.id}/campaigns/${campaignId}/updates?done=1`);
    } catch (error) {
      const refusal = toRefusal(error);
      // The description's refusals are shown at its field, as the image's are.
      const altRefused = error instanceof DomainError && error.details?.field === 'imageAlt';
      return this.show(page, organization, campaignId, refusal.status, refusal.code, values, altRefused);
    }
  }

  @Post(':updateId/:action')
  async act(
    @Param('organizationId') organizationId: string, @Param('campaignId') campaignId: string, @Param('updateId') updateId: string, @Param('action') action: string,
    @Req() request: FastifyRequest, @Res() reply: FastifyReply,
  ): Promise<void> {
    const page = await this.pages.page(request, reply);
    if (!page.user) return this.pages.redirect(reply, `${DASHBOARD_PATH}/sign-in`);
    const organization = await this.pages.membership(page.user, organizationId);
    if (!(ACTIONS as readonly string[]).includes(action) || !isUuid(updateId)) throw new NotFoundError('Page');
    try {
      if (!roleAllows(organization.role, MANAGE_ROLES)) throw new ForbiddenError();
      if (!(await csrfTokenValid(request))) throw new FormRefusal('csrf', 403);
      const principal = principalOf(page.user, organization);
      if ((action as Action) === 'publish') await this.updates.publish(principal, campaignId, updateId);
      else if (action === 'unpublish') await this.updates.unpublish(principal, campaignId, updateId);
      else await this.updates.delete(principal, campaignId, updateId);
      return this.pages.redirect(reply, `${DASHBOARD_PATH}/o/${organization.id}/campaigns/${campaignId}/updates?done=1`);
    } catch (error) {
      const refusal = toRefusal(error);
      return this.show(page, organization, campaignId, refusal.status, refusal.code, {});
    }
  }

  private async show(page: PageRequest, organization: DashboardOrganization, campaignId: string, status: number, errorCode: string | null, values: Record<string, unknown>, altRefused = false): Promise<void> {
    if (!isUuid(campaignId)) throw new NotFoundError('Campaign');
    const campaign = await this.campaigns.getForOrganization(organization.id, campaignId);
    const u = UPDATE_MESSAGES[page.language];
    const locale = localeFor(page.language);
    const listed = await this.updates.list(organization.id, campaign.id, { limit: 100 });
    const base = `${DASHBOARD_PATH}/o/${organization.id}/campaigns/${campaign.id}/updates`;
    const canManage = roleAllows(organization.role, MANAGE_ROLES);
    const done = (page.request.query as Record<string, unknown>)?.done === '1';
    const imageError = errorCode && IMAGE_PROBLEMS.has(errorCode) ? CAMPAIGN_ERRORS[page.language][errorCode] : null;
    const altError = errorCode && altRefused ? u.altErrors[errorCode] ?? u.altErrors.invalid_text : null;
    return this.pages.render(page, 'updates', { title: fillIsolatedText(u.title, { campaign: campaign.title }), organization, section: 'campaigns', status }, {
      u, heading: fillIsolated(u.title, { campaign: campaign.title }), canManage, formAction: base,
      error: errorCode ? imageError ?? altError ?? this.pages.errorMessage(page.language, errorCode) : null, imageError, altError, done: done && !errorCode,
      imageHint: u.imageHint.replace('{size}', fileSize(this.covers.maxBytes, page.language)),
      values: { title: values.title ?? '', body: values.body ?? '', imageAlt: values.imageAlt ?? '', publish: values.publish === true, ar: (values.language ?? campaign.language) === 'ar' },
      items: listed.items.map((x) => ({
        id: x.id, title: x.title, lang: x.language, dir: x.language === 'ar' ? 'rtl' : 'ltr', status: u.statuses[x.status], statusKey: x.status,
        published: x.publishedAt ? u.published.replace('{date}', formatDate(new Date(x.publishedAt), locale)) : null,
        publicHref: x.status === 'published' ? `/c/${encodeURIComponent(campaign.slug)}/updates/${x.id}` : null,
        actions: canManage ? [
          ...(x.status === 'published' ? [{ key: 'unpublish', label: u.unpublish, href: `${base}/${x.id}/unpublish` }] : [{ key: 'publish', label: u.publish, href: `${base}/${x.id}/publish` }]),
          { key: 'delete', label: u.delete, href: `${base}/${x.id}/delete`, danger: true },
        ] : [],
      })),
      campaignHref: `${DASHBOARD_PATH}/o/${organization.id}/campaigns/${campaign.id}`,
    });
  }
}

function principalOf(user: PageUser, organization: DashboardOrganization): Principal {
  return { organizationId: organization.id, role: organization.role, userId: user.userId, apiKeyId: null, actor: user.actor };
}
