import { Body, Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { isEmail } from 'class-validator';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { publicLanguage } from '../http/public-language.js';
import { DomainError } from '@ataa/common';
import { ErasureLinkRefused, ErasureService } from '@ataa/privacy';
import { csrfTokenValid, issueCsrfToken } from '../campaign-pages/csrf.setup.js';
import { PRIVACY_PAGE_MESSAGES, privacyLanguage, type PrivacyMessageKey, type PrivacyPageLanguage } from './erasure-page-messages.js';

/**
 * The donor's erasure pages (server-rendered, en/ar, no JavaScript; outside /api/v1):
 * - GET/POST /privacy/erase: the donor gives an e-mail address; the answer is the same whether or not
 *   the platform holds gifts for it (a link is e-mailed only when it does). Rate-limited per client
 *   address and per e-mail address.
 * - GET /privacy/erase/confirm?token=...: checks the link (signature, expiry, not used) and shows a
 *   confirm button; nothing is erased by opening a link (mail scanners open links).
 * - POST /privacy/erase/confirm: confirms once; the erasure runs in the worker.
 * A forged link is refused with 400 `erasure_link_invalid`, an expired one 410 `erasure_link_expired`,
 * a used (replayed) one 409 `erasure_link_used`.
 */
@ApiExcludeController()
@Controller('privacy/erase')
export class ErasurePagesController {
  constructor(private readonly erasures: ErasureService) {}

  @Get()
  async form(@Query('lang') lang: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    void lang; // validated by publicLanguage: ?lang=, then the cookie, then Accept-Language
    return this.renderForm(request, reply, 200, publicLanguage(request, reply, 'en').language, {});
  }

  @Post()
  async ask(@Body() body: Record<string, unknown> | undefined, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const fields = body ?? {};
    const language = privacyLanguage(fields.lang);
    const email = typeof fields.email === 'string' ? fields.email.trim() : '';
    if (!(await csrfTokenValid(request))) return this.renderForm(request, reply, 403, language, { code: 'csrf', email });
    if (email.length === 0 || email.length > 254 || !isEmail(email)) return this.renderForm(request, reply, 400, language, { code: 'validation_failed', email });
    try {
      await this.erasures.requestLink({ email, clientAddress: request.ip, language });
    } catch (error) {
      if (!(error instanceof DomainError) || (error.code !== 'rate_limited' && error.code !== 'rate_limit_unavailable')) throw error;
      const retry = error.details?.retryAfterSeconds;
      if (typeof retry === 'number') void reply.header('retry-after', String(retry));
      return this.renderForm(request, reply, error.status, language, { code: error.code as PrivacyMessageKey, email });
    }
    return this.page(reply, 200, 'privacy/sent.hbs', language, PRIVACY_PAGE_MESSAGES[language].sentTitle, {});
  }

  @Get('confirm')
  async review(@Query('token') token: unknown, @Query('lang') lang: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    let language = publicLanguage(request, reply, privacyLanguage(lang)).language;
    try {
      const found = await this.erasures.checkLink(token);
      language = found.language;
    } catch (error) {
      return this.refused(reply, language, error);
    }
    const csrfToken = issueCsrfToken(request, reply, '/privacy');
    const t = PRIVACY_PAGE_MESSAGES[language];
    return this.page(reply, 200, 'privacy/confirm.hbs', language, t.confirmTitle, { csrfToken, token });
  }

  @Post('confirm')
  async confirm(@Body() body: Record<string, unknown> | undefined, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const fields = body ?? {};
    const language = privacyLanguage(fields.lang);
    const t = PRIVACY_PAGE_MESSAGES[language];
    if (!(await csrfTokenValid(request))) {
      return this.page(reply, 403, 'privacy/refused.hbs', language, t.refusedTitle, { code: 'csrf', message: t.csrf });
    }
    let requestId: string;
    try {
      requestId = (await this.erasures.confirmLink(fields.token)).id;
    } catch (error) {
      return this.refused(reply, language, error);
    }
    return this.page(reply, 202, 'privacy/done.hbs', language, t.doneTitle, { requestId });
  }

  private async refused(reply: FastifyReply, language: PrivacyPageLanguage, error: unknown): Promise<void> {
    if (!(error instanceof ErasureLinkRefused)) throw error;
    const t = PRIVACY_PAGE_MESSAGES[language];
    return this.page(reply, error.status, 'privacy/refused.hbs', language, t.refusedTitle, { code: error.code, message: t[error.code as PrivacyMessageKey] });
  }

  private async renderForm(request: FastifyRequest, reply: FastifyReply, status: number, language: PrivacyPageLanguage, state: { code?: PrivacyMessageKey; email?: string }): Promise<void> {
    const t = PRIVACY_PAGE_MESSAGES[language];
    const csrfToken = issueCsrfToken(request, reply, '/privacy');
    return this.page(reply, status, 'privacy/request.hbs', language, t.title, {
      csrfToken, email: state.email ?? '', error: state.code ? t[state.code] : null, errorCode: state.code ?? null, otherLanguage: language === 'ar' ? 'en' : 'ar',
    });
  }

  private async page(reply: FastifyReply, status: number, view: string, language: PrivacyPageLanguage, title: string, data: Record<string, unknown>): Promise<void> {
    const t = PRIVACY_PAGE_MESSAGES[language];
    void reply.status(status).header('cache-control', 'no-store');
    return reply.view(view, {
      title, lang: language, dir: language === 'ar' ? 'rtl' : 'ltr', skipLabel: t.skip, language, t,
      // The confirmation page's address carries the token: keep these pages out of search engines.
      meta: [{ name: 'robots', content: 'noindex, nofollow' }, { name: 'referrer', content: 'no-referrer' }],
      ...data,
    });
  }
}
