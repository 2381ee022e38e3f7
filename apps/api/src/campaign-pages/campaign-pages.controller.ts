import { Body, Controller, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomBytes } from 'node:crypto';
import { DomainError, FreshReads, NotFoundError, parseMajorUnits } from '@ataa/common';
import { AppConfig } from '@ataa/config';
import { ReadReplicas, type ReadSource } from '@ataa/database';
import {
  CampaignPageHead, CampaignReader, CheckoutService, DonationCampaign, DonationsQueryService, intervalOf, isScheduleFrequency, MatchingOfferView, PledgesService, RecurringGiftsService,
  ScheduledGiftsService, scheduledFormTerms, scheduleWords,
} from '@ataa/donations';
import { formatMoney, localeFor } from '@ataa/notifications';
import { ModerationService, REPORT_REASONS } from '@ataa/moderation';
import { RateLimiter, rateLimitSubject } from '@ataa/organizations';
import { isolateText } from '../http/isolate.js';
import { negotiateLanguage, publicLanguage, textLanguage, type PublicLanguage } from '../http/public-language.js';
import { csrfTokenValid, issueCsrfToken } from './csrf.setup.js';
import { PageRenderCache, splitAroundSlot, withToken, type RenderedPage } from './page-render-cache.js';
import { chosenAmount, DONATION_FORM_FIELDS, DonationFormDto } from './donation-form.dto.js';
import { ERROR_MESSAGES, FIELD_HINTS, fill, PAGE_MESSAGES, PageLanguage } from './page-messages.js';
import { acceptsDonations, CampaignPageView, type FormState, type PageData } from './campaign-page.view.js';
import { MODERATION_MESSAGES, REPORT_ERRORS, REPORT_REASON_LABELS } from './moderation-messages.js';
import { PLEDGE_MESSAGES } from './pledge-messages.js';
import { cookieOf } from '../http/cookies.js';

/** Stands in for the CSRF token in a cached rendering; random per process, so no page text can contain it. */
const TOKEN_SLOT = `csrf-slot-${randomBytes(16).toString('hex')}`;

/**
 * The campaign's public log size a visitor's campaign page last showed (with read replicas only):
 * a cookie per campaign page (Path=/c/<slug>), so their next view is never read from a replica
 * further behind than that (issue 23: a page never shows totals older than a log size seen).
 */
const SEEN_COOKIE = 'ataa_seen';

function seenLogSize(request: FastifyRequest): number {
  const value = cookieOf(request, SEEN_COOKIE);
  return value && /^\d{1,15}$/.test(value) ? Number(value) : 0;
}

/**
 * The hosted campaign page (story, progress, recent gifts, donation form), the form's POST that
 * starts a Stripe Checkout, and the thank-you page. Server-rendered with the chrome in the visitor's
 * language (?lang=, the ataa_lang cookie, Accept-Language, else the campaign's), the campaign's
 * own text in its own language.
 */
@ApiExcludeController()
@Controller('c')
export class CampaignPagesController {
  /**
   * Each campaign's page head (the campaign and a version of its figures), read fresh for every
   * request but shared by the requests waiting together (a read never began before the request it
   * answers, so a gift settled before a visitor asked is on their page): one indexed query serves
   * many visitors.
   */
  private readonly heads: FreshReads<string, CampaignPageHead>;
  /** Pages rendered once per version of their figures, the CSRF token spliced in per visitor. */
  readonly rendered = new PageRenderCache();

  constructor(
    private readonly campaigns: CampaignReader,
    private readonly checkout: CheckoutService,
    private readonly donations: DonationsQueryService,
    private readonly config: AppConfig,
    private readonly limiter: RateLimiter,
    private readonly moderation: ModerationService,
    private readonly view: CampaignPageView,
    private readonly pledges: PledgesService,
    private readonly recurring: RecurringGiftsService,
    private readonly scheduled: ScheduledGiftsService,
    private readonly replicas: ReadReplicas,
  ) {
    // gathered: the requests Node parsed together share one read (issue 18: a page read per few requests, not per one)
    this.heads = new FreshReads((slugs) => this.campaigns.findPublicPageHeads(slugs, this.replicas.primary), 1, true);
    this.matchingReads = new FreshReads((ids) => this.view.matchingOffersOf(ids));
  }

