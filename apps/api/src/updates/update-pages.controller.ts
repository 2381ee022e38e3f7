import { Body, Controller, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '@ataa/common';
import { AppConfig } from '@ataa/config';
import { formatDate, localeFor } from '@ataa/notifications';
import { PublicUpdatesService, type UpdateCampaign, type UpdateRow } from '@ataa/updates';
import { isolateText } from '../http/isolate.js';
import { publicChrome, publicLanguage, textLanguage, type PublicLanguage } from '../http/public-language.js';
import { UPDATE_PAGE_MESSAGES } from './update-page-messages.js';

/**
 * The public update pages of a campaign (`/c/:slug/updates`, paged; `/c/:slug/updates/:id`), its
 * Atom feed (`/c/:slug/updates.atom`), and the unsubscribe link's page and RFC 8058 one-click
 * endpoint (`/c/:slug/updates/unsubscribe?token=`): the signed token is the whole authority, so the
 * POST takes no CSRF token and no confirmation (a GET only shows the form, it changes nothing).
 */
@ApiExcludeController()
@Controller('c')
export class UpdatePagesController {
  private readonly base: string;

  constructor(
    private readonly updates: PublicUpdatesService,
    config: AppConfig,
  ) {
    this.base = config.PUBLIC_BASE_URL.replace(/\/$/, '');
  }

  @Get(':slug/updates.atom')
  async feed(@Param('slug') slug: string, @Res() reply: FastifyReply): Promise<void> {
    const xml = await this.updates.feed(slug);
    void reply.status(200).header('content-type', 'application/atom+xml; charset=utf-8').header('cache-control', 'public, max-age=60').send(xml);
  }

  @Get(':slug/updates')
  async list(@Param('slug') slug: string, @Query('page') pageText: string | undefined, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const page = pageText === undefined ? 1 : /^\d{1,6}$/.test(pageText) ? Number(pageText) : 0;
    const found = await this.updates.page(slug, page);
    const { language } = publicLanguage(request, reply, found.campaign.language);
    const t = UPDATE_PAGE_MESSAGES[language];
    const path = `/c/${found.campaign.slug}/updates`;
    const pageQuery = (p: number) => (p === 1 ? `?lang=${language}` : `?page=${p}&lang=${language}`);
    void reply.status(200).header('cache-control', 'no-store').header('vary', 'Accept-Language, Cookie');
    return reply.view('campaign/updates.hbs', {
      ...this.layout(found.campaign, `${t.updates} — ${isolateText(found.campaign.title)}`, language, path, page > 1 ? { page: String(page) } : {}),
      t, campaign: this.campaignView(found.campaign),
      items: found.items.map((u) => this.updateView(u, found.campaign, language)),
      paging: found.pages > 1 ? {
        label: t.pageOf.replace('{page}', String(found.page)).replace('{pages}', String(found.pages)),
        previous: found.page > 1 ? `${path}${pageQuery(found.page - 1)}` : null,
        next: found.page < found.pages ? `${path}${pageQuery(found.page + 1)}` : null,
      } : null,
    });
  }

  @Get(':slug/updates/unsubscribe')
  async unsubscribePage(@Param('slug') slug: string, @Query('token') token: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const campaign = await this.updates.campaign(slug);
    const { language } = publicLanguage(request, reply, campaign.language);
    let valid = true;
    try {
      this.updates.check(campaign, token);
    } catch (error) {
      if (!(error instanceof DomainError) || error.code !== 'invalid_link') throw error;
      valid = false;
    }
    return this.unsubscribeView(reply, campaign, language, valid ? 'confirm' : 'invalid', typeof token === 'string' ? token : '');
  }

  /**
   * RFC 8058 one-click (a mail client POSTs `List-Unsubscribe=One-Click` to the header's URL) and the
   * page's own form: the token comes in the query (one-click) or the form. No CSRF token: a forged
   * request would need the signed token, which only the recipient holds, and it can only unsubscribe.
   */
  @Post(':slug/updates/unsubscribe')
  @HttpCode(200)
  async unsubscribe(@Param('slug') slug: string, @Query('token') queryToken: unknown, @Body() body: Record<string, unknown> | undefined, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const campaign = await this.updates.campaign(slug);
    const formLang = typeof body?.lang === 'string' ? body.lang : undefined;
    const { language } = publicLanguage(request, null, campaign.language, { form: formLang });
    const token = typeof queryToken === 'string' ? queryToken : body?.token;
    try {
      await this.updates.unsubscribe(campaign, token);
    } catch (error) {
      if (!(error instanceof DomainError) || error.code !== 'invalid_link') throw error;
      void reply.status(400);
      return this.unsubscribeView(reply, campaign, language, 'invalid', '');
    }
    return this.unsubscribeView(reply, campaign, language, 'done', '');
  }

  @Get(':slug/updates/:updateId')
  async one(@Param('slug') slug: string, @Param('updateId') updateId: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const { campaign, update } = await this.updates.one(slug, updateId);
    const { language } = publicLanguage(request, reply, campaign.language);
    const t = UPDATE_PAGE_MESSAGES[language];
    void reply.status(200).header('cache-control', 'no-store').header('vary', 'Accept-Language, Cookie');
    return reply.view('campaign/update.hbs', {
      ...this.layout(campaign, `${isolateText(update.title)} — ${isolateText(campaign.title)}`, language, `/c/${campaign.slug}/updates/${update.id}`),
      t, campaign: this.campaignView(campaign), update: this.updateView(update, campaign, language),
    });
  }

  private unsubscribeView(reply: FastifyReply, campaign: UpdateCampaign, language: PublicLanguage, state: 'confirm' | 'done' | 'invalid', token: string) {
    const t = UPDATE_PAGE_MESSAGES[language];
    const title = state === 'confirm' ? t.unsubscribeTitle : state === 'done' ? t.unsubscribedTitle : t.invalidLinkTitle;
    void reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer');
    if (state === 'invalid') void reply.status(400);
    return reply.view('campaign/unsubscribe.hbs', {
      title: `${title} — ${isolateText(campaign.title)}`, lang: language, dir: language === 'ar' ? 'rtl' : 'ltr', skipLabel: t.skip,
      // The page names a secret link: no canonical URL, no alternates, no language switch (it would leak the token to nothing but itself).
      canonical: null, alternates: [],
      meta: [{ name: 'robots', content: 'noindex' }],
      t, campaign: this.campaignView(campaign), heading: title,
      confirm: state === 'confirm', done: state === 'done', invalid: state === 'invalid',
      action: `/c/${campaign.slug}/updates/unsubscribe`, token, formLang: language,
    });
  }

  private layout(campaign: UpdateCampaign, title: string, language: PublicLanguage, path: string, keep: Record<string, string> = {}) {
    return {
      title, lang: language, dir: language === 'ar' ? 'rtl' : 'ltr', skipLabel: UPDATE_PAGE_MESSAGES[language].skip,
      feeds: [{ title: UPDATE_PAGE_MESSAGES[language].feed, href: `${this.base}/c/${campaign.slug}/updates.atom` }],
      ...publicChrome(this.base, language, path, keep),
    };
  }

  private campaignView(campaign: UpdateCampaign) {
    return { slug: campaign.slug, title: campaign.title, text: textLanguage(campaign.language), feed: `/c/${campaign.slug}/updates.atom` };
  }

  private updateView(update: UpdateRow, campaign: UpdateCampaign, language: PublicLanguage) {
    const locale = localeFor(language);
    const published = new Date(update.publishedAt!);
    const edited = new Date(update.updatedAt).getTime() - published.getTime() > 60_000;
    return {
      id: update.id, title: update.title, html: update.bodyHtml, text: textLanguage(update.language),
      url: `/c/${campaign.slug}/updates/${update.id}`,
      imageUrl: update.imageKey ? `/media/covers/${update.imageKey}` : null,
      // Empty only for an image older than descriptions (the page cannot say what it shows).
      imageAlt: update.imageAlt ?? '',
      publishedIso: published.toISOString(), publishedLabel: formatDate(published, locale),
      editedIso: edited ? new Date(update.updatedAt).toISOString() : null, editedLabel: edited ? formatDate(new Date(update.updatedAt), locale) : null,
    };
  }
}
