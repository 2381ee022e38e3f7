import { offersZakat } from '@ataa/campaigns';
import { Injectable } from '@nestjs/common';
import { currencyExponent, formatMajorUnits } from '@ataa/common';
import { AppConfig } from '@ataa/config';
import type { Queryable } from '@ataa/database';
import { assertAcceptsDonations, defaultTimeZone, DonationCampaign, DonationsQueryService, MatchingOfferView, MatchingService, MAX_FRIDAYS, OFFERED_TIME_ZONES, PledgeFigures, PledgesService, PublicGift } from '@ataa/donations';
import { CampaignTotals, LedgerService } from '@ataa/ledger';
import { formatMoney, localeFor } from '@ataa/notifications';
import { HiddenMessage, ModerationService } from '@ataa/moderation';
import { PublicLedgerService, StoredEntry } from '@ataa/transparency';
import { PublicUpdatesService, type UpdateRow } from '@ataa/updates';
import { formatDate } from '@ataa/notifications';
import { isolateText } from '../http/isolate.js';
import { publicChrome, type PublicLanguage, textLanguage } from '../http/public-language.js';
import { DonationFormDto } from './donation-form.dto.js';
import { fill, PAGE_MESSAGES } from './page-messages.js';
import { termsHistoryView } from './terms-history.js';
import { HIDE_REASON_LABELS, MODERATION_MESSAGES } from './moderation-messages.js';
import { campaignUrl, deadlineView, goalReached, shareLinks } from './campaign-share.js';
import { SHARE_MESSAGES } from './share-messages.js';
import { PLEDGE_MESSAGES } from './pledge-messages.js';
import { MATCHING_MESSAGES } from './matching-messages.js';

/** What a campaign page shows besides the form: the campaign, its totals and its latest gifts. */
export interface PageData {
  campaign: DonationCampaign;
  totals: CampaignTotals | null;
  gifts: PublicGift[];
  /** Hidden donor-wall messages among the gifts shown, by public log index. */
  hidden: Map<number, HiddenMessage>;
  /** Public changes of the campaign's terms, newest first. */
  termChanges: StoredEntry[];
  /** An all-or-nothing campaign taking pledges: pledged (unverified) and collected, apart. Null otherwise. */
  pledges?: PledgeFigures | null;
  /** The latest published updates, newest first. */
  updates: UpdateRow[];
  /** The campaign's matching offers (the banner shows those matching now). */
  matching?: MatchingOfferView[];
}

export interface FormState {
  error?: string;
  values?: Partial<Record<keyof DonationFormDto, string>>;
}

/**
 * What the campaign page template shows (campaign/page.hbs): read and shaped once for the public page
 * (CampaignPagesController) and the organization's preview in the dashboard.
 */
@Injectable()
export class CampaignPageView {
  constructor(
    private readonly config: AppConfig,
    private readonly ledger: LedgerService,
    private readonly donations: DonationsQueryService,
    private readonly publicLedger: PublicLedgerService,
    private readonly moderation: ModerationService,
    private readonly pledgesService: PledgesService,
    private readonly updates: PublicUpdatesService,
    private readonly matchingService: MatchingService,
  ) {}

  /** The campaign's matching offers: part of the page's cache key (they change without a ledger entry, and with the clock). */
  async matchingOffers(campaign: DonationCampaign): Promise<MatchingOfferView[]> {
    return this.matchingService.publicOffers(campaign.id);
  }

  /** Several campaigns' offers in one read (the public page shares it among the visitors waiting together). */
  matchingOffersOf(campaignIds: string[]): Promise<Map<string, MatchingOfferView[]>> {
    return this.matchingService.publicOffersOf(campaignIds);
  }

  /** The matching part of a cached page's key: each offer's figures and whether it matches now. */
  matchingKey(offers: readonly MatchingOfferView[]): string {
    return offers.map((o) => `${o.offer.id}:${o.offer.accrued}:${o.active ? 1 : 0}`).join(',') || '-';
  }

