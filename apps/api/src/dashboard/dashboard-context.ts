import { Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, NotFoundError } from '@ataa/common';
import { AppConfig } from '@ataa/config';
import { localeFor } from '@ataa/notifications';
import { AuthService, isUuid, OrganizationsService, type PageUser, type Role } from '@ataa/organizations';
import { issueCsrfToken } from '../campaign-pages/csrf.setup.js';
import { fillIsolated, isolateText } from '../http/isolate.js';
import { DASHBOARD_ERRORS, DASHBOARD_MESSAGES, type DashboardLanguage } from './dashboard-messages.js';
import { cookieOf } from '../http/cookies.js';

export const DASHBOARD_PATH = '/dashboard';
export const SESSION_COOKIE = 'ataa_session';
export const LANGUAGE_COOKIE = 'ataa_lang';
/** The second step of a sign-in (two-factor): not a session; only that page's path gets it. */
export const CHALLENGE_COOKIE = 'ataa_2fa';
export const SIGN_IN_CODE_PATH = `${DASHBOARD_PATH}/sign-in/code`;
export const SECURITY_PATH = `${DASHBOARD_PATH}/account/security`;

/**
 * An owner of an organization that receives payouts, without two-factor sign-in, while
 * REQUIRE_TOTP_FOR_PAYOUT_OWNERS is on: the dashboard's error page sends them to enrol.
 */
export class TwoFactorEnrolmentRequired extends DomainError {
  constructor() {
    super('totp_enrolment_required', 'Turn on two-factor sign-in to use this organization', 403);
  }
}

/** The organization a page is about, as the signed-in user sees it. */
export interface DashboardOrganization {
  id: string;
  name: string;
  role: Role;
}

/** The sections of an organization, in the navigation's order (`page: null`: not built yet, a "coming soon" page). */
export const ORGANIZATION_SECTIONS = [
  { key: 'home', path: '', label: 'navHome' },
  { key: 'campaigns', path: '/campaigns', label: 'navCampaigns' },
  { key: 'donations', path: '/donations', label: 'navDonations' },
  { key: 'recurring', path: '/recurring', label: 'navRecurring' },
  { key: 'payouts', path: '/payouts', label: 'navPayouts' },
  { key: 'team', path: '/team', label: 'navTeam' },
] as const;
export type SectionKey = (typeof ORGANIZATION_SECTIONS)[number]['key'];

export interface PageRequest {
  request: FastifyRequest;
  reply: FastifyReply;
  language: DashboardLanguage;
  user: PageUser | null;
}

/** What a page renders beyond its own data: the shell (navigation, language switch, account menu). */
export interface PageOptions {
  status?: number;
  /** The page's <title> (plain text; user text in it isolated). */
  title: string;
  organization?: DashboardOrganization;
  section?: SectionKey;
  /** Hide the account menu (error pages rendered without looking the session up). */
  anonymous?: boolean;
}

export function dashboardLanguage(request: FastifyRequest): DashboardLanguage {
  const cookie = cookieOf(request, LANGUAGE_COOKIE);
  return cookie === 'ar' ? 'ar' : 'en';
}

/** A path inside the dashboard to go back to (the language switch's `next`), else the dashboard's root. */
export function safeNext(value: unknown): string {
  if (typeof value !== 'string' || value.length > 512) return DASHBOARD_PATH;
  return /^\/dashboard(\/[A-Za-z0-9/_-]*)?$/.test(value) ? value : DASHBOARD_PATH;
}

/** The data of the shell (layouts/main.hbs renders partials/dashboard-shell.hbs when `dashboard` is set). */
export function shellData(request: FastifyRequest, reply: FastifyReply, language: DashboardLanguage, user: PageUser | null, options: PageOptions) {
  const t = DASHBOARD_MESSAGES[language];
  const organization = options.organization;
  const path = request.url.split('?')[0];
  return {
    lang: language, dir: language === 'ar' ? 'rtl' : 'ltr', title: `${options.title} · ${t.brand}`, skipLabel: t.skip,
    meta: [{ name: 'robots', content: 'noindex, nofollow' }],
    dashboard: {
      t, language, otherLanguage: language === 'ar' ? 'en' : 'ar',
      csrfToken: issueCsrfToken(request, reply, '/dashboard'),
      next: safeNext(path),
      user: options.anonymous ? null : user ? {
        email: user.email, signedInAs: fillIsolated(t.signedInAs, { email: user.email }), verifyBanner: fillIsolated(t.verifyBanner, { email: user.email }), emailVerified: user.emailVerified, securityHref: SECURITY_PATH,
      } : null,
      organization: organization ? { id: organization.id, name: organization.name, role: t.roles[organization.role] } : null,
      nav: organization ? ORGANIZATION_SECTIONS.map((s) => ({
        href: `${DASHBOARD_PATH}/o/${organization.id}${s.path}`, label: t[s.label], current: s.key === options.section,
      })) : [],
    },
    t,
  };
}

/**
 * The shared pieces of every dashboard page: who is signed in (the session cookie), the language
 * (its cookie), membership of the organization in the path (another organization's page is 404),
 * rendering in the shell, and the session cookie itself.
 */
