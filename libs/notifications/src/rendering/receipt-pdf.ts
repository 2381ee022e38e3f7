import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';
import * as fontkit from 'fontkit';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Direction, mirror, paragraphDirection, visualRuns } from '../domain/bidi.js';
import type { ReceiptView } from '../domain/receipt-view.js';
import { woffToSfnt } from './woff.js';

// Resolved as packages (not from the repository root): this module is also loaded on its own in the
// rendering threads (receipt-pdf.thread.ts), which import nothing else of the platform.
const fontFile = (file: string) => createRequire(import.meta.url).resolve(file);

/** WOFF subsets (fontkit inside pdfkit reads WOFF): Naskh for Arabic, Noto Sans for Latin. */
const FONT_FILES = {
  arabic: '@fontsource/noto-naskh-arabic/files/noto-naskh-arabic-arabic-400-normal.woff',
  arabicBold: '@fontsource/noto-naskh-arabic/files/noto-naskh-arabic-arabic-700-normal.woff',
  latin: '@fontsource/noto-sans/files/noto-sans-latin-400-normal.woff',
  latinBold: '@fontsource/noto-sans/files/noto-sans-latin-700-normal.woff',
  latinExt: '@fontsource/noto-sans/files/noto-sans-latin-ext-400-normal.woff',
} as const;

const ARABIC_CHAR = /[\u0600-\u08FF\uFB50-\uFDFF\uFE70-\uFEFF\u200C-\u200E]/u;
const LATIN_CHAR = /[\u0000-\u024F\u2000-\u206F\u20A0-\u20CF\u2100-\u214F]/u;
const INVISIBLE = /[\u200E\u200F\u2066-\u2069\u202A-\u202E\u061C]/gu;

type Doc = PDFKit.PDFDocument;
type FontName = keyof typeof FONT_FILES;

/** A font parsed once (fontkit), its glyph cache emptied for each document (see `forNewDocument`). */
interface LoadedFont {
  sfnt: Buffer;
  font: fontkit.Font | null;
}

let fonts: Record<FontName, LoadedFont> | null = null;

/**
 * Reads the fonts and parses them, once per process or rendering thread (each thread has its own
 * module state): the files are unwrapped from WOFF with native zlib (see woff.ts) and parsed by
 * fontkit, whose tables (the GSUB/GPOS lookups that shape Arabic above all) are then decoded once
 * and kept, instead of for every receipt. Called at a rendering thread's start.
 */
export function loadReceiptFonts(): void {
  fonts ??= Object.fromEntries(Object.entries(FONT_FILES).map(([name, file]) => {
    const sfnt = woffToSfnt(readFileSync(fontFile(file)));
    const parsed = fontkit.create(sfnt);
    return [name, { sfnt, font: 'layout' in parsed ? parsed : null }];
  })) as Record<FontName, LoadedFont>;
}

/**
 * The font to register with a new document: the parsed font with its glyph cache emptied, so the
 * document starts from the same state as with a freshly parsed font and its bytes are the same.
 * (fontkit keeps one Glyph object per glyph id, created with the code points it was first reached
 * from; pdfkit writes those into the PDF's ToUnicode map. Kept across documents, a glyph reachable
 * from several code points would be mapped after whichever document used it first.) When fontkit
 * does not look as expected, the document gets the sfnt bytes to parse itself, as before.
 */
function forNewDocument(loaded: LoadedFont): fontkit.Font | Buffer {
  const font = loaded.font as (fontkit.Font & { _glyphs?: unknown }) | null;
  if (!font || typeof font._glyphs !== 'object' || font._glyphs === null) return loaded.sfnt;
  font._glyphs = {};
  return font;
}

/**
 * pdfkit opens its default font (Helvetica) when a document is created, which makes it font F1;
 * receipts never draw with it, so it is not in the file, but the fonts receipts use are F2 to F6
 * (the names appear in the file, and the subset tags derive from them). Created with `font: null`,
 * the document skips that work, and its font count starts at one as if the default font had been
 * opened, so the bytes are the same. Should pdfkit not look as expected, Helvetica is opened as
 * pdfkit does by default.
 */