  /** The pledge figures of a campaign that takes pledges (null otherwise): part of the page's cache key, as they change without a ledger entry. */
  async pledgeFigures(campaign: DonationCampaign, db?: Queryable): Promise<PledgeFigures | null> {
    return this.pledgesService.offersPledges(campaign) ? this.pledgesService.figures(campaign.id, db) : null;
  }

  /**
   * The rest of a page's figures, read after its head (so never older than it), all from `db`: the
   * source its head was read from (a replica, issue 23), so the page is one server's view. The primary by default.
   */
  async readPageData(campaign: DonationCampaign, pledges?: PledgeFigures | null, matching?: MatchingOfferView[], db?: Queryable): Promise<PageData> {
    const [totals, gifts, termChanges, pledgeFigures, updates, offers] = await Promise.all([
      this.ledger.campaignTotals(campaign.id, db), this.donations.recentPublicGifts(campaign.id, 10, db), this.publicLedger.termHistory(campaign.id, 20, db),
      pledges === undefined ? this.pledgeFigures(campaign, db) : Promise.resolve(pledges),
      this.updates.latest(campaign.id, undefined, db),
      matching === undefined ? this.matchingOffers(campaign) : Promise.resolve(matching),
    ]);
    const indexes = gifts.flatMap((g) => (g.entryIndex === null ? [] : [g.entryIndex]));
    return { campaign, totals, gifts, termChanges, pledges: pledgeFigures, updates, matching: offers, hidden: await this.moderation.hiddenAmong(campaign.id, indexes, db) };
  }

  /**
   * The layout's data for a page about `campaign` with its chrome in `language` (the visitor's);
   * `path` (under the campaign's) gets a canonical URL, hreflang alternates and the language switch.
   */
  layout(campaign: DonationCampaign, title: string, language: PublicLanguage = campaign.language, path: string | null = '') {
    const base = this.config.PUBLIC_BASE_URL.replace(/\/$/, '');
    const url = `${base}/c/${campaign.slug}`;
    const meta = [
      { property: 'og:type', content: 'website' }, { property: 'og:title', content: campaign.title },
      { property: 'og:description', content: campaign.summary }, { property: 'og:url', content: url },
      { property: 'og:locale', content: campaign.language === 'ar' ? 'ar_AR' : 'en_US' },
      { name: 'twitter:card', content: 'summary_large_image' },
      { name: 'twitter:title', content: campaign.title }, { name: 'twitter:description', content: campaign.summary },
      { name: 'description', content: campaign.summary },
      // The generated share card (title, progress, organization) is what a link preview shows, cover or not.
      { property: 'og:image', content: `${url}/card.png` }, { property: 'og:image:type', content: 'image/png' },
      { property: 'og:image:width', content: '1200' }, { property: 'og:image:height', content: '630' }, { property: 'og:image:alt', content: campaign.title },
      { name: 'twitter:image', content: `${url}/card.png` }, { name: 'twitter:image:alt', content: campaign.title },
    ];
    // The cover as a second image, for the sites that let a sharer pick one.
    if (campaign.coverImageUrl) meta.push({ property: 'og:image', content: campaign.coverImageUrl });
    return {
      title, lang: language, dir: language === 'ar' ? 'rtl' : 'ltr', meta,
      skipLabel: PAGE_MESSAGES[language].skip,
      ...(path === null ? {} : publicChrome(base, language, `/c/${campaign.slug}${path}`)),
    };
  }

