import { Body, Controller, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomBytes } from 'node:crypto';
import { DomainError, formatMajorUnits, currencyExponent, FreshReads, NotFoundError } from '@ataa/common';
import { AppConfig } from '@ataa/config';
import { assertAcceptsDonations, CampaignPageHead, CampaignReader, CheckoutService, DonationCampaign, DonationsQueryService, PublicGift } from '@ataa/donations';
import { CampaignTotals, LedgerService } from '@ataa/ledger';
import { formatMoney, localeFor } from '@ataa/notifications';
import { HiddenMessage, ModerationService, REPORT_REASONS } from '@ataa/moderation';
import { RateLimiter, rateLimitSubject } from '@ataa/organizations';
import { isolateText } from '../http/isolate.js';
import { PublicLedgerService, StoredEntry } from '@ataa/transparency';
import { csrfTokenValid, issueCsrfToken } from './csrf.setup.js';
import { PageRenderCache, splitAroundSlot, withToken } from './page-render-cache.js';
import { chosenAmount, DONATION_FORM_FIELDS, DonationFormDto } from './donation-form.dto.js';
import { ERROR_MESSAGES, FIELD_HINTS, fill, PAGE_MESSAGES, PageLanguage } from './page-messages.js';
import { termsHistoryView } from './terms-history.js';
import { HIDE_REASON_LABELS, MODERATION_MESSAGES, REPORT_ERRORS, REPORT_REASON_LABELS } from './moderation-messages.js';

/** What a campaign page shows besides the form: the campaign, its totals and its latest gifts. */
interface PageData {
  campaign: DonationCampaign;
  totals: CampaignTotals | null;
  gifts: PublicGift[];
  /** Hidden donor-wall messages among the gifts shown, by public log index. */
  hidden: Map<number, HiddenMessage>;
  /** Public changes of the campaign's terms, newest first. */
  termChanges: StoredEntry[];
}

/** Stands in for the CSRF token in a cached rendering; random per process, so no page text can contain it. */
const TOKEN_SLOT = `csrf-slot-${randomBytes(16).toString('hex')}`;

interface FormState {
  error?: string;
  values?: Partial<Record<keyof DonationFormDto, string>>;
}

