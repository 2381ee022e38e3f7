import { createHash } from 'node:crypto';
import { pluralText } from '@ataa/notifications';
import { fill, type PageLanguage } from './page-messages.js';
import { SHARE_MESSAGES } from './share-messages.js';

/**
 * Pure pieces of the campaign page's sharing area, deadline, widget and share card (no I/O; the clock
 * is a parameter): share links, the deadline's text, and the card's cache key.
 */

export interface ShareLink {
  id: 'whatsapp' | 'x' | 'facebook' | 'telegram' | 'email';
  label: string;
  href: string;
}

/** The hosts the share links lead to (plain links a visitor clicks; the page loads nothing from them). */
export const SHARE_LINK_HOSTS: readonly string[] = ['wa.me', 'x.com', 'www.facebook.com', 't.me'];

const NETWORK_NAMES: Record<Exclude<ShareLink['id'], 'email'>, string> = { whatsapp: 'WhatsApp', x: 'X', facebook: 'Facebook', telegram: 'Telegram' };

/**
 * The share links: plain links to each network's documented share URL (no script, nothing loaded
 * from them until the visitor clicks). Every parameter is percent-encoded with encodeURIComponent
 * (RFC 3986: a space is %20, never +, which mailto: would show as a plus).
 */
export function shareLinks(input: { url: string; title: string; summary: string; language: PageLanguage }): ShareLink[] {
  const t = SHARE_MESSAGES[input.language];
  const e = encodeURIComponent;
  const text = fill(t.shareText, { title: input.title });
  const network = (id: keyof typeof NETWORK_NAMES, href: string): ShareLink => ({ id, label: fill(t.shareOn, { network: NETWORK_NAMES[id] }), href });
  return [
    network('whatsapp', `https://wa.me/?text=${e(`${text} ${input.url}`)}`),
    network('x', `https://x.com/intent/tweet?text=${e(text)}&url=${e(input.url)}`),
    network('facebook', `https://www.facebook.com/sharer/sharer.php?u=${e(input.url)}`),
    network('telegram', `https://t.me/share/url?url=${e(input.url)}&text=${e(text)}`),
    {
      id: 'email', label: t.shareEmail,
      href: `mailto:?subject=${e(input.title)}&body=${e(fill(t.emailBody, { summary: input.summary || input.title, url: input.url }))}`,
    },
  ];
}

const dateFormats = new Map<string, Intl.DateTimeFormat>();


/** A date and time in the campaign's language, in UTC (named: the page is the same for every visitor). */
export function formatDeadline(date: Date, locale: string): string {
  let format = dateFormats.get(locale);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'long', day: 'numeric', hour: 'numeric', minute: '2-digit', timeZone: 'UTC', timeZoneName: 'short' });
    dateFormats.set(locale, format);
  }
  return format.format(date);
}

export interface DeadlineView {
  /** ISO 8601, for <time datetime>. */
  iso: string;
  /** "Ends 12 March 2027 at 18:00 UTC" or "Ended …". */
  text: string;
  /** "12 days left", "5 hours left", "Less than an hour left"; null once ended. */
  left: string | null;
  ended: boolean;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * The deadline as text, coarse on purpose: whole days while two days or more remain, then whole
 * hours, then "less than an hour". The text changes at most once an hour, so a page cached under it
 * (`deadline.left` in the key) is never more than that stale, and it needs no script to count down.
 */
export function deadlineView(endsAt: Date | null, now: Date, language: PageLanguage, locale: string): DeadlineView | null {
  if (endsAt === null) return null;
  const t = SHARE_MESSAGES[language];
  const remaining = endsAt.getTime() - now.getTime();
  const date = formatDeadline(endsAt, locale);
  if (remaining <= 0) return { iso: endsAt.toISOString(), text: fill(t.endedOn, { date }), left: null, ended: true };
  const left = remaining >= 2 * DAY ? pluralText(t.daysLeft, Math.floor(remaining / DAY), locale)
    : remaining >= HOUR ? pluralText(t.hoursLeft, Math.floor(remaining / HOUR), locale)
    : t.lessThanHour;
  return { iso: endsAt.toISOString(), text: fill(t.endsOn, { date }), left, ended: false };
}

/** Whether the money that stayed reached the goal. */
export function goalReached(raised: bigint, goal: bigint): boolean {
  return goal > 0n && raised >= goal;
}

/** What the share card shows: equal inputs, equal image. */
export interface ShareCardFigures {
  slug: string;
  title: string;
  language: PageLanguage;
  organization: string;
  raised: bigint;
  goal: bigint;
  currency: string;
}

/** The card's cache key and ETag: a hash of everything drawn on it (and the renderer's version). */
export function shareCardKey(figures: ShareCardFigures, rendererVersion: string): string {
  const drawn = [rendererVersion, figures.slug, figures.title, figures.language, figures.organization, figures.raised.toString(), figures.goal.toString(), figures.currency];
  return createHash('sha256').update(JSON.stringify(drawn)).digest('base64url').slice(0, 27);
}

/** The progress in percent, 0–100 (integer arithmetic on minor units). */
export function progressPercent(raised: bigint, goal: bigint): number {
  if (goal <= 0n || raised <= 0n) return 0;
  const percent = Number((raised * 100n) / goal);
  return Math.min(100, percent);
}

/** The absolute URL of a campaign page on PUBLIC_BASE_URL. */
export function campaignUrl(publicBaseUrl: string, slug: string): string {
  return `${publicBaseUrl.replace(/\/$/, '')}/c/${encodeURIComponent(slug)}`;
}