  /** Matching offers per campaign, read fresh like the heads and shared by the requests waiting together. */
  private readonly matchingReads: FreshReads<string, MatchingOfferView[]>;

  /** The page heads read on each replica (by name), shared as `heads` on the primary. */
  private readonly replicaHeads = new Map<string, FreshReads<string, CampaignPageHead>>();

  private headsOn(source: ReadSource): FreshReads<string, CampaignPageHead> {
    if (!source.replica) return this.heads;
    let heads = this.replicaHeads.get(source.name);
    if (!heads) this.replicaHeads.set(source.name, (heads = new FreshReads((slugs) => this.campaigns.findPublicPageHeads(slugs, source), 1, true)));
    return heads;
  }

  @Get(':slug')
  async page(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    // Read from the request: no parameter pipes on the hottest public page (the slug is checked by the reader).
    const slug = (request.params as { slug: string }).slug;
    const { cancelled, amount } = request.query as { cancelled?: unknown; amount?: unknown };
    // A public read (issue 23): from a replica when one is usable, every figure from the one its head came from.
    let source = this.replicas.reader();
    let head = await this.headsOn(source).get(slug);
    const seen = this.replicas.configured ? seenLogSize(request) : 0;
    // Published a moment ago and not on the replica yet, or behind what this visitor was shown: the primary has it.
    if (source.replica && (!head || head.logSize < seen)) {
      source = this.replicas.primary;
      head = await this.heads.get(slug);
    }
    if (!head) throw new NotFoundError('Campaign', 'campaign_not_found');
    const db = source.replica ? source : undefined;
    // `?amount=` (the widget's buttons): one of the suggested amounts, preselected; anything else is ignored.
    const preselected = this.view.preselectedAmount(head.campaign, amount);
    const state = { cancelled: cancelled === '1', ...(preselected ? { values: { amount: preselected } } : {}) };
    const now = new Date();
    const open = acceptsDonations(head.campaign, now);
    const { language } = publicLanguage(request, reply, head.campaign.language);
    // Same figures version, language and state (open or not, cancelled notice or not, amount chosen) and the
    // same deadline text (changes at most hourly): same page but the token.
    // Pledges change without a ledger entry: their figures are part of the key (read only for a campaign taking pledges).
    const pledges = await this.view.pledgeFigures(head.campaign, db);
    const pledgeKey = pledges ? `${pledges.pledgedCount}:${pledges.pledgedAmount}:${pledges.collectedCount}:${pledges.collectedAmount}` : '-';
    // Matching offers change without a ledger entry too (an accrual is a pledge), and start and end with the clock.
    // (read only for a campaign with offers: the head says whether it has any, as of this request)
    const matching = head.hasMatchingOffers ? (await this.matchingReads.get(head.campaign.id)) ?? [] : [];
    const key = this.pageKey(slug, head, pledgeKey, matching, language, open, state.cancelled, preselected, now);
    const page = await this.rendered.get(key, async () => {
      const data = await this.view.readPageData(head.campaign, pledges, matching, db);
      return splitAroundSlot(await reply.server.view('campaign/page.hbs', this.view.pageView(data, state, TOKEN_SLOT, open, language, true, now)) as unknown as string, TOKEN_SLOT);
    });
    const body = page.tail === null ? page.head : withToken(page, issueCsrfToken(request, reply, '/c'));
    if (this.replicas.configured && head.logSize > seen) {
      const secure = this.config.PUBLIC_BASE_URL.startsWith('https:') ? '; Secure' : '';
      void reply.header('set-cookie', `${SEEN_COOKIE}=${head.logSize}; Path=/c/${slug}; HttpOnly; SameSite=Lax${secure}`);
    }
    void reply.status(200).header('cache-control', 'no-store').header('vary', 'Accept-Language, Cookie').header('content-type', 'text/html; charset=utf-8').send(body);
  }