  /** The page template's data; `csrfToken` is the visitor's token or the cache's slot. */
  pageView({ campaign, totals, gifts, termChanges, hidden, pledges, updates, matching }: PageData, state: FormState & { cancelled?: boolean }, csrfToken: string, open: boolean, language: PublicLanguage = campaign.language, chrome = true, now: Date = new Date()) {
    const t = PAGE_MESSAGES[language];
    const m = MODERATION_MESSAGES[language];
    const locale = localeFor(language);
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
      ...this.layout(campaign, isolateText(campaign.title), language, chrome ? '' : null),
      t,
      campaign: {
        // The campaign's own words stay in the language they were written in, whatever the chrome's.
        text: textLanguage(campaign.language),
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
          hidden: hide ? fill(m.messageHidden, { reason: HIDE_REASON_LABELS[language][hide.reason] }) : g.messageHeld && g.message ? m.messageHeld : null,
          reportHref: g.entryIndex !== null && g.message && !g.messageHeld ? `/c/${campaign.slug}/flag?entry=${g.entryIndex}` : null,
        };
      }),
      m, suspension: campaign.suspensionReason ? { reason: campaign.suspensionReason } : null,
      suggested,
      otherChecked: values.amount === 'other' || Boolean(values.customAmount),
      // Declared designations only (none: the implicit general, no choice shown); zakat explained where a use is zakat-eligible.
      designations: campaign.designations.length > 0 ? {
        options: campaign.designations.map((d, i) => ({
          value: d.code, id: `designation-${i}`, label: language === 'ar' ? d.labelAr : d.labelEn, zakat: d.zakat,
          checked: values.designation === d.code || (!campaign.designations.some((x) => x.code === values.designation) && i === 0),
        })),
        zakatNote: offersZakat(campaign.designations) ? t.zakatNote : null,
      } : null,
      frequencies: (['once', 'monthly', 'weekly', 'ramadan_last_ten', 'fridays'] as const).map((value) => ({
        value, label: t[value], checked: (values.frequency ?? 'once') === value || (value === 'once' && !['monthly', 'weekly', 'ramadan_last_ten', 'fridays'].includes(values.frequency ?? '')),
      })),
      // A scheduled series' weeks and time zone: the zone offered first follows the campaign's currency (the same page for every visitor);
      // the optional script (/assets/time-zone.js) picks the browser's when the donor has not chosen one.
      schedule: this.scheduleView(campaign.currency, values, language),
      ...(open && !suspensionOf(campaign) && !pledges ? { scripts: ['/assets/time-zone.js'] } : {}),
      amountHint: fill(t.amountHint, { currency: campaign.currency.toUpperCase(), example: exampleMajor }),
      values, error: state.error ?? null, cancelled: state.cancelled === true, open, csrfToken, lang: language,
      // The total counts what donors paid, fees they chose to cover included; the list shows each gift as chosen.
      coveredFeesNote: campaign.offerCoverFees ? t.coveredFeesNote : null,
      termsHistory: termChanges.length > 0 ? termsHistoryView(termChanges, campaign.slug, campaign.currency, language) : null,
      pledge: pledges ? this.pledgeView(pledges, money, language) : null,
      matching: this.matchingView(matching ?? [], money, language),
      ...this.shareView(campaign, raised, open, now, language),
      updates: {
        all: `/c/${campaign.slug}/updates`, feed: `/c/${campaign.slug}/updates.atom`,
        items: updates.map((u) => ({
          title: u.title, url: `/c/${campaign.slug}/updates/${u.id}`, text: textLanguage(u.language), html: u.bodyHtml,
          publishedIso: new Date(u.publishedAt!).toISOString(), publishedLabel: formatDate(new Date(u.publishedAt!), locale),
        })),
      },
    };
  }

  /** The scheduled series' fields: weeks (default 4) and the time zone select (the value sent back kept, even one not listed). */
  private scheduleView(currency: string, values: FormState['values'] & object, language: PublicLanguage) {
    const chosen = typeof values.timeZone === 'string' && values.timeZone !== '' ? values.timeZone : null;
    const selected = chosen ?? defaultTimeZone(currency);
    const zones: string[] = [...OFFERED_TIME_ZONES];
    if (!zones.includes(selected)) zones.unshift(selected);
    return {
      weeks: values.weeks ?? '4', weeksHint: fill(PAGE_MESSAGES[language].weeksHint, { max: String(MAX_FRIDAYS) }), prefill: chosen === null,
      zones: zones.map((z) => ({ value: z, label: z.replace(/_/g, ' '), selected: z === selected })),
    };
  }

  /** The deadline, goal-reached notice, updates area and sharing block (partials campaign-status and campaign-share). */
  /** The pledge form's note and the figures, pledged (labelled unverified) apart from collected (in the ledger, so in the progress above). */
  private pledgeView(f: PledgeFigures, money: (amount: bigint) => string, language: PublicLanguage) {
    const p = PLEDGE_MESSAGES[language];
    return {
      t: p, pledgedAmount: money(f.pledgedAmount), pledgedCount: f.pledgedCount, pledgesLabel: f.pledgedCount === 1 ? p.pledgesOne : p.pledges,
      collected: f.collectedCount > 0 ? { amount: money(f.collectedAmount), count: f.collectedCount } : null,
    };
  }

  /** The banners of the offers matching now: "Doubled until <date>, X left" and the sponsor's terms (labelled unverified). */
  private matchingView(offers: readonly MatchingOfferView[], money: (amount: bigint) => string, language: PublicLanguage) {
    const t = MATCHING_MESSAGES[language];
    const locale = localeFor(language);
    const items = offers.filter((o) => o.active).map(({ offer, left }) => {
      const ratio = `${offer.ratioNumerator}:${offer.ratioDenominator}`;
      const date = formatDate(offer.endsAt, locale);
      const doubled = offer.ratioNumerator === offer.ratioDenominator;
      return {
        id: offer.id, endsIso: offer.endsAt.toISOString(),
        headline: fill(doubled ? t.doubled : t.matched, { date, left: money(left), ratio }),
        terms: fill(t.terms, { sponsor: offer.sponsorName, ratio, cap: money(offer.cap) }),
      };
    });
    return items.length > 0 ? { items, unverified: t.unverified } : null;
  }

  shareView(campaign: DonationCampaign, raised: bigint, open: boolean, now: Date, language: PublicLanguage = campaign.language) {
    // The words around follow the visitor's language; the shared text is the campaign's own.
    const s = SHARE_MESSAGES[language];
    const url = campaignUrl(this.config.PUBLIC_BASE_URL, campaign.slug);
    const deadline = deadlineView(campaign.endsAt, now, language, localeFor(language));
    return {
      s,
      deadline,
      goalReached: goalReached(raised, campaign.goalAmount) ? { open } : null,
      share: {
        url, qrSrc: `/c/${campaign.slug}/qr.svg`,
        links: shareLinks({ url, title: campaign.title, summary: campaign.summary, language: campaign.language }),
      },
    };
  }

  /**
   * The part of a cached page's key that depends on the clock: the deadline's text, which changes at
   * most once an hour (whole days, then whole hours), so the cached page is never staler than it.
   */
  clockKey(campaign: DonationCampaign, now: Date, language: PublicLanguage = campaign.language): string {
    return deadlineView(campaign.endsAt, now, language, localeFor(language))?.left ?? '-';
  }

  /** `?amount=` as one of the campaign's suggested amounts (major units, as the form posts it), else null. */
  preselectedAmount(campaign: DonationCampaign, value: unknown): string | null {
    if (typeof value !== 'string' || value.length > 32) return null;
    return campaign.suggestedAmounts.map((a) => formatMajorUnits(a, campaign.currency)).find((major) => major === value) ?? null;
  }
}

/** The form is not shown on a suspended campaign. */
const suspensionOf = (campaign: DonationCampaign) => campaign.suspensionReason;

/** Whether the campaign takes gifts now (published, within its dates). */
export function acceptsDonations(campaign: DonationCampaign, now: Date = new Date()): boolean {
  try {
    assertAcceptsDonations(campaign, now);
    return true;
  } catch {
    return false;
  }
}
