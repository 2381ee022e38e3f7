import { Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppConfig } from '@ataa/config';
import { OperatorAccountsService, type OperatorIdentity } from '@ataa/operators';
import { issueCsrfToken } from '../campaign-pages/csrf.setup.js';
import { fillIsolated } from '../http/isolate.js';
import { CONSOLE_ERRORS, CONSOLE_MESSAGES, type ConsoleLanguage } from './console-messages.js';
import { cookieOf } from '../http/cookies.js';

export const CONSOLE_PATH = '/console';
/** The operator's session cookie (never the dashboard's `ataa_session`: the two never open each other's pages). */
export const OPERATOR_COOKIE = 'ataa_operator';
/**
 * Where the browser sends the operator's cookie: the console, and the queue dashboard (Bull Board at
 * /operator/queues, which accepts a console session besides the operator token). One cookie per path.
 */
export const OPERATOR_COOKIE_PATHS = [CONSOLE_PATH, '/operator/queues'] as const;
export const CONSOLE_LANGUAGE_COOKIE = 'ataa_lang';

export type ConsoleSection = 'home' | 'payouts' | 'reconciliation' | 'organizations';

/** The console's navigation, in order (the queue dashboard is a separate tool, linked last). */
const SECTIONS: { key: ConsoleSection; href: string; label: 'navHome' | 'navPayouts' | 'navReconciliation' | 'navOrganizations' }[] = [
  { key: 'home', href: CONSOLE_PATH, label: 'navHome' },
  { key: 'payouts', href: `${CONSOLE_PATH}/payouts`, label: 'navPayouts' },
  { key: 'reconciliation', href: `${CONSOLE_PATH}/reconciliation`, label: 'navReconciliation' },
  { key: 'organizations', href: `${CONSOLE_PATH}/organizations`, label: 'navOrganizations' },
];

export interface ConsolePage {
  request: FastifyRequest;
  reply: FastifyReply;
  language: ConsoleLanguage;
  operator: OperatorIdentity | null;
}

/** A page whose visitor is a signed-in operator. */
export type OperatorPage = ConsolePage & { operator: OperatorIdentity };

export interface ConsolePageOptions {
  status?: number;
  /** The page's <title> (plain text; typed text in it isolated). */
  title: string;
  section?: ConsoleSection;
  /** Hide the operator's menu (error pages rendered without looking the session up). */
  anonymous?: boolean;
}

export function consoleLanguage(request: FastifyRequest): ConsoleLanguage {
  return cookieOf(request, CONSOLE_LANGUAGE_COOKIE) === 'ar' ? 'ar' : 'en';
}

/** The operator session's secret from a request's cookies (the console's or the queue dashboard's path). */
export function operatorCookie(request: FastifyRequest): string | undefined {
  return cookieOf(request, OPERATOR_COOKIE);
}

/** A path inside the console to go back to (the language switch's `next`), else the console's home. */
export function safeConsoleNext(value: unknown): string {
  if (typeof value !== 'string' || value.length > 512) return CONSOLE_PATH;
  return /^\/console(\/[A-Za-z0-9/_-]*)?$/.test(value) ? value : CONSOLE_PATH;
}

/** The data of the console's shell (layouts/main.hbs renders partials/console-shell.hbs when `console` is set). */
export function consoleShellData(request: FastifyRequest, reply: FastifyReply, language: ConsoleLanguage, operator: OperatorIdentity | null, options: ConsolePageOptions) {
  const t = CONSOLE_MESSAGES[language];
  const signedIn = !options.anonymous && operator !== null;
  return {
    lang: language, dir: language === 'ar' ? 'rtl' : 'ltr', title: `${options.title} · ${t.brand}`, skipLabel: t.skip,
    meta: [{ name: 'robots', content: 'noindex, nofollow' }],
    console: {
      t, otherLanguage: language === 'ar' ? 'en' : 'ar',
      csrfToken: issueCsrfToken(request, reply, CONSOLE_PATH),
      next: safeConsoleNext(request.url.split('?')[0]),
      operator: signedIn ? { signedInAs: fillIsolated(t.signedInAs, { email: operator.email }) } : null,
      nav: signedIn ? SECTIONS.map((s) => ({ href: s.href, label: t[s.label], current: s.key === options.section })) : [],
    },
    t,
  };
}

/**
 * The shared pieces of every console page: the operator signed in (the `ataa_operator` cookie,
 * looked up in operator_sessions: an organization user's session is not one), the language (its
 * cookie under /console), rendering in the console's shell, and the session cookies.
 */
@Injectable()
export class ConsoleContext {
  private readonly secureCookies: boolean;

  constructor(
    private readonly operators: OperatorAccountsService,
    config: AppConfig,
  ) {
    this.secureCookies = config.NODE_ENV === 'production' || config.PUBLIC_BASE_URL.startsWith('https:');
  }

  async page(request: FastifyRequest, reply: FastifyReply): Promise<ConsolePage> {
    const operator = await this.operators.authenticate(operatorCookie(request));
    return { request, reply, language: consoleLanguage(request), operator };
  }

  /** The page of a signed-in operator, or null after answering with the sign-in page's address. */
  async operatorPage(request: FastifyRequest, reply: FastifyReply): Promise<OperatorPage | null> {
    const page = await this.page(request, reply);
    if (page.operator) return page as OperatorPage;
    this.redirect(reply, `${CONSOLE_PATH}/sign-in`);
    return null;
  }

  async render(page: ConsolePage, view: string, options: ConsolePageOptions, data: Record<string, unknown>): Promise<void> {
    void page.reply.status(options.status ?? 200).header('cache-control', 'no-store');
    return page.reply.view(`console/${view}.hbs`, { ...consoleShellData(page.request, page.reply, page.language, page.operator, options), ...data });
  }

  /** 303 See Other: after a form post, the browser GETs the next page. */
  redirect(reply: FastifyReply, location: string): void {
    void reply.status(303).header('location', location).header('cache-control', 'no-store').send();
  }

  setSessionCookie(reply: FastifyReply, token: string, expiresAt: Date): void {
    for (const path of OPERATOR_COOKIE_PATHS) {
      void reply.header('set-cookie', `${OPERATOR_COOKIE}=${token}; Path=${path}; Expires=${expiresAt.toUTCString()}; HttpOnly; SameSite=Lax${this.secureCookies ? '; Secure' : ''}`);
    }
  }

  clearSessionCookie(reply: FastifyReply): void {
    for (const path of OPERATOR_COOKIE_PATHS) {
      void reply.header('set-cookie', `${OPERATOR_COOKIE}=; Path=${path}; Max-Age=0; HttpOnly; SameSite=Lax${this.secureCookies ? '; Secure' : ''}`);
    }
  }

  setLanguageCookie(reply: FastifyReply, language: ConsoleLanguage): void {
    void reply.header('set-cookie', `${CONSOLE_LANGUAGE_COOKIE}=${language}; Path=${CONSOLE_PATH}; Max-Age=31536000; SameSite=Lax${this.secureCookies ? '; Secure' : ''}`);
  }

  /** The localized message for a refusal's code (HTML-safe text). */
  errorMessage(language: ConsoleLanguage, code: string): string {
    return CONSOLE_ERRORS[language][code] ?? CONSOLE_ERRORS[language].default;
  }
}
