import Handlebars from 'handlebars';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '@ataa/common';

export interface RenderedMessage {
  subject: string;
  html: string;
  text: string;
}

const FSI = '\u2068';
const PDI = '\u2069';

export const TEMPLATES_DIR = path.join(repoRoot(import.meta.dirname), 'libs', 'notifications', 'templates');

/**
 * One kind of e-mail from `<name>.html.hbs` and `<name>.text.hbs`, with its own Handlebars instance
 * (helpers registered here cannot leak into, or be overridden by, the public pages' instance) in
 * strict mode, so a misspelt field fails loudly instead of printing an empty amount. HTML escapes
 * every value; the text body does not escape (it is not HTML) but isolates user text with FSI/PDI so
 * right-to-left names cannot reorder the line.
 */
export class MailTemplateRenderer<View extends { subject: string }> {
  private readonly hbs = Handlebars.create();
  private readonly html: Handlebars.TemplateDelegate<View>;
  private readonly text: Handlebars.TemplateDelegate<View>;

  constructor(name: string, templatesDir: string = TEMPLATES_DIR) {
    this.hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
    this.hbs.registerHelper('cellStyle', (dir: string) =>
      `padding:6px 8px;border-bottom:1px solid #e7e5e4;vertical-align:top;text-align:${dir === 'rtl' ? 'right' : 'left'};`);
    this.hbs.registerHelper('isolate', (value: unknown) => (value === null || value === undefined ? '' : `${FSI}${String(value)}${PDI}`));
    const read = (file: string) => readFileSync(path.join(templatesDir, file), 'utf8');
    this.html = this.hbs.compile<View>(read(`${name}.html.hbs`), { strict: true });
    this.text = this.hbs.compile<View>(read(`${name}.text.hbs`), { strict: true, noEscape: true });
  }

  render(view: View): RenderedMessage {
    return { subject: view.subject, html: this.html(view), text: this.text(view).replace(/\n{3,}/g, '\n\n') };
  }
}
