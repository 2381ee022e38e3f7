import type { FastifyReply, FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import { CAMPAIGN_CATEGORIES, DISCOVERY_SORTS, type DiscoveryPage, type HomeSections, type ListedCampaignDetailRow, type ListedCampaignRow } from '@ataa/campaigns';
import { formatMoney, localeFor } from '@ataa/notifications';
import { daysLeftText, DISCOVERY_MESSAGES, DiscoveryLanguage, giftsText } from './discovery-messages.js';

export const LANGUAGE_COOKIE = 'ataa_lang';
const DAY_MS = 86_400_000;

/** The visitor's language: `?lang=` (then remembered), the `ataa_lang` cookie, else Accept-Language. */
export function discoveryLanguage(request: FastifyRequest, reply: FastifyReply, secure: boolean): DiscoveryLanguage {
  const asked = (request.query as Record<string, unknown> | undefined)?.lang;
  if (asked === 'en' || asked === 'ar') {
    void reply.header('set-cookie', `${LANGUAGE_COOKIE}=${asked}; Path=/; Max-Age=31536000; SameSite=Lax${secure ? '; Secure' : ''}`);
    return asked;
  }
  const cookie = (request as unknown as { cookies?: Record<string, string | undefined> }).cookies?.[LANGUAGE_COOKIE];
  if (cookie === 'en' || cookie === 'ar') return cookie;
  return preferredFromHeader(String(request.headers['accept-language'] ?? ''));
}

/** The first of en/ar by quality in an Accept-Language header (English when neither). */
export function preferredFromHeader(header: string): DiscoveryLanguage {
  let best: { lang: DiscoveryLanguage; q: number } | null = null;
  for (const part of header.slice(0, 500).split(',')) {
    const [tag, ...params] = part.trim().toLowerCase().split(';');
    const lang = tag.split('-')[0];
    if (lang !== 'en' && lang !== 'ar') continue;
    const qParam = params.find((p) => p.trim().startsWith('q='));
    const q = qParam ? Number(qParam.trim().slice(2)) : 1;
    if (Number.isFinite(q) && q > 0 && (!best || q > best.q)) best = { lang, q };
  }
  return best?.lang ?? 'en';
}

export function chrome(language: DiscoveryLanguage, title: string) {
  const t = DISCOVERY_MESSAGES[language];
  return { lang: language, dir: language === 'ar' ? 'rtl' : 'ltr', title: `${title} · ${t.brand}`, skipLabel: t.skip, footer: t.footer, t };
}

/** One campaign card: the chrome in the visitor's language, the campaign's own text marked with its language. */
export function cardView(c: ListedCampaignRow, language: DiscoveryLanguage, now = Date.now()) {
  const t = DISCOVERY_MESSAGES[language];
  const locale = localeFor(language);
  const reached = c.raised >= c.goal;
  const percent = c.goal > 0n ? Number((c.raised * 100n) / c.goal) : 0;
  let timeText: string;
  if (c.status === 'ended') timeText = t.endedLabel;
  else if (!c.endsAt) timeText = t.noEnd;
  else timeText = daysLeftText(language, Math.max(0, Math.floor((c.endsAt.getTime() - now) / DAY_MS)), locale);
  return {
    href: `/c/${c.slug}`, title: c.title, summary: c.summary, campaignLang: c.language, organization: c.organizationName,
    byText: t.by.replace('{organization}', '').trim(),
    raisedText: t.raisedOf.replace('{raised}', formatMoney(c.raised, c.currency, locale)).replace('{goal}', formatMoney(c.goal, c.currency, locale)),
    progressValue: Math.min(100, percent), progressLabel: `${t.progress}: ${new Intl.NumberFormat(locale, { style: 'percent' }).format(percent / 100)}`,
    giftsText: giftsText(language, c.gifts, locale), timeText, reached, reachedText: t.goalReached,
    category: t.categories[c.category as keyof typeof t.categories] ?? c.category,
  };
}

export function homeView(home: HomeSections, language: DiscoveryLanguage) {
  const t = DISCOVERY_MESSAGES[language];
  const locale = localeFor(language);
  const cards = (rows: ListedCampaignRow[]) => rows.map((c) => cardView(c, language));
  return {
    ...chrome(language, t.homeTitle),
    otherLanguage: language === 'ar' ? 'en' : 'ar',
    sections: [
      { id: 'featured', heading: t.featured, cards: cards(home.featured) },
      { id: 'trending', heading: t.trending, cards: cards(home.trending) },
      { id: 'ending-soon', heading: t.endingSoon, cards: cards(home.endingSoon) },
      { id: 'recently-funded', heading: t.recentlyFunded, cards: cards(home.recentlyFunded) },
    ],
    totals: home.raised.map((r) => formatMoney(r.amount, r.currency, locale)),
    ledgers: new Intl.NumberFormat(locale).format(home.verifiableLedgers),
  };
}

export function discoverView(page: DiscoveryPage, language: DiscoveryLanguage) {
  const t = DISCOVERY_MESSAGES[language];
  const q = page.query;
  const params = (extra: Record<string, string>) => {
    const p = new URLSearchParams();
    if (q.text) p.set('q', q.text);
    if (q.category) p.set('category', q.category);
    if (q.currency) p.set('currency', q.currency.toUpperCase());
    if (q.fundingModel) p.set('funding', q.fundingModel);
    if (q.status !== 'published') p.set('status', q.status);
    if (q.sort !== 'newest') p.set('sort', q.sort);
    for (const [k, v] of Object.entries(extra)) p.set(k, v);
    return p.toString();
  };
  return {
    ...chrome(language, t.discoverTitle),
    otherLanguageHref: `/campaigns?${params({ lang: language === 'ar' ? 'en' : 'ar' })}`,
    q: q.text, currency: q.currency?.toUpperCase() ?? '',
    shortWords: q.text !== '' && q.words.length === 0,
    categories: CAMPAIGN_CATEGORIES.map((c) => ({ value: c, label: t.categories[c], selected: q.category === c })),
    fundings: (['flexible', 'all_or_nothing'] as const).map((f) => ({ value: f, label: t[f], selected: q.fundingModel === f })),
    statuses: (['published', 'ended'] as const).map((s) => ({ value: s, label: t[s], selected: q.status === s })),
    sorts: DISCOVERY_SORTS.map((s) => ({ value: s, label: t.sorts[s], selected: q.sort === s })),
    cards: page.items.map((c) => cardView(c, language)),
    nextHref: page.nextCursor ? `/campaigns?${params({ cursor: page.nextCursor })}` : null,
  };
}

/** A listed campaign in the public API. */
export function campaignJson(c: ListedCampaignRow) {
  return {
    slug: c.slug, title: c.title, summary: c.summary, language: c.language, organization: { name: c.organizationName },
    category: c.category, currency: c.currency, fundingModel: c.fundingModel, status: c.status,
    goal: c.goal.toString(), raised: c.raised.toString(), gifts: c.gifts, goalReached: c.raised >= c.goal,
    coverImageUrl: c.coverImageUrl, publishedAt: c.publishedAt.toISOString(), endsAt: c.endsAt?.toISOString() ?? null, fundedAt: c.fundedAt?.toISOString() ?? null,
    links: { page: `/c/${c.slug}`, ledger: `/c/${c.slug}/ledger`, report: `/c/${c.slug}/report`, api: `/api/v1/public/campaigns/${c.slug}` },
  };
}

export function campaignDetailJson(c: ListedCampaignDetailRow) {
  return {
    ...campaignJson(c), storyHtml: c.storyHtml, donors: c.donors, startsAt: c.startsAt?.toISOString() ?? null, endedAt: c.endedAt?.toISOString() ?? null,
    links: { ...campaignJson(c).links, ledgerApi: `/api/v1/public/campaigns/${c.slug}/ledger`, reportApi: `/api/v1/public/campaigns/${c.slug}/report` },
  };
}

/** JSON with a strong ETag of its bytes; 304 when the client holds it (If-None-Match, as the ledger endpoints). */
export function sendCachedJson(request: FastifyRequest, reply: FastifyReply, body: unknown, cacheControl: string): void {
  const text = JSON.stringify(body);
  const etag = `"${createHash('sha256').update(text).digest('base64url').slice(0, 27)}"`;
  void reply.header('etag', etag).header('cache-control', cacheControl);
  const given = request.headers['if-none-match'];
  if (typeof given === 'string' && given.split(',').some((t) => t.trim().replace(/^W\//, '') === etag)) {
    void reply.status(304).send();
    return;
  }
  void reply.header('content-type', 'application/json; charset=utf-8').send(text);
}
