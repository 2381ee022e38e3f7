import Handlebars from 'handlebars';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '@ataa/common';
import type { ReceiptView } from '../domain/receipt-view.js';

export interface RenderedMessage {
  subject: string;
  html: string;
  text: string;
}

const FSI = '\u2068';
const PDI = '\u2069';

export const TEMPLATES_DIR = path.join(repoRoot(import.meta.dirname), 'libs', 'notifications', 'templates');

/**
 * Renders receipts with its own Handlebars instance (helpers registered here cannot leak into, or
 * be overridden by, the public pages' instance) in strict mode, so a misspelt field fails loudly
 * instead of printing an empty amount. HTML escapes every value; the text body does not escape
 * (it is not HTML) but isolates user text with FSI/PDI so right-to-left names cannot reorder the line.
 */
export class ReceiptRenderer {
  private readonly hbs = Handlebars.create();
  private readonly html: Handlebars.TemplateDelegate<ReceiptView>;
  private readonly text: Handlebars.TemplateDelegate<ReceiptView>;

  constructor(templatesDir: string = TEMPLATES_DIR) {
    this.hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
    this.hbs.registerHelper('cellStyle', (dir: string) =>
      `padding:6px 8px;border-bottom:1px solid #e7e5e4;vertical-align:top;text-align:${dir === 'rtl' ? 'right' : 'left'};`);
    this.hbs.registerHelper('isolate', (value: unknown) => (value === null || value === undefined ? '' : `${FSI}${String(value)}${PDI}`));
    const read = (name: string) => readFileSync(path.join(templatesDir, name), 'utf8');
    this.html = this.hbs.compile<ReceiptView>(read('receipt.html.hbs'), { strict: true });
    this.text = this.hbs.compile<ReceiptView>(read('receipt.text.hbs'), { strict: true, noEscape: true });
  }

  render(view: ReceiptView): RenderedMessage {
    return { subject: view.subject, html: this.html(view), text: this.text(view).replace(/\n{3,}/g, '\n\n') };
  }
}