  /** What a rendering depends on: equal keys, the same page but the CSRF token. */
  private pageKey(slug: string, head: CampaignPageHead, pledgeKey: string, matching: MatchingOfferView[], language: PublicLanguage, open: boolean, cancelled: boolean, preselected: string | null, now: Date): string {
    return `${slug}|${head.figuresVersion}|${pledgeKey}|${this.view.matchingKey(matching)}|${language}|${open ? 'open' : 'closed'}|${cancelled ? 'cancelled' : '-'}|${preselected ?? '-'}|${this.view.clockKey(head.campaign, now, language)}`;
  }

  /**
   * The rendering the route would send for a plain `GET /c/<slug>` (no query) from a visitor with
   * this language cookie and Accept-Language, chosen exactly as `page` chooses it (the head read
   * fresh, the same key), when it is rendered already: the server's fast path sends it with the
   * visitor's token (campaign-page-fast-path.ts). Undefined when the route must answer: with read
   * replicas (their cookie rules), a campaign not public (404), one taking pledges (their figures are
   * one more read), or a key not rendered yet.
   */
  async cachedPage(slug: string, visitor: { languageCookie: unknown; acceptLanguage: string | undefined }, now: Date = new Date()): Promise<RenderedPage | undefined> {
    if (this.replicas.configured) return undefined;
    const head = await this.heads.get(slug);
    if (!head || this.pledges.offersPledges(head.campaign)) return undefined;
    const matching = head.hasMatchingOffers ? (await this.matchingReads.get(head.campaign.id)) ?? [] : [];
    const { language } = negotiateLanguage({ cookie: visitor.languageCookie, acceptLanguage: visitor.acceptLanguage, fallback: head.campaign.language });
    return this.rendered.peek(this.pageKey(slug, head, '-', matching, language, acceptsDonations(head.campaign, now), false, null, now));
  }

  private async requirePageData(slug: string): Promise<PageData> {
    const head = await this.heads.get(slug);
    if (!head) throw new NotFoundError('Campaign', 'campaign_not_found');
    return this.view.readPageData(head.campaign);
  }

