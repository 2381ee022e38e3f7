import type { InvitationView } from '../domain/invitation-view.js';
import { MailTemplateRenderer, TEMPLATES_DIR } from './mail-template-renderer.js';

/**
 * Invitation e-mails (`invitation.html.hbs`, `invitation.text.hbs`), rendered like receipts. The
 * accept link stays bare in the text body so mail clients link it.
 */
export class InvitationRenderer extends MailTemplateRenderer<InvitationView> {
  constructor(templatesDir: string = TEMPLATES_DIR) {
    super('invitation', templatesDir);
  }
}