function withoutDefaultFont(doc: Doc): void {
  const internals = doc as unknown as { _fontCount?: unknown };
  if (internals._fontCount === 0) internals._fontCount = 1;
  else doc.font('Helvetica');
}

export interface ReceiptPdfOptions {
  /** The document's creation date (its /CreationDate, from which the file /ID is derived); now by default. */
  creationDate?: Date;
}

const A4 = { width: 595.28, height: 841.89 };
const MARGIN = 50;

/**
 * Draws the PDF receipt. pdfkit shapes Arabic (joining forms, through fontkit) but lays lines out
 * left to right, so each line is split into bidirectional runs (domain/bidi) and font runs, and
 * placed from the right edge in right-to-left receipts.
 *
 * CPU-bound (several milliseconds a receipt): the worker renders through ReceiptPdfPool (worker
 * threads), never on its event loop. Rendering is synchronous up to `doc.end()`, so documents never
 * interleave on the shared fonts.
 */
export class ReceiptPdfRenderer {
  /**
   * `pdfkitDefaults`: render as pdfkit does by default, as receipts were rendered before the fonts
   * were kept: each document opens the default font and parses the font bytes itself (several times
   * slower; the reference the tests compare the output with, byte for byte).
   */
  constructor(private readonly options: { pdfkitDefaults?: boolean } = {}) {}

  render(view: ReceiptView, options: ReceiptPdfOptions = {}): Promise<Buffer> {
    return renderPdfDocument({
      info: {
        Title: view.receiptNumber ? `${view.title} ${view.receiptNumber}` : view.title,
        Subject: view.receiptNumber ?? view.kind,
        Author: view.organizationName,
      },
      language: view.language,
      pdfkitDefaults: this.options.pdfkitDefaults,
      creationDate: options.creationDate,
    }, (doc) => new Layout(doc, view.dir).draw(view));
  }
}

/**
 * Creates a document with the platform's fonts, lets `draw` lay it out (synchronously) and returns
 * its bytes: what receipts and donor statements share.
 */
export function renderPdfDocument(
  input: { info: { Title: string; Subject: string; Author: string }; language: string; pdfkitDefaults?: boolean; creationDate?: Date },
  draw: (doc: Doc) => void,
): Promise<Buffer> {
  loadReceiptFonts();
  const doc = new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    info: {
      ...input.info,
      Creator: 'Ataa',
      ...(input.creationDate ? { CreationDate: input.creationDate } : {}),
    },
    lang: input.language,
    // No default font: pdfkit would read and parse Helvetica's metrics for every document (a tenth
    // of the time a receipt takes), which receipts never draw with; see withoutDefaultFont.
    ...(input.pdfkitDefaults ? {} : { font: null }),
  } as unknown as PDFKit.PDFDocumentOptions);
  if (!input.pdfkitDefaults) withoutDefaultFont(doc);
  // pdfkit takes a parsed fontkit font as well as font bytes (its type declarations know only bytes).
  for (const [name, font] of Object.entries(fonts!)) doc.registerFont(name, input.pdfkitDefaults ? font.sfnt : (forNewDocument(font) as Buffer));
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  draw(doc);
  doc.end();
  return done;
}

interface Segment {
  text: string;
  font: FontName;
}

/**
 * Lines of text laid out down A4 pages, bidirectional and in the font that has each character's
 * glyphs, aligned to the document's direction; a QR code beside a column. Receipts (Layout) and
 * donor statements (statement-pdf.ts) draw with it.
 */
export class PdfTextLayout {
  protected y = MARGIN;
  /** The text column: the whole width, except beside the QR code. */
  protected left = MARGIN;
  protected width = A4.width - 2 * MARGIN;

  constructor(
    protected readonly doc: Doc,
    protected readonly dir: Direction,
  ) {}

