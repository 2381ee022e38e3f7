import type { StatementView } from '../domain/statement-view.js';
import { PdfTextLayout, renderPdfDocument } from './receipt-pdf.js';

/**
 * Draws a donor's statement PDF with the receipts' stack (pdfkit, the Noto fonts, the bidirectional
 * line layout), in English or Arabic (right to left). CPU-bound like a receipt: the API renders it
 * through ReceiptPdfPool's threads.
 */
export class StatementPdfRenderer {
  render(view: StatementView, options: { creationDate?: Date } = {}): Promise<Buffer> {
    return renderPdfDocument({
      info: { Title: view.title, Subject: view.subject, Author: 'Ataa' },
      language: view.language,
      creationDate: options.creationDate,
    }, (doc) => new StatementLayout(doc, view.dir).draw(view));
  }
}

class StatementLayout extends PdfTextLayout {
  draw(view: StatementView): void {
    this.paragraph(view.title, 20, true);
    this.gap(6);
    this.paragraph(view.intro, 10);
    this.gap(6);
    this.field(view.periodLabel, view.period, true);
    this.field(view.emailLabel, view.email);
    this.paragraph(view.generated, 9, false, '#57534e');
    this.gap(10);
    this.paragraph(view.totalsTitle, 14, true);
    if (view.totals.length === 0) this.paragraph(view.noGifts, 11);
    for (const total of view.totals) this.paragraph(total.line, 11, true);
    this.gap(10);
    this.paragraph(view.giftsTitle, 14, true);
    if (view.gifts.length === 0) this.paragraph(view.noGifts, 11);
    for (const gift of view.gifts) {
      this.gap(6);
      this.paragraph(gift.heading, 11, true);
      for (const line of gift.lines) {
        this.paragraph(line.label, 8, false, '#57534e');
        this.paragraph(line.value, line.ltr ? 8 : 10, false, '#1c1917', line.ltr ? 'ltr' : undefined);
      }
    }
    this.gap(12);
    for (const note of view.notes) this.paragraph(note, 8, false, '#57534e');
  }
}