@Injectable()
export class DashboardContext {
  private readonly secureCookies: boolean;
  private readonly requireTotpForPayoutOwners: boolean;

  constructor(
    private readonly auth: AuthService,
    private readonly organizations: OrganizationsService,
    config: AppConfig,
  ) {
    this.requireTotpForPayoutOwners = config.REQUIRE_TOTP_FOR_PAYOUT_OWNERS;
    // Secure outside development and tests, and whenever the platform is reached over https.
    this.secureCookies = config.NODE_ENV === 'production' || config.PUBLIC_BASE_URL.startsWith('https:');
  }

  async page(request: FastifyRequest, reply: FastifyReply): Promise<PageRequest> {
    const token = cookieOf(request, SESSION_COOKIE);
    const user = token ? await this.auth.authenticatePageSession(token) : null;
    return { request, reply, language: dashboardLanguage(request), user };
  }

  /** The organization of the path, if the user is a member; otherwise 404 (never 403: that would confirm it exists). */
  async membership(user: PageUser, organizationId: string): Promise<DashboardOrganization> {
    if (!isUuid(organizationId)) throw new NotFoundError('Organization');
    const found = (await this.organizations.listForUser(user.userId)).find((m) => m.organization.id === organizationId);
    if (!found) throw new NotFoundError('Organization');
    // Payouts enabled as libs/payouts judges it (a connected account that pays out): its owners hold
    // the keys to the money, so the setting makes them enrol before anything else on its pages.
    const paysOut = found.organization.payoutsEnabled && Boolean(found.organization.stripeAccountId);
    if (this.requireTotpForPayoutOwners && found.role === 'owner' && paysOut && !user.totpEnabled) throw new TwoFactorEnrolmentRequired();
    return { id: found.organization.id, name: found.organization.name, role: found.role };
  }

  async render(page: PageRequest, view: string, options: PageOptions, data: Record<string, unknown>): Promise<void> {
    void page.reply.status(options.status ?? 200).header('cache-control', 'no-store');
    return page.reply.view(`dashboard/${view}.hbs`, { ...shellData(page.request, page.reply, page.language, page.user, options), ...data });
  }

  /** 303 See Other: after a form post, the browser GETs the next page. */
  redirect(reply: FastifyReply, location: string): void {
    void reply.status(303).header('location', location).header('cache-control', 'no-store').send();
  }

  setSessionCookie(reply: FastifyReply, token: string, expiresAt: Date): void {
    void reply.header('set-cookie', `${SESSION_COOKIE}=${token}; Path=${DASHBOARD_PATH}; Expires=${expiresAt.toUTCString()}; HttpOnly; SameSite=Lax${this.secureCookies ? '; Secure' : ''}`);
  }

  clearSessionCookie(reply: FastifyReply): void {
    void reply.header('set-cookie', `${SESSION_COOKIE}=; Path=${DASHBOARD_PATH}; Max-Age=0; HttpOnly; SameSite=Lax${this.secureCookies ? '; Secure' : ''}`);
  }

  /** The second step's cookie: the challenge's secret (only its hash is stored), for that page only, minutes long. */
  setChallengeCookie(reply: FastifyReply, token: string, expiresAt: Date): void {
    void reply.header('set-cookie', `${CHALLENGE_COOKIE}=${token}; Path=${SIGN_IN_CODE_PATH}; Expires=${expiresAt.toUTCString()}; HttpOnly; SameSite=Lax${this.secureCookies ? '; Secure' : ''}`);
  }

  clearChallengeCookie(reply: FastifyReply): void {
    void reply.header('set-cookie', `${CHALLENGE_COOKIE}=; Path=${SIGN_IN_CODE_PATH}; Max-Age=0; HttpOnly; SameSite=Lax${this.secureCookies ? '; Secure' : ''}`);
  }

  challengeOf(request: FastifyRequest): string | undefined {
    return cookieOf(request, CHALLENGE_COOKIE);
  }

  setLanguageCookie(reply: FastifyReply, language: DashboardLanguage): void {
    void reply.header('set-cookie', `${LANGUAGE_COOKIE}=${language}; Path=${DASHBOARD_PATH}; Max-Age=31536000; SameSite=Lax${this.secureCookies ? '; Secure' : ''}`);
  }

  /** The localized message for a refusal's code (HTML-safe text). */
  errorMessage(language: DashboardLanguage, code: string): string {
    return DASHBOARD_ERRORS[language][code] ?? DASHBOARD_ERRORS[language].default;
  }
}

export { isolateText, localeFor };

/** A refusal to show on a form: its message code, the HTTP status and (rate limits) when to retry. */
export class FormRefusal {
  constructor(readonly code: string, readonly status: number, readonly retryAfterSeconds?: number) {}
}

/** A DomainError as a form refusal; anything else (or a 5xx) is rethrown to the error page. */
export function toRefusal(error: unknown): FormRefusal {
  if (error instanceof FormRefusal) return error;
  if (!(error instanceof DomainError) || (error.status >= 500 && error.code !== 'rate_limit_unavailable')) throw error;
  const retryAfter = error.code === 'rate_limited' && typeof error.details?.retryAfterSeconds === 'number' ? error.details.retryAfterSeconds : undefined;
  return new FormRefusal(error.code, error.status, retryAfter);
}