  /**
   * A QR code of `text` drawn as vector squares (no image: the PDF stays small and its text
   * extractable), at the start side of the line, with the standard four-module quiet zone, and
   * `beside` drawn in the text column next to it.
   */
  protected besideQrCode(text: string, size: number, beside: () => void): void {
    const { modules } = QRCode.create(text, { errorCorrectionLevel: 'M' });
    const quiet = 4;
    const cell = size / (modules.size + 2 * quiet);
    if (this.y + size > A4.height - MARGIN) {
      this.doc.addPage();
      this.y = MARGIN;
    }
    const top = this.y;
    const left = this.dir === 'rtl' ? MARGIN + this.width - size : MARGIN;
    for (let row = 0; row < modules.size; row++) {
      // One rectangle per run of dark modules in a row.
      for (let col = 0; col < modules.size; col++) {
        if (!modules.get(row, col)) continue;
        let end = col;
        while (end + 1 < modules.size && modules.get(row, end + 1)) end++;
        this.doc.rect(left + (quiet + col) * cell, this.y + (quiet + row) * cell, (end - col + 1) * cell, cell);
        col = end;
      }
    }
    this.doc.fillColor('#000000').fill();
    // The text column beside the code (the quiet zone is the gutter).
    const column = { left: this.left, width: this.width };
    this.width = column.width - size;
    if (this.dir === 'ltr') this.left = column.left + size;
    this.y = top + quiet * cell;
    beside();
    this.left = column.left;
    this.width = column.width;
    this.y = Math.max(this.y, top + size);
  }

  protected gap(points: number): void {
    this.y += points;
  }

  /** A label and its value: label on one line, value (wrapped) under it. */
  protected field(label: string, value: string, bold = false): void {
    this.paragraph(label, 9, false, '#57534e');
    this.paragraph(value, 12, bold);
    this.gap(4);
  }

  protected paragraph(text: string, size: number, bold = false, color = '#1c1917', force?: Direction): void {
    const clean = text.replace(INVISIBLE, '').replace(/\r\n?/g, '\n');
    // Like <bdi>: each value takes the direction of its first strong letter; lines align with the document.
    const base = force ?? paragraphDirection(clean, this.dir);
    for (const hardLine of clean.split('\n')) {
      for (const line of this.wrap(hardLine, size, bold)) {
        if (this.y + size * 1.6 > A4.height - MARGIN) {
          this.doc.addPage();
          this.y = MARGIN;
        }
        this.drawLine(line, size, bold, color, base, force ?? this.dir);
        this.y += size * 1.6;
      }
    }
  }

  /** Greedy word wrap by measured width; a single word longer than a line is cut. */
  protected wrap(text: string, size: number, bold: boolean): string[] {
    const words = text.split(/(\s+)/);
    const lines: string[] = [];
    let current = '';
    for (const word of words) {
      const candidate = current + word;
      // The width of `current` once it is the candidate: measured once (measuring the same text
      // again on the same page gives the same width and changes nothing in the document).
      let width = this.measure(candidate, size, bold);
      if (width <= this.width || current === '') {
        current = candidate;
        while (width > this.width && current.length > 1) {
          let cut = current.length - 1;
          while (cut > 1 && this.measure(current.slice(0, cut), size, bold) > this.width) cut--;
          lines.push(current.slice(0, cut));
          current = current.slice(cut);
          width = this.measure(current, size, bold);
        }
      } else {
        lines.push(current.trimEnd());
        current = word.trimStart();
      }
    }
    if (current.trim() !== '' || lines.length === 0) lines.push(current.trimEnd());
    return lines;
  }

  protected measure(text: string, size: number, bold: boolean): number {
    let width = 0;
    for (const run of visualRuns(text, 'ltr')) {
      for (const segment of fontSegments(run.text, bold)) {
        width += this.doc.font(segment.font).fontSize(size).widthOfString(segment.text);
      }
    }
    return width;
  }

