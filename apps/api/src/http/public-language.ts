import type { FastifyReply, FastifyRequest } from 'fastify';
import { cookieOf } from './cookies.js';

/** The languages of the public pages' chrome (labels, buttons, headings). */
export type PublicLanguage = 'en' | 'ar';
export const PUBLIC_LANGUAGES: readonly PublicLanguage[] = ['en', 'ar'];

/**
 * The visitor's language choice, for the whole site (Path=/). The dashboard and the console set the
 * same name on their own paths: a browser sends the more specific cookie first, so their own choice
 * wins there, and a public choice is what they start from.
 */
export const PUBLIC_LANGUAGE_COOKIE = 'ataa_lang';
/** A year: a preference, not a session. */
const COOKIE_MAX_AGE = 31536000;

export type LanguageSource = 'query' | 'cookie' | 'accept-language' | 'default';

export interface NegotiatedLanguage {
  language: PublicLanguage;
  source: LanguageSource;
}

function asLanguage(value: unknown): PublicLanguage | null {
  return value === 'en' || value === 'ar' ? value : null;
}

/**
 * The best of our languages in an Accept-Language header (RFC 9110 §12.5.4): each language gets the
 * highest q of the ranges naming it (`ar-EG` names `ar`), `*` gives its q to a language no range
 * names, `q=0` refuses; the highest q wins, ties going to the one named first (`*` last, taking
 * `fallback` first). Null when none of ours is acceptable or there is no header. Tolerant: a
 * malformed range is skipped; only the first 64 ranges of the first 2 KiB are read.
 */
export function preferredFromAcceptLanguage(header: string | null | undefined, fallback: PublicLanguage): PublicLanguage | null {
  if (typeof header !== 'string' || header.length === 0) return null;
  const named = new Map<PublicLanguage, { q: number; at: number }>();
  let wildcard: number | null = null;
  header.slice(0, 2048).split(',').slice(0, 64).forEach((part, at) => {
    const [rangeText, ...params] = part.split(';');
    const range = rangeText.trim().toLowerCase();
    if (!/^(\*|[a-z]{1,8}(-[a-z0-9]{1,8})*)$/.test(range)) return;
    let q = 1;
    for (const param of params) {
      const match = /^\s*q\s*=\s*(0(\.\d{0,3})?|1(\.0{0,3})?)\s*$/i.exec(param);
      if (match) q = Number(match[1]);
      else if (/^\s*q\s*=/i.test(param)) return; // a broken weight: the range is not understood
    }
    if (range === '*') {
      wildcard = Math.max(wildcard ?? 0, q);
      return;
    }
    const language = asLanguage(range.split('-')[0]);
    if (language === null) return;
    const seen = named.get(language);
    if (!seen || q > seen.q) named.set(language, { q, at: seen?.at ?? at });
  });
  const scored = PUBLIC_LANGUAGES.map((language) => {
    const seen = named.get(language);
    if (seen) return { language, q: seen.q, at: seen.at };
    return { language, q: wildcard ?? 0, at: language === fallback ? 1000 : 1001 };
  }).filter((s) => s.q > 0);
  scored.sort((a, b) => b.q - a.q || a.at - b.at);
  return scored[0]?.language ?? null;
}

/**
 * The page's chrome language: an explicit `?lang=` (a switch link, an hreflang alternate, a shared
 * URL: it must show what it names), else the visitor's remembered choice (cookie), else their
 * browser's (Accept-Language), else `fallback` (the campaign's own language, or English).
 */
export function negotiateLanguage(input: { query?: unknown; cookie?: unknown; acceptLanguage?: string | null; fallback: PublicLanguage }): NegotiatedLanguage {
  const query = asLanguage(input.query);
  if (query) return { language: query, source: 'query' };
  const cookie = asLanguage(input.cookie);
  if (cookie) return { language: cookie, source: 'cookie' };
  const accepted = preferredFromAcceptLanguage(input.acceptLanguage, input.fallback);
  if (accepted) return { language: accepted, source: 'accept-language' };
  return { language: input.fallback, source: 'default' };
}

