import nodemailer, { Transporter } from 'nodemailer';
import type { Mailer, OutgoingMail } from './mailer.port.js';

/**
 * SMTP adapter (nodemailer, pooled connections). Timeouts are bounded so a hung server turns into
 * a temporary failure that is retried, well inside the sending lease.
 */
export class SmtpMailer implements Mailer {
  private readonly transport: Transporter;

  constructor(smtpUrl: string) {
    const url = new URL(smtpUrl);
    this.transport = nodemailer.createTransport({
      host: url.hostname,
      port: Number(url.port || (url.protocol === 'smtps:' ? 465 : 587)),
      secure: url.protocol === 'smtps:',
      auth: url.username ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : undefined,
      pool: true,
      maxConnections: 5,
      connectionTimeout: 15_000,
      greetingTimeout: 15_000,
      socketTimeout: 30_000,
      // Local catchers offer no TLS certificate worth checking; real relays use smtps:// or STARTTLS.
      tls: { rejectUnauthorized: url.hostname !== '127.0.0.1' && url.hostname !== 'localhost' },
    });
  }

  async send(mail: OutgoingMail): Promise<{ messageId: string; response: string }> {
    const info = await this.transport.sendMail({
      from: mail.from,
      to: mail.to,
      subject: mail.subject,
      html: mail.html,
      text: mail.text,
      messageId: mail.messageId,
      headers: mail.headers,
      attachments: mail.attachments,
    });
    return { messageId: info.messageId ?? mail.messageId, response: String(info.response ?? "") };
  }

  close(): void {
    this.transport.close();
  }
}