  protected drawLine(text: string, size: number, bold: boolean, color: string, base: Direction, align: Direction): void {
    const pieces: { segment: Segment; width: number }[] = [];
    for (const run of visualRuns(text, base)) {
      let segments = fontSegments(run.text, bold);
      if (run.direction === 'rtl') {
        // pdfkit shapes word by word and places words left to right; in a right-to-left run the
        // words (and font segments) are therefore placed in reverse, each shaped right to left.
        segments = segments.flatMap((segment) => mirror(segment.text).split(/(\s+)/).filter(Boolean).map((text) => ({ text, font: segment.font })));
        segments.reverse();
      }
      for (const segment of segments) {
        pieces.push({ segment, width: this.doc.font(segment.font).fontSize(size).widthOfString(segment.text) });
      }
    }
    const total = pieces.reduce((sum, p) => sum + p.width, 0);
    let x = align === 'rtl' ? this.left + this.width - total : this.left;
    this.doc.fillColor(color);
    for (const { segment, width } of pieces) {
      this.doc.font(segment.font).fontSize(size).text(segment.text, x, this.y, { lineBreak: false });
      x += width;
    }
  }
}

/** The receipt's layout. */
class Layout extends PdfTextLayout {
  draw(view: ReceiptView): void {
    const l = view.labels;
    if (view.isCopy) this.paragraph(l.copyNotice, 11, true, '#b45309');
    this.paragraph(view.title, 20, true);
    this.gap(6);
    if (view.receiptNumber) this.field(view.isRefund ? l.originalReceipt : l.receiptNumber, view.receiptNumber, true);
    this.field(l.organization, view.organizationName);
    this.field(l.campaign, view.campaignTitle);
    this.field(l.date, view.date);
    this.field(l.amount, view.amount, true);
    if (view.coveredFees) this.field(l.coveredFees, view.coveredFees);
    if (view.refund) this.field(l.refundAmount, view.refund.amount, true);
    this.field(l.donor, view.anonymous ? l.anonymous : view.donorName ?? '');
    if (view.publicMessage) this.field(l.yourMessage, view.publicMessage);
    this.gap(10);
    this.paragraph(view.isRefund ? `${l.refundIntro} ${view.refund?.full ? l.refundFull : l.refundPartial}` : l.thanks, 11);
    if (view.isReceipt) {
      this.gap(12);
      this.paragraph(l.verification, 14, true);
      if (view.verification) {
        this.paragraph(l.verificationIntro, 10);
        this.field(l.leafIndex, view.verification.leafIndex);
        this.field(l.leafHash, view.verification.leafHash);
        if (view.verification.commitmentSalt) this.field(l.commitmentSalt, view.verification.commitmentSalt);
        this.paragraph(l.checkpoint, 10, true);
        for (const line of view.verification.checkpoint.split('\n')) this.paragraph(line, 8, false, '#1c1917', 'ltr');
        if (view.verification.proof) {
          this.gap(8);
          this.besideQrCode(view.verification.proof.ledgerUrl, 104, () => {
            this.paragraph(view.verification?.proof?.note ?? '', 9, false, '#57534e');
            this.gap(2);
            this.paragraph(view.verification?.proof?.ledgerUrl ?? '', 7, false, '#1c1917', 'ltr');
          });
        }
      } else {
        this.paragraph(l.verificationPending, 10);
      }
    }
    this.gap(16);
    this.paragraph(view.footer, 9, false, '#57534e');
  }
}

/** Splits text by the font that has its glyphs (Arabic Naskh, Noto Sans Latin, Latin Extended). */
function fontSegments(text: string, bold: boolean): Segment[] {
  const segments: Segment[] = [];
  let previous: Segment['font'] | null = null;
  for (const ch of text) {
    let font: Segment['font'];
    if (ARABIC_CHAR.test(ch)) font = bold ? 'arabicBold' : 'arabic';
    else if (ch === ' ' && previous !== null) font = previous; // spaces keep the current run's font
    else if (LATIN_CHAR.test(ch)) font = bold ? 'latinBold' : 'latin';
    else font = 'latinExt';
    const last = segments[segments.length - 1];
    if (last && last.font === font) last.text += ch;
    else segments.push({ text: ch, font });
    previous = font;
  }
  return segments;
}
