import { Body, Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { isEmail } from 'class-validator';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { publicLanguage } from '../http/public-language.js';
import { DomainError } from '@ataa/common';
import { hashSecret, RateLimiter, rateLimitSubject } from '@ataa/organizations';
import { DataExportService, type ExportLinkRefusal } from '@ataa/privacy';
import { csrfTokenValid, issueCsrfToken } from '../campaign-pages/csrf.setup.js';
import { PRIVACY_FORM_ERRORS, PRIVACY_PAGE_MESSAGES, privacyLanguage, type PrivacyPageLanguage } from './data-export-page-messages.js';

const REFUSAL_STATUS: Record<ExportLinkRefusal, number> = { link_invalid: 404, link_expired: 410, link_used: 410 };

/**
 * The donor's data export (GDPR article 20), server-rendered, without JavaScript, in English and
 * Arabic: `/privacy/export` asks for the e-mail address and sends a signed, single-use link to it
 * (the answer is the same whether the address is known or not); the link opens
 * `/privacy/export/download`, whose button (a POST, so that mail scanners following links do not
 * use it up) downloads the JSON document. Forms are CSRF-protected like the campaign pages'.
 */
@ApiExcludeController()
@Controller('privacy')
export class DataExportPagesController {
  constructor(
    private readonly exports: DataExportService,
    private readonly limiter: RateLimiter,
  ) {}

  @Get('export')
  async form(@Query('lang') lang: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    void lang; // validated by publicLanguage: ?lang=, then the cookie, then Accept-Language
    return this.renderForm(request, reply, 200, publicLanguage(request, reply, 'en').language, {});
  }

  @Post('export')
  async requestExport(@Body() body: Record<string, unknown> | undefined, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const fields = body ?? {};
    const language = privacyLanguage(fields.lang);
    const email = typeof fields.email === 'string' ? fields.email.trim() : '';
    const refuse = (code: string, status: number, retryAfterSeconds?: number) => {
      if (retryAfterSeconds !== undefined) void reply.header('retry-after', String(retryAfterSeconds));
      return this.renderForm(request, reply, status, language, { error: PRIVACY_FORM_ERRORS[language][code] ?? PRIVACY_FORM_ERRORS[language].validation_failed, email });
    };
    if (!(await csrfTokenValid(request))) return refuse('csrf', 403);
    if (email.length > 254 || !isEmail(email) || /[\u0000\uD800-\uDFFF]/.test(email)) return refuse('validation_failed', 400);
    try {
      // Per address typed in (its hash: no address in Redis) and per client address, before any work.
      await this.limiter.take([
        { limit: 'dataExportsPerEmail', subject: hashSecret(email.toLowerCase()) },
        { limit: 'dataExportsPerAddress', subject: rateLimitSubject(request.ip) },
      ]);
    } catch (error) {
      if (!(error instanceof DomainError) || error.status < 429) throw error;
      const retryAfter = typeof error.details?.retryAfterSeconds === 'number' ? error.details.retryAfterSeconds : undefined;
      return refuse(error.code, error.status, retryAfter);
    }
    await this.exports.request({ email, language });
    const t = PRIVACY_PAGE_MESSAGES[language];
    void reply.status(200).header('cache-control', 'no-store');
    return reply.view('privacy/export-sent.hbs', { ...this.layout(language, t.sentTitle), t });
  }

  @Get('export/download')
  async openLink(@Query('token') token: unknown, @Query('lang') lang: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const state = await this.exports.inspect(token);
    // A link opens in the language it was asked for; a dead one in the visitor's.
    const language = state.ok ? state.request.language : publicLanguage(request, reply, privacyLanguage(lang)).language;
    if (!state.ok) return this.unavailable(reply, language, state.reason);
    return this.renderDownload(request, reply, 200, language, token as string, state.request.email);
  }

  @Post('export/download')
  async download(@Body() body: Record<string, unknown> | undefined, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const fields = body ?? {};
    const token = typeof fields.token === 'string' ? fields.token : '';
    if (!(await csrfTokenValid(request))) {
      // The link is not used: show its page again (with a fresh form token) or why it opens nothing.
      const state = await this.exports.inspect(token);
      if (!state.ok) return this.unavailable(reply, privacyLanguage(fields.lang), state.reason);
      return this.renderDownload(request, reply, 403, state.request.language, token, state.request.email);
    }
    const result = await this.exports.download(token);
    if (!result.ok) return this.unavailable(reply, privacyLanguage(fields.lang), result.reason);
    const day = result.document.generatedAt.slice(0, 10);
    void reply.status(200)
      .header('content-type', 'application/json; charset=utf-8')
      .header('content-disposition', `attachment; filename="ataa-data-export-${day}.json"`)
      .header('cache-control', 'no-store');
    return reply.send(JSON.stringify(result.document, null, 2));
  }

  private layout(language: PrivacyPageLanguage, title: string) {
    return {
      title, lang: language, dir: language === 'ar' ? 'rtl' : 'ltr', skipLabel: PRIVACY_PAGE_MESSAGES[language].skip,
      // The download page's address carries the link: keep it out of search engines.
      meta: [{ name: 'robots', content: 'noindex, nofollow' }],
    };
  }

  private async renderForm(request: FastifyRequest, reply: FastifyReply, status: number, language: PrivacyPageLanguage, state: { error?: string; email?: string }): Promise<void> {
    const t = PRIVACY_PAGE_MESSAGES[language];
    const other = language === 'ar' ? 'en' : 'ar';
    const csrfToken = issueCsrfToken(request, reply, '/privacy');
    void reply.status(status).header('cache-control', 'no-store');
    return reply.view('privacy/export.hbs', {
      ...this.layout(language, t.title), t, language, csrfToken,
      error: state.error ?? null, email: state.email ?? '',
      otherLanguage: { code: other, label: PRIVACY_PAGE_MESSAGES[other].languageName },
    });
  }

  private async renderDownload(request: FastifyRequest, reply: FastifyReply, status: number, language: PrivacyPageLanguage, token: string, email: string): Promise<void> {
    const t = PRIVACY_PAGE_MESSAGES[language];
    const csrfToken = issueCsrfToken(request, reply, '/privacy');
    void reply.status(status).header('cache-control', 'no-store').header('referrer-policy', 'no-referrer');
    return reply.view('privacy/download.hbs', { ...this.layout(language, t.downloadTitle), t, language, csrfToken, token, email });
  }

  private async unavailable(reply: FastifyReply, language: PrivacyPageLanguage, reason: ExportLinkRefusal): Promise<void> {
    const t = PRIVACY_PAGE_MESSAGES[language];
    void reply.status(REFUSAL_STATUS[reason]).header('cache-control', 'no-store').header('referrer-policy', 'no-referrer');
    return reply.view('privacy/unavailable.hbs', { ...this.layout(language, t.unavailableTitle), t, language, reason, message: t[reason] });
  }
}