function queryLang(request: FastifyRequest): unknown {
  const query = request.query as Record<string, unknown> | undefined;
  return query?.lang;
}

/**
 * The language of a public page for this request. A `?lang=` choice is remembered (cookie, Path=/)
 * when it differs from the one held and `reply` is given. `form`: a POSTed page's own language field
 * (it stands for the query; never remembered). `browserLast`: the fallback outranks Accept-Language
 * (a page whose language someone chose for this visitor, like an e-mailed invitation).
 */
export function publicLanguage(request: FastifyRequest, reply: FastifyReply | null, fallback: PublicLanguage, options: { form?: unknown; browserLast?: boolean } = {}): NegotiatedLanguage {
  const held = cookieOf(request, PUBLIC_LANGUAGE_COOKIE);
  const fromForm = options.form !== undefined && options.form !== null;
  const negotiated = negotiateLanguage({
    query: fromForm ? options.form : queryLang(request), cookie: held,
    acceptLanguage: options.browserLast ? null : request.headers['accept-language'], fallback,
  });
  if (reply && !fromForm && negotiated.source === 'query' && held !== negotiated.language) rememberLanguage(request, reply, negotiated.language);
  return negotiated;
}

/** Sets the language cookie for the whole site (read by no script: HttpOnly; SameSite=Lax; Secure on https). */
export function rememberLanguage(request: FastifyRequest, reply: FastifyReply, language: PublicLanguage): void {
  const secure = request.protocol === 'https';
  void reply.header('set-cookie', `${PUBLIC_LANGUAGE_COOKIE}=${language}; Path=/; Max-Age=${COOKIE_MAX_AGE}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`);
}

export const LANGUAGE_NAMES: Record<PublicLanguage, string> = { en: 'English', ar: 'العربية' };
const SWITCH_LABEL: Record<PublicLanguage, string> = { en: 'Language', ar: 'اللغة' };

/** `path` with `lang` set in its query (other parameters kept). */
export function withLang(pathAndQuery: string, language: PublicLanguage): string {
  const [path, query = ''] = pathAndQuery.split('?', 2);
  const params = new URLSearchParams(query);
  params.set('lang', language);
  return `${path}?${params.toString()}`;
}

/**
 * What the layout shows around a public page (layouts/main.hbs): the language switch (a plain link
 * to the same page with `?lang=`, which works without JavaScript and is remembered), the canonical
 * URL (this page in the language shown) and its hreflang alternates (`x-default`: the negotiated page).
 * `path` is the page's path without query; `keep` the query parameters that name a different page.
 */
export function publicChrome(baseUrl: string, language: PublicLanguage, path: string, keep: Record<string, string | undefined> = {}) {
  const base = baseUrl.replace(/\/$/, '');
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(keep)) if (v !== undefined && k !== 'lang') params.set(k, v);
  const query = params.toString();
  const page = query ? `${path}?${query}` : path;
  const other: PublicLanguage = language === 'ar' ? 'en' : 'ar';
  return {
    canonical: `${base}${withLang(page, language)}`,
    alternates: [
      ...PUBLIC_LANGUAGES.map((l) => ({ hreflang: l, href: `${base}${withLang(page, l)}` })),
      { hreflang: 'x-default', href: `${base}${page}` },
    ],
    languageSwitch: { label: SWITCH_LABEL[language], href: withLang(page, other), code: other, name: LANGUAGE_NAMES[other] },
  };
}

/** lang and dir attributes of text written in `language` (a campaign's title, summary, story). */
export function textLanguage(language: string): { lang: string; dir: 'rtl' | 'ltr' } {
  return { lang: language, dir: language === 'ar' ? 'rtl' : 'ltr' };
}