  @Post(':slug/donate')
  @HttpCode(303)
  async donate(@Param('slug') slug: string, @Body() body: Record<string, unknown>, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const campaign = await this.campaigns.requirePublic(slug);
    // The page's language travels in the form (its `locale` field): a refusal and the checkout follow the page the donor saw.
    const lang: PageLanguage = publicLanguage(request, null, campaign.language, { form: body?.locale }).language;
    // A refused form is shown again with the page's figures as they are now (rendered, not cached: it carries the visitor's values).
    const again = async (status: number, state: FormState) => {
      const data = await this.requirePageData(slug);
      void reply.status(status).header('cache-control', 'no-store');
      return reply.view('campaign/page.hbs', this.view.pageView(data, state, issueCsrfToken(request, reply, '/c'), acceptsDonations(data.campaign), lang));
    };
    const values = Object.fromEntries(Object.entries(body ?? {}).filter(([k, v]) => typeof v === 'string' && k !== '_csrf')) as FormState['values'];
    // Card testing: every attempt from an address counts, valid or not, on any campaign.
    try {
      await this.limiter.take([{ limit: 'checkoutsPerAddress', subject: rateLimitSubject(request.ip) }]);
    } catch (error) {
      if (!(error instanceof DomainError) || error.code !== 'rate_limited') throw error;
      void reply.header('retry-after', String(error.details?.retryAfterSeconds ?? this.config.CHECKOUT_WINDOW_SECONDS));
      return again(429, { error: ERROR_MESSAGES[lang].rate_limited, values });
    }
    if (!(await csrfTokenValid(request))) {
      return again(403, { error: ERROR_MESSAGES[lang].csrf, values });
    }
    const form = plainToInstance(DonationFormDto, body ?? {});
    const errors = await validate(form, { whitelist: true, forbidNonWhitelisted: true });
    if (errors.length > 0) {
      const refused = new Set(errors.map((e) => (e.property === 'customAmount' ? 'amount' : e.property)));
      const named = DONATION_FORM_FIELDS.filter((f) => refused.has(f)).map((f) => FIELD_HINTS[lang][f]);
      const message = named.length > 0 ? fill(ERROR_MESSAGES[lang].validation_failed_fields, { fields: named.join(lang === 'ar' ? '؛ ' : '; ') }) : ERROR_MESSAGES[lang].validation_failed;
      return again(400, { error: message, values });
    }
    try {
      const input = {
        amount: chosenAmount(form), coverFees: form.coverFees !== undefined, donorName: form.donorName || null, donorEmail: form.donorEmail,
        anonymous: form.anonymous !== undefined, publicMessage: form.publicMessage || null, locale: form.locale ?? lang,
        updatesOptIn: form.updatesOptIn !== undefined, designation: form.designation || null,
      };
      const pledging = this.pledges.offersPledges(campaign);
      // A scheduled series (the last ten nights of Ramadan, every Friday for N weeks): Checkout in setup mode saves the card,
      // the platform charges each occurrence off-session. Not on a campaign taking pledges (as recurring gifts).
      if (isScheduleFrequency(form.frequency)) {
        if (pledging) throw new DomainError('interval_not_offered', 'this campaign takes pledges, charged once if its goal is met: scheduled gifts are not offered', 400, { field: 'frequency' });
        const terms = scheduledFormTerms({ frequency: form.frequency, weeks: form.weeks, endDate: form.endDate, payments: form.payments });
        const started = await this.scheduled.start(slug, {
          ...terms, timeZone: form.timeZone ?? '', amount: chosenAmount(form), donorName: form.donorName || null, donorEmail: form.donorEmail,
          anonymous: form.anonymous !== undefined, locale: form.locale ?? lang, designation: input.designation, updatesOptIn: input.updatesOptIn,
        });
        void reply.status(303).header('location', started.checkoutUrl).send();
        return;
      }
      // Give once (the default), or monthly/weekly (Checkout in subscription mode); anything else is refused (interval_not_offered).
      const interval = intervalOf(form.frequency);
      // An all-or-nothing campaign takes pledges (the card saved, charged once if the goal is met): no series.
      if (interval && pledging) throw new DomainError('interval_not_offered', 'this campaign takes pledges, charged once if its goal is met: recurring gifts are not offered', 400, { field: 'frequency' });
      const result = interval
        ? await this.recurring.start(slug, {
          frequency: form.frequency!, amount: chosenAmount(form), endDate: form.endDate || null, payments: form.payments || null, donorName: form.donorName || null,
          donorEmail: form.donorEmail, anonymous: form.anonymous !== undefined, publicMessage: form.publicMessage || null, locale: form.locale ?? lang,
          designation: input.designation, updatesOptIn: input.updatesOptIn,
        })
        : pledging ? await this.pledges.start(slug, input) : await this.checkout.start(slug, input);
      void reply.status(303).header('location', result.checkoutUrl).send();
    } catch (error) {
      if (!(error instanceof DomainError) || error.status === 404) throw error;
      const template = ERROR_MESSAGES[lang][error.code] ?? ERROR_MESSAGES[lang].default;
      const readings = Array.isArray(error.details?.readings) ? (error.details.readings as string[]) : [];
      // Amounts named in a refusal read as the page shows amounts (formatMoney in the page's language).
      const money = (major: unknown) => {
        const minor = typeof major === 'string' ? parseMajorUnits(major, campaign.currency) : null;
        return minor === null ? '' : formatMoney(minor, campaign.currency, localeFor(lang));
      };
      const message = fill(template, {
        minimum: money(error.details?.minimum),
        maximum: typeof error.details?.maximum === 'string' ? ` ${money(error.details.maximum)}` : '',
        typed: chosenAmount(form), first: money(readings[0]), second: money(readings[1]),
      });
      await again(error.status >= 500 ? 502 : error.status, { error: message, values });
    }
  }

