import type { DataExportView } from '../domain/data-export-view.js';
import { MailTemplateRenderer, TEMPLATES_DIR } from './mail-template-renderer.js';

/** The data-export link e-mail (`data-export.html.hbs`, `data-export.text.hbs`); the link stays bare in the text body. */
export class DataExportRenderer extends MailTemplateRenderer<DataExportView> {
  constructor(templatesDir: string = TEMPLATES_DIR) {
    super('data-export', templatesDir);
  }
}
