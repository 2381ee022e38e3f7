import { createRequire } from 'node:module';
import * as path from 'node:path';
import sharp from 'sharp';
import { formatMoney, localeFor } from '@ataa/notifications';
import { fill } from './page-messages.js';
import { progressPercent, type ShareCardFigures } from './campaign-share.js';
import { SHARE_MESSAGES } from './share-messages.js';

export const CARD_WIDTH = 1200;
export const CARD_HEIGHT = 630;
/** Part of the card's cache key: a change of layout here makes every cached card stale. */
export const CARD_RENDERER_VERSION = 'card-v1';

const MARGIN = 72;
const TEXT_WIDTH = CARD_WIDTH - 2 * MARGIN;
const ACCENT = '#0b5d3b';

/**
 * The fonts drawn with, from the @fontsource packages (WOFF, which FreeType reads): Noto Sans for
 * Latin text and Noto Naskh Arabic for Arabic. Each file is registered with fontconfig once per
 * process (libvips keeps a file it was given), so the text below can name both families and Pango
 * falls back from one to the other per character, whatever fonts the machine has.
 */
function fontFiles(): string[] {
  const require = createRequire(import.meta.url);
  const dir = (pkg: string) => path.join(path.dirname(require.resolve(`${pkg}/package.json`)), 'files');
  const sans = dir('@fontsource/noto-sans');
  const naskh = dir('@fontsource/noto-naskh-arabic');
  return [
    ...['400', '700'].flatMap((w) => [`${sans}/noto-sans-latin-${w}-normal.woff`, `${sans}/noto-sans-latin-ext-${w}-normal.woff`]),
    ...['400', '700'].map((w) => `${naskh}/noto-naskh-arabic-arabic-${w}-normal.woff`),
  ];
}

let fontsReady: Promise<void> | null = null;

function loadFonts(): Promise<void> {
  fontsReady ??= (async () => {
    for (const fontfile of fontFiles()) await sharp({ text: { text: '.', fontfile } }).png().toBuffer();
  })();
  return fontsReady;
}

/** Text for Pango markup: the campaign's own words can never become markup. */
export function escapeMarkup(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const escapeXml = escapeMarkup;

/** A bidi isolate (FSI … PDI): an amount keeps its own direction inside the sentence. */
const isolate = (text: string) => `\u2068${text}\u2069`;
const percentFormats = new Map<string, Intl.NumberFormat>();
function percentFormat(locale: string): Intl.NumberFormat {
  let format = percentFormats.get(locale);
  if (!format) percentFormats.set(locale, (format = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 0 })));
  return format;
}

/** Families in the order Pango tries them: the campaign's script first. */
const families = (language: 'en' | 'ar') => (language === 'ar' ? 'Noto Naskh Arabic, Noto Sans' : 'Noto Sans, Noto Naskh Arabic');

interface TextLayer {
  input: Buffer;
  width: number;
  height: number;
}

/**
 * One block of text as an RGBA image, at most `maxHeight` tall: drawn at `size` points, and when the
 * wrapped text is taller, fitted into the box by libvips (smaller type) instead.
 */
async function textLayer(markup: string, options: { language: 'en' | 'ar'; weight: 'Bold' | ''; size: number; maxHeight: number; color: string }): Promise<TextLayer> {
  const text = `<span foreground="${options.color}">${markup}</span>`;
  const font = `${families(options.language)} ${options.weight} ${options.size}`.replace(/\s+/g, ' ');
  // 'left' is the paragraph's start: Pango flips it for a right-to-left paragraph (its lines then end on the right).
  const align = 'left';
  let { data, info } = await sharp({ text: { text, font, width: TEXT_WIDTH, rgba: true, align, dpi: 72, wrap: 'word-char' } }).png().toBuffer({ resolveWithObject: true });
  if (info.height > options.maxHeight) {
    ({ data, info } = await sharp({ text: { text, font, width: TEXT_WIDTH, height: options.maxHeight, rgba: true, align, wrap: 'word-char' } }).png().toBuffer({ resolveWithObject: true }));
  }
  return { input: data, width: info.width, height: info.height };
}

/**
 * The campaign's Open Graph card: 1200×630 PNG with its title (in its language: Pango shapes Arabic
 * and lays it out right to left, aligned to the right), a progress bar (filled from the right in
 * Arabic), the amount raised of the goal and the organization. No photo: the card is the same for
 * every campaign and shows what a link preview needs.
 */
export async function renderShareCard(figures: ShareCardFigures): Promise<Buffer> {
  await loadFonts();
  const t = SHARE_MESSAGES[figures.language];
  const locale = localeFor(figures.language);
  const rtl = figures.language === 'ar';
  const money = (amount: bigint) => formatMoney(amount, figures.currency, locale);
  const percent = progressPercent(figures.raised, figures.goal);
  const barY = 420;
  const barHeight = 28;
  const filled = Math.round((TEXT_WIDTH * percent) / 100);
  const fillX = rtl ? MARGIN + TEXT_WIDTH - filled : MARGIN;
  const background = Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${CARD_WIDTH}" height="${CARD_HEIGHT}">
    <rect width="100%" height="100%" fill="#ffffff"/>
    <rect width="100%" height="16" fill="${ACCENT}"/>
    <rect x="${MARGIN}" y="${barY}" width="${TEXT_WIDTH}" height="${barHeight}" rx="14" fill="#e3e3e3"/>
    ${filled > 0 ? `<rect x="${fillX}" y="${barY}" width="${filled}" height="${barHeight}" rx="14" fill="${ACCENT}"/>` : ''}
    <rect y="${CARD_HEIGHT - 72}" width="100%" height="72" fill="#f2f7f4"/>
  </svg>`);
  const [title, amounts, organization, brand] = await Promise.all([
    textLayer(escapeMarkup(figures.title), { language: figures.language, weight: 'Bold', size: 60, maxHeight: 250, color: '#1a1a1a' }),
    textLayer(escapeMarkup(fill(t.cardRaised, { raised: isolate(money(figures.raised)), goal: isolate(money(figures.goal)), percent: isolate(percentFormat(locale).format(percent / 100)) })), { language: figures.language, weight: 'Bold', size: 38, maxHeight: 60, color: ACCENT }),
    textLayer(escapeMarkup(fill(t.cardBy, { organization: figures.organization })), { language: figures.language, weight: '', size: 30, maxHeight: 48, color: '#333333' }),
    textLayer('Ataa', { language: 'en', weight: 'Bold', size: 30, maxHeight: 48, color: ACCENT }),
  ]);
  // Right-aligned in Arabic: a layer is as wide as its longest line.
  const x = (layer: TextLayer) => (rtl ? MARGIN + TEXT_WIDTH - layer.width : MARGIN);
  const png = await sharp(background)
    .composite([
      { input: title.input, left: x(title), top: 64 + Math.max(0, Math.floor((250 - title.height) / 2)) },
      { input: amounts.input, left: x(amounts), top: barY - 24 - amounts.height },
      { input: organization.input, left: x(organization), top: CARD_HEIGHT - 36 - Math.ceil(organization.height / 2) },
      { input: brand.input, left: rtl ? MARGIN : MARGIN + TEXT_WIDTH - brand.width, top: CARD_HEIGHT - 36 - Math.ceil(brand.height / 2) },
    ])
    .png({ compressionLevel: 9, palette: false })
    .toBuffer();
  return png;
}

export { escapeXml };