  @Get(':slug/thanks')
  async thanks(
    @Param('slug') slug: string, @Query('donation') donationId: string | undefined, @Query('pledge') pledgeId: string | undefined, @Query('recurring') recurringId: string | undefined,
    @Query('scheduled') scheduledId: string | undefined, @Req() request: FastifyRequest, @Res() reply: FastifyReply,
  ): Promise<void> {
    const campaign = await this.campaigns.requirePublic(slug);
    const { language } = publicLanguage(request, reply, campaign.language);
    const t = PAGE_MESSAGES[language];
    const locale = localeFor(language);
    if (typeof pledgeId === 'string' && donationId === undefined) return this.pledgeThanks(campaign, pledgeId, language, reply);
    if (typeof scheduledId === 'string' && donationId === undefined) return this.scheduledThanks(campaign, scheduledId, language, reply);
    if (typeof recurringId === 'string' && donationId === undefined) {
      // A recurring gift's thank-you page: what Stripe's events recorded about the series.
      const series = await this.recurring.statusForThanks(campaign.id, recurringId);
      const state = series ? (series.status === 'pending' ? 'pending' : series.status === 'cancelled' || series.status === 'ended' ? 'stopped' : 'succeeded') : 'unknown';
      const message = !series ? t.unknownGift : state === 'pending' ? t.recurringPending : state === 'stopped' ? t.recurringStopped
        : fill(t.recurringActive, { amount: formatMoney(series.amount, series.currency, locale), interval: series.interval === 'month' ? t.intervalMonth : t.intervalWeek });
      void reply.status(series ? 200 : 404).header('cache-control', 'no-store');
      const layout = this.view.layout(campaign, `${t.thanksTitle} — ${isolateText(campaign.title)}`, language, '/thanks');
      return reply.view('campaign/thanks.hbs', {
        ...layout, canonical: null, alternates: [],
        languageSwitch: layout.languageSwitch && { ...layout.languageSwitch, href: `/c/${campaign.slug}/thanks?recurring=${encodeURIComponent(series?.id ?? '')}&lang=${layout.languageSwitch.code}` },
        t, campaign: { title: campaign.title, slug: campaign.slug, text: textLanguage(campaign.language) }, message, state, pending: state === 'pending', refreshHref: `/c/${campaign.slug}/thanks?recurring=${encodeURIComponent(series?.id ?? '')}`,
      });
    }
    // The redirect proves nothing: the status shown is what Stripe's webhooks recorded.
    const donation = typeof donationId === 'string' ? await this.donations.statusForThanks(campaign.id, donationId) : null;
    let message: string = t.unknownGift;
    let state = 'unknown';
    if (donation) {
      state = donation.status;
      const amount = formatMoney(donation.amount, donation.currency, locale);
      message = donation.status === 'pending' ? t.statusPending
        : donation.status === 'succeeded' ? fill(t.statusSucceeded, { amount })
        : donation.status === 'failed' ? t.statusFailed
        : donation.status === 'expired' ? t.statusExpired
        : fill(t.statusOther, { status: donation.status });
    }
    void reply.status(donation ? 200 : 404).header('cache-control', 'no-store');
    // A thank-you page names one gift: no canonical URL, but the switch keeps the gift.
    const layout = this.view.layout(campaign, `${t.thanksTitle} — ${isolateText(campaign.title)}`, language, '/thanks');
    const query = donation ? `?donation=${encodeURIComponent(donation.id)}&lang=` : '?lang=';
    return reply.view('campaign/thanks.hbs', {
      ...layout, canonical: null, alternates: [],
      languageSwitch: layout.languageSwitch && { ...layout.languageSwitch, href: `/c/${campaign.slug}/thanks${query}${layout.languageSwitch.code}` },
      t, campaign: { title: campaign.title, slug: campaign.slug, text: textLanguage(campaign.language) }, message, state, pending: state === 'pending',
      refreshHref: `/c/${campaign.slug}/thanks?donation=${encodeURIComponent(donation?.id ?? '')}`,
    });
  }

