import Handlebars from 'handlebars';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { InvitationView } from '../domain/invitation-view.js';
import { TEMPLATES_DIR, type RenderedMessage } from './receipt-renderer.js';

const FSI = '\u2068';
const PDI = '\u2069';

/**
 * Renders invitation e-mails like receipts: an own Handlebars instance in strict mode; the HTML
 * body escapes every value, the text body isolates user text (FSI/PDI) so right-to-left names
 * cannot reorder the line. The accept link stays bare in the text body so mail clients link it.
 */
export class InvitationRenderer {
  private readonly hbs = Handlebars.create();
  private readonly html: Handlebars.TemplateDelegate<InvitationView>;
  private readonly text: Handlebars.TemplateDelegate<InvitationView>;

  constructor(templatesDir: string = TEMPLATES_DIR) {
    this.hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
    this.hbs.registerHelper('cellStyle', (dir: string) =>
      `padding:6px 8px;border-bottom:1px solid #e7e5e4;vertical-align:top;text-align:${dir === 'rtl' ? 'right' : 'left'};`);
    this.hbs.registerHelper('isolate', (value: unknown) => (value === null || value === undefined ? '' : `${FSI}${String(value)}${PDI}`));
    const read = (name: string) => readFileSync(path.join(templatesDir, name), 'utf8');
    this.html = this.hbs.compile<InvitationView>(read('invitation.html.hbs'), { strict: true });
    this.text = this.hbs.compile<InvitationView>(read('invitation.text.hbs'), { strict: true, noEscape: true });
  }

  render(view: InvitationView): RenderedMessage {
    return { subject: view.subject, html: this.html(view), text: this.text(view).replace(/\n{3,}/g, '\n\n') };
  }
}