/**
 * The hosted campaign page (story, progress, recent gifts, donation form), the form's POST that
 * starts a Stripe Checkout, and the thank-you page. Server-rendered in the campaign's language.
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
    private readonly ledger: LedgerService,
    private readonly config: AppConfig,
    private readonly limiter: RateLimiter,
    private readonly publicLedger: PublicLedgerService,
    private readonly moderation: ModerationService,
  ) {
    this.heads = new FreshReads((slugs) => this.campaigns.findPublicPageHeads(slugs));
  }

  @Get(':slug')
  async page(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    // Read from the request: no parameter pipes on the hottest public page (the slug is checked by the reader).
    const slug = (request.params as { slug: string }).slug;
    const cancelled = (request.query as { cancelled?: unknown }).cancelled;
    const head = await this.heads.get(slug);
    if (!head) throw new NotFoundError('Campaign', 'campaign_not_found');
    const state = { cancelled: cancelled === '1' };
    const open = acceptsDonations(head.campaign);
    // Same figures version, same state (open or not, cancelled notice or not): same page but the token.
    const key = `${slug}|${head.figuresVersion}|${open ? 'open' : 'closed'}|${state.cancelled ? 'cancelled' : '-'}`;
    const page = await this.rendered.get(key, async () => {
      const data = await this.readPageData(head.campaign);
      return splitAroundSlot(await reply.server.view('campaign/page.hbs', this.pageView(data, state, TOKEN_SLOT, open)) as unknown as string, TOKEN_SLOT);
    });
    const body = page.tail === null ? page.head : withToken(page, issueCsrfToken(request, reply, '/c'));
    void reply.status(200).header('cache-control', 'no-store').header('content-type', 'text/html; charset=utf-8').send(body);
  }

  /** The rest of a page's figures, read after its head (so never older than it). */
  private async readPageData(campaign: DonationCampaign): Promise<PageData> {
    const [totals, gifts, termChanges] = await Promise.all([
      this.ledger.campaignTotals(campaign.id), this.donations.recentPublicGifts(campaign.id, 10), this.publicLedger.termHistory(campaign.id, 20),
    ]);
    const indexes = gifts.flatMap((g) => (g.entryIndex === null ? [] : [g.entryIndex]));
    return { campaign, totals, gifts, termChanges, hidden: await this.moderation.hiddenAmong(campaign.id, indexes) };
  }

  private async requirePageData(slug: string): Promise<PageData> {
    const head = await this.heads.get(slug);
    if (!head) throw new NotFoundError('Campaign', 'campaign_not_found');
    return this.readPageData(head.campaign);
  }

  @Post(':slug/donate')
  @HttpCode(303)
  async donate(@Param('slug') slug: string, @Body() body: Record<string, unknown>, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const campaign = await this.campaigns.requirePublic(slug);
    const lang: PageLanguage = campaign.language;
    // A refused form is shown again with the page's figures as they are now (rendered, not cached: it carries the visitor's values).
    const again = async (status: number, state: FormState) => {
      const data = await this.requirePageData(slug);
      void reply.status(status).header('cache-control', 'no-store');
      return reply.view('campaign/page.hbs', this.pageView(data, state, issueCsrfToken(request, reply, '/c'), acceptsDonations(data.campaign)));
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
      const result = await this.checkout.start(slug, {
        amount: chosenAmount(form), coverFees: form.coverFees !== undefined, donorName: form.donorName || null, donorEmail: form.donorEmail,
        anonymous: form.anonymous !== undefined, publicMessage: form.publicMessage || null, locale: form.locale ?? campaign.language,
      });
      void reply.status(303).header('location', result.checkoutUrl).send();
    } catch (error) {
      if (!(error instanceof DomainError) || error.status === 404) throw error;
      const template = ERROR_MESSAGES[lang][error.code] ?? ERROR_MESSAGES[lang].default;
      const currency = campaign.currency.toUpperCase();
      const readings = Array.isArray(error.details?.readings) ? (error.details.readings as string[]) : [];
      const message = fill(template, {
        minimum: typeof error.details?.minimum === 'string' ? `${error.details.minimum} ${currency}` : '',
        maximum: typeof error.details?.maximum === 'string' ? ` ${error.details.maximum} ${currency}` : '',
        typed: chosenAmount(form), first: `${readings[0] ?? ''} ${currency}`, second: `${readings[1] ?? ''} ${currency}`,
      });
      await again(error.status >= 500 ? 502 : error.status, { error: message, values });
    }
  }

  @Get(':slug/thanks')
  async thanks(@Param('slug') slug: string, @Query('donation') donationId: string | undefined, @Res() reply: FastifyReply): Promise<void> {
    const campaign = await this.campaigns.requirePublic(slug);
    const t = PAGE_MESSAGES[campaign.language];
    const locale = localeFor(campaign.language);
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
    return reply.view('campaign/thanks.hbs', {
      ...this.layout(campaign, `${t.thanksTitle} — ${isolateText(campaign.title)}`),
      t, campaign: { title: campaign.title, slug: campaign.slug }, message, state, pending: state === 'pending',
      donationId: donation?.id ?? null,
    });
  }

  /** The report form: about a donor-wall message (`?entry=<public log index>`) or the campaign. */
  @Get(':slug/flag')
  async reportForm(@Param('slug') slug: string, @Query('entry') entry: string | undefined, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const campaign = await this.campaigns.requirePublic(slug);
    const target = entry === undefined ? 'campaign' : 'message';
    if (target === 'message' && !/^\d{1,15}$/.test(entry!)) throw new NotFoundError('Message', 'message_not_found');
    void reply.status(200).header('cache-control', 'no-store');
    return reply.view('campaign/report.hbs', this.reportView(campaign, { target, entry: entry ?? null }, issueCsrfToken(request, reply, '/c')));
  }

  /**
   * A visitor's report. Every attempt from an address counts (rate limit first, before the CSRF
   * check and validation: a flood costs one Redis call per request); the address is not stored.
   */
  @Post(':slug/flag')
  async report(@Param('slug') slug: string, @Body() body: Record<string, unknown>, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const campaign = await this.campaigns.requirePublic(slug);
    const lang: PageLanguage = campaign.language;
    const text = (key: string) => (typeof body?.[key] === 'string' ? (body[key] as string) : undefined);
    const state = { target: text('target') === 'message' ? 'message' as const : 'campaign' as const, entry: text('entry') ?? null, reason: text('reason'), details: text('details') };
    const again = (status: number, code: string) => {
      void reply.status(status).header('cache-control', 'no-store');
      return reply.view('campaign/report.hbs', { ...this.reportView(campaign, state, issueCsrfToken(request, reply, '/c'), REPORT_ERRORS[lang][code] ?? REPORT_ERRORS[lang].default), errorCode: code });
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
    return reply.view('campaign/report.hbs', this.reportView(campaign, state, '', null, true));
  }

  private reportView(campaign: DonationCampaign, state: { target: 'message' | 'campaign'; entry: string | null; reason?: string; details?: string }, csrfToken: string, error: string | null = null, sent = false) {
    const m = MODERATION_MESSAGES[campaign.language];
    const heading = state.target === 'message' ? m.reportMessageLabel : m.reportCampaign;
    return {
      ...this.layout(campaign, `${heading} — ${isolateText(campaign.title)}`),
      m, heading, intro: state.target === 'message' ? m.reportMessageIntro : m.reportCampaignIntro,
      campaign: { slug: campaign.slug, title: campaign.title }, target: state.target, entry: state.target === 'message' ? state.entry : null,
      reasons: REPORT_REASONS.map((value) => ({ value, label: REPORT_REASON_LABELS[campaign.language][value], checked: state.reason === value })),
      details: state.details ?? '', csrfToken, error, sent,
    };
  }

  private layout(campaign: DonationCampaign, title: string) {
    const base = this.config.PUBLIC_BASE_URL.replace(/\/$/, '');
    const url = `${base}/c/${campaign.slug}`;
    const meta = [
      { property: 'og:type', content: 'website' }, { property: 'og:title', content: campaign.title },
      { property: 'og:description', content: campaign.summary }, { property: 'og:url', content: url },
      { property: 'og:locale', content: campaign.language === 'ar' ? 'ar_AR' : 'en_US' },
      { name: 'twitter:card', content: campaign.coverImageUrl ? 'summary_large_image' : 'summary' },
      { name: 'twitter:title', content: campaign.title }, { name: 'twitter:description', content: campaign.summary },
      { name: 'description', content: campaign.summary },
    ];
    if (campaign.coverImageUrl) meta.push({ property: 'og:image', content: campaign.coverImageUrl }, { name: 'twitter:image', content: campaign.coverImageUrl });
    return {
      title, lang: campaign.language, dir: campaign.language === 'ar' ? 'rtl' : 'ltr', meta,
      skipLabel: PAGE_MESSAGES[campaign.language].skip,
    };
  }

  /** The page template's data; `csrfToken` is the visitor's token or the cache's slot. */
  private pageView({ campaign, totals, gifts, termChanges, hidden }: PageData, state: FormState & { cancelled?: boolean }, csrfToken: string, open: boolean) {
    const t = PAGE_MESSAGES[campaign.language];
    const m = MODERATION_MESSAGES[campaign.language];
    const locale = localeFor(campaign.language);
    // Progress counts money that stayed: refunds and disputes are taken off.
    const raised = totals ? totals.raised - totals.refunded - totals.disputed : 0n;
    const donors = totals?.donationsCount ?? 0;
    const percent = campaign.goalAmount > 0n ? Number((raised * 100n) / campaign.goalAmount) : 0;
    const values = state.values ?? {};
    const money = (amount: bigint) => formatMoney(amount, campaign.currency, locale);
    const suggested = campaign.suggestedAmounts.map((amount, i) => {
      const major = formatMajorUnits(amount, campaign.currency);
      return { value: major, label: money(amount), id: `amount-${i}`, checked: values.amount === major || (!values.amount && i === 0 && !values.customAmount) };
    });
    const exampleMajor = formatMajorUnits(campaign.suggestedAmounts[0] ?? 10n ** BigInt(currencyExponent(campaign.currency)) * 25n, campaign.currency);
    return {
      ...this.layout(campaign, isolateText(campaign.title)),
      t,
      campaign: {
        slug: campaign.slug, title: campaign.title, summary: campaign.summary, storyHtml: campaign.storyHtml, coverImageUrl: campaign.coverImageUrl,
        currency: campaign.currency.toUpperCase(), allowAnonymous: campaign.allowAnonymous, offerCoverFees: campaign.offerCoverFees,
      },
      progress: {
        raised: money(raised), goal: money(campaign.goalAmount), percent: Math.max(0, Math.min(100, percent)), percentLabel: `${Math.max(0, percent)}%`,
        donors, donorsLabel: donors === 1 ? t.donorsOne : t.donors,
      },
      gifts: gifts.map((g) => {
        const hide = g.entryIndex === null ? undefined : hidden.get(g.entryIndex);
        return {
          name: g.displayName ?? t.anonymousDonor, amount: money(g.amount), at: g.at.toISOString().slice(0, 10), entry: g.entryIndex === null ? null : String(g.entryIndex),
          // A hidden message is never rendered: its reason takes its place. A held one waits for review.
          message: hide || g.messageHeld ? null : g.message,
          hidden: hide ? fill(m.messageHidden, { reason: HIDE_REASON_LABELS[campaign.language][hide.reason] }) : g.messageHeld && g.message ? m.messageHeld : null,
          reportHref: g.entryIndex !== null && g.message && !g.messageHeld ? `/c/${campaign.slug}/flag?entry=${g.entryIndex}` : null,
        };
      }),
      m, suspension: campaign.suspensionReason ? { reason: campaign.suspensionReason } : null,
      suggested,
      otherChecked: values.amount === 'other' || Boolean(values.customAmount),
      amountHint: fill(t.amountHint, { currency: campaign.currency.toUpperCase(), example: exampleMajor }),
      values, error: state.error ?? null, cancelled: state.cancelled === true, open, csrfToken, lang: campaign.language,
      termsHistory: termChanges.length > 0 ? termsHistoryView(termChanges, campaign.slug, campaign.currency, campaign.language) : null,
    };
  }
}

/** Whether the campaign takes gifts now (published, within its dates). */
function acceptsDonations(campaign: DonationCampaign): boolean {
  try {
    assertAcceptsDonations(campaign);
    return true;
  } catch {
    return false;
  }
}