  /** A scheduled series' thank-you page: what the webhook recorded (the card saved or not), and its planned days. */
  private async scheduledThanks(campaign: DonationCampaign, id: string, language: PageLanguage, reply: FastifyReply): Promise<void> {
    const t = PAGE_MESSAGES[language];
    const found = await this.scheduled.statusForThanks(campaign.id, id);
    const status = found?.gift.status;
    const state = !found ? 'unknown' : status === 'pending' ? 'pending' : status === 'cancelled' ? 'stopped' : status === 'completed' ? 'completed' : 'succeeded';
    const message = !found ? t.unknownGift : state === 'pending' ? t.scheduledPending : state === 'stopped' ? t.scheduledStopped : state === 'completed' ? t.scheduledCompleted
      : fill(t.scheduledActive, { amount: formatMoney(found.gift.amount, found.gift.currency, localeFor(language)), schedule: scheduleWords(language, found.gift.kind, found.gift.weeks) });
    void reply.status(found ? 200 : 404).header('cache-control', 'no-store');
    const layout = this.view.layout(campaign, `${t.thanksTitle} — ${isolateText(campaign.title)}`, language, '/thanks');
    const query = `?scheduled=${encodeURIComponent(found?.gift.id ?? '')}`;
    const day = new Intl.DateTimeFormat(localeFor(language), { dateStyle: 'full', timeZone: 'UTC' });
    return reply.view('campaign/thanks.hbs', {
      ...layout, canonical: null, alternates: [],
      languageSwitch: layout.languageSwitch && { ...layout.languageSwitch, href: `/c/${campaign.slug}/thanks${query}&lang=${layout.languageSwitch.code}` },
      t, campaign: { title: campaign.title, slug: campaign.slug, text: textLanguage(campaign.language) }, message, state, pending: state === 'pending',
      refreshHref: `/c/${campaign.slug}/thanks${query}`,
      // The planned days, in the donor's time zone (the day each gift is charged on there).
      occurrences: found && state !== 'unknown' ? {
        title: t.scheduledDates, timeZone: found.gift.timeZone,
        items: found.charges.map((c) => ({ date: c.localDate, label: day.format(new Date(`${c.localDate}T12:00:00Z`)), status: c.status, statusLabel: t.occurrence[c.status] ?? c.status })),
      } : null,
    });
  }

  /** The thank-you page after saving a card for a pledge: what the webhook recorded (the redirect proves nothing). */
  private async pledgeThanks(campaign: DonationCampaign, pledgeId: string, language: PageLanguage, reply: FastifyReply): Promise<void> {
    const t = PAGE_MESSAGES[language];
    const p = PLEDGE_MESSAGES[language];
    const pledge = await this.pledges.forThanks(campaign.id, pledgeId);
    const saved = pledge !== null && pledge.state !== 'open' && pledge.state !== 'cancelled';
    const message = !pledge ? t.unknownGift : saved ? fill(p.thanksPledged, { amount: formatMoney(pledge.amount, pledge.currency, localeFor(language)) }) : p.thanksPending;
    void reply.status(pledge ? 200 : 404).header('cache-control', 'no-store');
    const layout = this.view.layout(campaign, `${t.thanksTitle} — ${isolateText(campaign.title)}`, language, '/thanks');
    const query = pledge ? `?pledge=${encodeURIComponent(pledge.id)}&lang=` : '?lang=';
    return reply.view('campaign/thanks.hbs', {
      ...layout, canonical: null, alternates: [],
      languageSwitch: layout.languageSwitch && { ...layout.languageSwitch, href: `/c/${campaign.slug}/thanks${query}${layout.languageSwitch.code}` },
      t, campaign: { title: campaign.title, slug: campaign.slug, text: textLanguage(campaign.language) }, message,
      state: !pledge ? 'unknown' : saved ? 'pledged' : 'pending', pending: false, donationId: null,
    });
  }

