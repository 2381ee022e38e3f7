/** The outgoing-mail port. The SMTP adapter implements it; tests may wrap it to inject faults. */
export const MAILER = Symbol.for('ataa.notifications.Mailer');

export interface OutgoingMail {
  from: string;
  to: string;
  subject: string;
  html: string;
  text: string;
  /** Stable per receipt: a retried send carries the same Message-ID, so mail systems can dedupe. */
  messageId: string;
  headers?: Record<string, string>;
  attachments?: { filename: string; content: Buffer; contentType: string }[];
}

export interface Mailer {
  /** Resolves once the server accepted the message; rejects with the SMTP error otherwise. */
  send(mail: OutgoingMail): Promise<{ messageId: string; response: string }>;
  close?(): void;
}
