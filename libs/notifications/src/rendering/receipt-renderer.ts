import type { ReceiptView } from '../domain/receipt-view.js';
import { MailTemplateRenderer, TEMPLATES_DIR } from './mail-template-renderer.js';

export { TEMPLATES_DIR, type RenderedMessage } from './mail-template-renderer.js';

/** Donation receipts (`receipt.html.hbs`, `receipt.text.hbs`). */
export class ReceiptRenderer extends MailTemplateRenderer<ReceiptView> {
  constructor(templatesDir: string = TEMPLATES_DIR) {
    super('receipt', templatesDir);
  }
}