  /** The report form: about a donor-wall message (`?entry=<public log index>`) or the campaign. */
  @Get(':slug/flag')
  async reportForm(@Param('slug') slug: string, @Query('entry') entry: string | undefined, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const campaign = await this.campaigns.requirePublic(slug);
    const target = entry === undefined ? 'campaign' : 'message';
    if (target === 'message' && !/^\d{1,15}$/.test(entry!)) throw new NotFoundError('Message', 'message_not_found');
    const { language } = publicLanguage(request, reply, campaign.language);
    void reply.status(200).header('cache-control', 'no-store');
    return reply.view('campaign/report.hbs', this.reportView(campaign, language, { target, entry: entry ?? null }, issueCsrfToken(request, reply, '/c')));
  }

  /**
   * A visitor's report. Every attempt from an address counts (rate limit first, before the CSRF
   * check and validation: a flood costs one Redis call per request); the address is not stored.
   */
  @Post(':slug/flag')
  async report(@Param('slug') slug: string, @Body() body: Record<string, unknown>, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const campaign = await this.campaigns.requirePublic(slug);
    const text = (key: string) => (typeof body?.[key] === 'string' ? (body[key] as string) : undefined);
    const lang: PageLanguage = publicLanguage(request, null, campaign.language, { form: text('lang') }).language;
    const state = { target: text('target') === 'message' ? 'message' as const : 'campaign' as const, entry: text('entry') ?? null, reason: text('reason'), details: text('details') };
    const again = (status: number, code: string) => {
      void reply.status(status).header('cache-control', 'no-store');
      return reply.view('campaign/report.hbs', { ...this.reportView(campaign, lang, state, issueCsrfToken(request, reply, '/c'), REPORT_ERRORS[lang][code] ?? REPORT_ERRORS[lang].default), errorCode: code });
    };
    try {
      await this.limiter.take([{ limit: 'reportsPerAddress', subject: rateLimitSubject(request.ip) }]);
    } catch (error) {
      if (!(error instanceof DomainError) || (error.code !== 'rate_limited' && error.code !== 'rate_limit_unavailable')) throw error;
      void reply.header('retry-after', String(error.details?.retryAfterSeconds ?? this.config.REPORT_WINDOW_SECONDS));
      return again(error.status, error.code);
    }
    if (!(await csrfTokenValid(request))) return again(403, 'csrf');
    try {
      await this.moderation.report(slug, { target: text('target'), entryIndex: state.entry, reason: state.reason, details: state.details ?? null });
    } catch (error) {
      if (!(error instanceof DomainError) || error.status === 404) throw error;
      return again(error.status >= 500 ? 502 : error.status, error.code);
    }
    void reply.status(200).header('cache-control', 'no-store');
    return reply.view('campaign/report.hbs', this.reportView(campaign, lang, state, '', null, true));
  }

  private reportView(campaign: DonationCampaign, language: PageLanguage, state: { target: 'message' | 'campaign'; entry: string | null; reason?: string; details?: string }, csrfToken: string, error: string | null = null, sent = false) {
    const m = MODERATION_MESSAGES[language];
    const heading = state.target === 'message' ? m.reportMessageLabel : m.reportCampaign;
    const layout = this.view.layout(campaign, `${heading} — ${isolateText(campaign.title)}`, language, '/flag');
    // The form is not a page to index; the switch keeps the message reported.
    const query = state.target === 'message' && state.entry !== null ? `?entry=${encodeURIComponent(state.entry)}&lang=` : '?lang=';
    return {
      ...layout, canonical: null, alternates: [],
      languageSwitch: layout.languageSwitch && { ...layout.languageSwitch, href: `/c/${campaign.slug}/flag${query}${layout.languageSwitch.code}` },
      m, heading, intro: state.target === 'message' ? m.reportMessageIntro : m.reportCampaignIntro, lang: language,
      campaign: { slug: campaign.slug, title: campaign.title, text: textLanguage(campaign.language) }, target: state.target, entry: state.target === 'message' ? state.entry : null,
      reasons: REPORT_REASONS.map((value) => ({ value, label: REPORT_REASON_LABELS[language][value], checked: state.reason === value })),
      details: state.details ?? '', csrfToken, error, sent,
    };
  }

}

