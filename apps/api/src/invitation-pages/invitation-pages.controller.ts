import { Body, Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { publicChrome, publicLanguage } from '../http/public-language.js';
import { DomainError, NotFoundError } from '@ataa/common';
import { AppConfig } from '@ataa/config';
import { INVITATION_LABELS, localeFor } from '@ataa/notifications';
import {
  AuthService, MembersService, normalizeEmail, RateLimiter, rateLimitSubject, type InvitationLookup,
  type TokenPair,
} from '@ataa/organizations';
import { csrfTokenValid, issueCsrfToken } from '../campaign-pages/csrf.setup.js';
import { fillIsolated, fillIsolatedText } from '../http/isolate.js';
import { InvitationFormDto } from './invitation-form.dto.js';
import { fill, INVITATION_ERRORS, INVITATION_PAGE_MESSAGES, ROLE_WORDS, type InvitationPageLanguage } from './invitation-page-messages.js';

/** The page's one path segment: the route is `invitations/:page` so that it can leave /api/v1 (see create-api-app.ts). */
const ACCEPT_PAGE = 'accept';
const UNAVAILABLE_STATUS = { expired: 410, revoked: 410, accepted: 409 } as const;

interface FormState {
  error?: string;
  values?: { email?: string; displayName?: string };
}

/** A refusal shown on the form: the message's code and the page's HTTP status. */
class FormRefusal {
  constructor(readonly code: string, readonly status: number, readonly retryAfterSeconds?: number) {}
}

/**
 * The page an invitee reaches from the invitation e-mail (`/invitations/accept?token=...`): it
 * shows the invitation and a form to sign in (or sign up, when the invited address has no
 * account yet) and accept it. The form does what an API client does: it signs in with AuthService
 * (same rate limits and account lock), accepts through MembersService.accept (which checks the
 * e-mail again), then ends the session it opened, since the page hands out no tokens.
 */
@ApiExcludeController()
@Controller('invitations')
export class InvitationPagesController {
  constructor(
    private readonly members: MembersService,
    private readonly auth: AuthService,
    private readonly limiter: RateLimiter,
    private readonly config: AppConfig,
  ) {}

  @Get(':page')
  async show(@Param('page') page: string, @Query('token') token: unknown, @Query('lang') lang: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    if (page !== ACCEPT_PAGE) throw new NotFoundError('Page');
    const invitation = typeof token === 'string' ? await this.members.findByToken(token) : null;
    void lang;
    const language = pageLanguage(invitation, request, reply);
    if (!invitation || invitation.status !== 'pending') return this.unavailable(reply, language, invitation);
    return this.renderForm(request, reply, 200, invitation, token as string, language, {});
  }

  @Post(':page')
  async submit(@Param('page') page: string, @Body() body: Record<string, unknown> | undefined, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    if (page !== ACCEPT_PAGE) throw new NotFoundError('Page');
    const fields = body ?? {};
    const token = typeof fields.token === 'string' ? fields.token : '';
    const invitation = token ? await this.members.findByToken(token) : null;
    const language = pageLanguage(invitation, request, null, fields.lang);
    if (!invitation || invitation.status !== 'pending') return this.unavailable(reply, language, invitation);
    const values: FormState['values'] = {
      email: typeof fields.email === 'string' ? fields.email : undefined,
      displayName: typeof fields.displayName === 'string' ? fields.displayName : undefined,
    };
    const refuse = (refusal: FormRefusal) => {
      if (refusal.retryAfterSeconds !== undefined) void reply.header('retry-after', String(refusal.retryAfterSeconds));
      // HTML: the organization's name isolated in <bdi> (the template renders it with {{{ }}}).
      const message = fillIsolated(INVITATION_ERRORS[language][refusal.code] ?? INVITATION_ERRORS[language].default, { organization: invitation.organizationName });
      return this.renderForm(request, reply, refusal.status, invitation, token, language, { error: message, values });
    };

    if (!(await csrfTokenValid(request))) return refuse(new FormRefusal('csrf', 403));
    const form = plainToInstance(InvitationFormDto, fields);
    if ((await validate(form, { whitelist: true, forbidNonWhitelisted: true })).length > 0) return refuse(new FormRefusal('validation_failed', 400));

    let session: TokenPair;
    try {
      session = form.mode === 'signup' ? await this.signUp(form, invitation, request.ip) : await this.auth.login({ email: form.email, password: form.password }, request.ip);
    } catch (error) {
      return refuse(toRefusal(error));
    }
    const user = await this.auth.authenticateAccessToken(session.accessToken);
    if (!user) throw new Error('a session just opened does not authenticate');
    // The page is chosen here but rendered only after the session is ended: a page returned from
    // inside the try would be sent while the finally's logout was still running, so a refused
    // visitor (or a test) could see the session live after the answer.
    let answer: () => Promise<void>;
    try {
      await this.members.accept(user, token);
      answer = () => this.accepted(reply, invitation, language);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      if (error.code === 'invitation_not_found') {
        // The service answers every failure alike; the page knows the token is good, so either the
        // invitation changed meanwhile (accepted, revoked, expired) or the account is another one.
        const now = await this.members.findByToken(token);
        answer = !now || now.status !== 'pending' ? () => this.unavailable(reply, language, now) : () => refuse(new FormRefusal('email_mismatch', 403));
      } else {
        const refusal = toRefusal(error);
        answer = () => refuse(refusal);
      }
    } finally {
      await this.auth.logout(user.sessionId);
    }
    return answer();
  }

  /** Sign-up on this page only for the invited address: no account is created that could not accept. */
  private async signUp(form: InvitationFormDto, invitation: InvitationLookup, ip: string): Promise<TokenPair> {
    if (normalizeEmail(form.email) !== invitation.email) throw new FormRefusal('email_mismatch', 403);
    if (!form.displayName) throw new FormRefusal('validation_failed', 400);
    if (form.password.length < 12) throw new FormRefusal('password_too_short', 400);
    // The same per-address limit as POST /api/v1/auth/signup (SignupRateLimitGuard).
    await this.limiter.take([{ limit: 'signupsPerIp', subject: rateLimitSubject(ip) }]);
    return this.auth.signUp({ email: invitation.email, password: form.password, displayName: form.displayName });
  }

  private layout(language: InvitationPageLanguage, title: string) {
    return {
      title, lang: language, dir: language === 'ar' ? 'rtl' : 'ltr', skipLabel: INVITATION_PAGE_MESSAGES[language].skip,
      // The page's address carries the token: keep it out of search engines.
      meta: [{ name: 'robots', content: 'noindex, nofollow' }],
    };
  }

  private details(invitation: InvitationLookup, language: InvitationPageLanguage) {
    const role = INVITATION_LABELS[language].roles[invitation.role];
    return {
      organization: invitation.organizationName,
      role: role.name,
      roleDescription: role.description,
      email: invitation.email,
      expires: new Intl.DateTimeFormat(localeFor(language), { year: 'numeric', month: 'long', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'UTC', timeZoneName: 'short' }).format(invitation.expiresAt),
      expiresIso: invitation.expiresAt.toISOString(),
    };
  }

  private async renderForm(request: FastifyRequest, reply: FastifyReply, status: number, invitation: InvitationLookup, token: string, language: InvitationPageLanguage, state: FormState): Promise<void> {
    const t = INVITATION_PAGE_MESSAGES[language];
    // The CSRF cookie is scoped to this page (the campaign pages' cookie lives under /c).
    const csrfToken = issueCsrfToken(request, reply, '/invitations');
    const signUp = !invitation.accountExists;
    void reply.status(status).header('cache-control', 'no-store');
    return reply.view('invitations/accept.hbs', {
      ...this.layout(language, fillIsolatedText(t.title, { organization: invitation.organizationName })),
      // The switch reloads this page (its token kept) in the other language, remembered in the cookie.
      languageSwitch: { ...publicChrome('', language, `/invitations/${ACCEPT_PAGE}`).languageSwitch, href: `/invitations/${ACCEPT_PAGE}?${new URLSearchParams({ token, lang: language === 'ar' ? 'en' : 'ar' }).toString()}` },
      t,
      // HTML with the organization's name in <bdi>, rendered with {{{ }}}.
      heading: fillIsolated(t.title, { organization: invitation.organizationName }),
      intro: fillIsolated(t.intro, { organization: invitation.organizationName }),
      invitation: this.details(invitation, language),
      signUp, mode: signUp ? 'signup' : 'signin',
      values: { email: state.values?.email ?? invitation.email, displayName: state.values?.displayName ?? '' },
      error: state.error ?? null, csrfToken, token, language,
    });
  }

  private async accepted(reply: FastifyReply, invitation: InvitationLookup, language: InvitationPageLanguage): Promise<void> {
    const t = INVITATION_PAGE_MESSAGES[language];
    const words = ROLE_WORDS[language][invitation.role];
    const organization = invitation.organizationName;
    void reply.status(200).header('cache-control', 'no-store');
    return reply.view('invitations/accepted.hbs', {
      ...this.layout(language, fillIsolatedText(t.acceptedTitle, { organization })),
      t,
      // HTML with the organization's name in <bdi>, rendered with {{{ }}}.
      heading: fillIsolated(t.acceptedTitle, { organization }),
      lead: fillIsolated(t.acceptedLead, { role: words.name, organization }),
      mayDo: fill(t.mayDo, { role: words.name, description: words.description }),
      role: invitation.role,
      docsUrl: '/docs',
    });
  }

  private async unavailable(reply: FastifyReply, language: InvitationPageLanguage, invitation: InvitationLookup | null): Promise<void> {
    const t = INVITATION_PAGE_MESSAGES[language];
    // A token that opens nothing gets the same page whatever it looked like: nothing about other invitations.
    const reason = !invitation || invitation.status === 'pending' ? 'notFound' : invitation.status;
    const status = reason === 'notFound' ? 404 : UNAVAILABLE_STATUS[reason];
    void reply.status(status).header('cache-control', 'no-store');
    return reply.view('invitations/unavailable.hbs', {
      ...this.layout(language, t.unavailableTitle),
      t, reason, message: fillIsolated(t[reason], { organization: invitation?.organizationName ?? '' }),
    });
  }
}

/**
 * The visitor's choice (`?lang=` or the form's, then the ataa_lang cookie), else the language the
 * invitation was e-mailed in (the inviter chose it for this person: it outranks the browser's),
 * else Accept-Language, else English.
 */
function pageLanguage(invitation: InvitationLookup | null, request: FastifyRequest, reply: FastifyReply | null, explicit?: unknown): InvitationPageLanguage {
  return publicLanguage(request, reply, invitation?.language ?? 'en', { form: explicit, browserLast: Boolean(invitation?.language) }).language;
}

function toRefusal(error: unknown): FormRefusal {
  if (error instanceof FormRefusal) return error;
  if (!(error instanceof DomainError) || error.status >= 500) throw error;
  const retryAfter = error.code === 'rate_limited' && typeof error.details?.retryAfterSeconds === 'number' ? error.details.retryAfterSeconds : undefined;
  return new FormRefusal(error.code, error.status, retryAfter);
}

