import { randomUUID } from 'node:crypto';
import http, { IncomingMessage, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/**
 * A local mail catcher for development and demos: an SMTP server that accepts every message and
 * keeps the latest ones in memory, and a small web page to read them (HTML shown sandboxed,
 * plain text, attachments downloadable). Nothing is ever relayed anywhere.
 */
export interface CaughtMail {
  id: string;
  receivedAt: Date;
  envelopeTo: string[];
  parsed: ParsedMail;
}

export interface MailCatcher {
  smtpPort: number;
  httpPort: number;
  messages: CaughtMail[];
  close(): Promise<void>;
}

const escapeHtml = (value: unknown) =>
  String(value ?? '').replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch] as string);

const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-src 'self'; img-src data:";
// Message HTML is untrusted: no scripts, no network, no same-origin access.
const MESSAGE_CSP = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data: cid:; font-src data:";

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:24px;color:#1c1917}table{border-collapse:collapse;width:100%}td,th{padding:6px 8px;border-bottom:1px solid #e7e5e4;text-align:start;vertical-align:top}a{color:#0f766e}iframe{width:100%;height:70vh;border:1px solid #d6d3d1}pre{white-space:pre-wrap}</style>
</head><body>${body}</body></html>`;
}

export async function startMailCatcher(options: { smtpPort: number; httpPort: number; host?: string; limit?: number }): Promise<MailCatcher> {
  const host = options.host ?? '127.0.0.1';
  const limit = options.limit ?? 500;
  const messages: CaughtMail[] = [];

  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    closeTimeout: 1000,
    size: 25 * 1024 * 1024,
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          messages.unshift({ id: randomUUID(), receivedAt: new Date(), envelopeTo: session.envelope.rcptTo.map((r) => r.address), parsed });
          messages.length = Math.min(messages.length, limit);
          callback();
        })
        .catch((error: Error) => callback(error));
    },
  });
  await new Promise<void>((resolve, reject) => {
    smtp.once('error', reject);
    smtp.listen(options.smtpPort, host, () => resolve());
  });
  smtp.on('error', () => undefined);

  const send = (res: ServerResponse, status: number, type: string, body: string | Buffer, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': type, 'x-content-type-options': 'nosniff', 'cache-control': 'no-store', ...headers });
    res.end(body);
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://catcher');
    if (req.method !== 'GET') return send(res, 405, 'text/plain', 'method not allowed');
    if (url.pathname === '/api/messages') {
      const list = messages.map((m) => ({
        id: m.id, receivedAt: m.receivedAt, to: m.envelopeTo, from: m.parsed.from?.text ?? null, subject: m.parsed.subject ?? null,
        messageId: m.parsed.messageId ?? null, text: m.parsed.text ?? null, attachments: m.parsed.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, size: a.size })),
      }));
      return send(res, 200, 'application/json', JSON.stringify(list));
    }
    if (url.pathname === '/') {
      const rows = messages.map((m) => `<tr><td>${escapeHtml(m.receivedAt.toISOString())}</td><td>${escapeHtml(m.envelopeTo.join(', '))}</td>
<td><a href="/messages/${m.id}">${escapeHtml(m.parsed.subject ?? '(no subject)')}</a></td><td>${m.parsed.attachments.length}</td></tr>`).join('');
      return send(res, 200, 'text/html; charset=utf-8', page('Mail catcher', `<h1>Mail catcher</h1><p>${messages.length} message(s), newest first. Nothing is delivered anywhere.</p>
<table><thead><tr><th>Received</th><th>To</th><th>Subject</th><th>Attachments</th></tr></thead><tbody>${rows}</tbody></table>`), { 'content-security-policy': PAGE_CSP });
    }
    const match = /^\/messages\/([0-9a-f-]{36})(?:\/(html|text|attachments\/(\d+)))?$/.exec(url.pathname);
    const mail = match ? messages.find((m) => m.id === match[1]) : undefined;
    if (!match || !mail) return send(res, 404, 'text/plain', 'not found');
    if (match[2] === 'html') return send(res, 200, 'text/html; charset=utf-8', typeof mail.parsed.html === 'string' ? mail.parsed.html : '', { 'content-security-policy': MESSAGE_CSP });
    if (match[2] === 'text') return send(res, 200, 'text/plain; charset=utf-8', mail.parsed.text ?? '');
    if (match[3] !== undefined) {
      const attachment = mail.parsed.attachments[Number(match[3])];
      if (!attachment) return send(res, 404, 'text/plain', 'not found');
      const filename = (attachment.filename ?? `attachment-${match[3]}`).replace(/[^\w.-]+/g, '_');
      return send(res, 200, attachment.contentType || 'application/octet-stream', attachment.content, { 'content-disposition': `attachment; filename="${filename}"` });
    }
    const attachments = mail.parsed.attachments
      .map((a, i) => `<li><a href="/messages/${mail.id}/attachments/${i}">${escapeHtml(a.filename ?? `attachment ${i}`)}</a> (${escapeHtml(a.contentType)}, ${a.size} bytes)</li>`).join('');
    return send(res, 200, 'text/html; charset=utf-8', page(mail.parsed.subject ?? 'message', `<p><a href="/">&larr; all messages</a></p>
<h1>${escapeHtml(mail.parsed.subject ?? '(no subject)')}</h1>
<table><tr><th>From</th><td>${escapeHtml(mail.parsed.from?.text)}</td></tr><tr><th>To</th><td>${escapeHtml(mail.envelopeTo.join(', '))}</td></tr>
<tr><th>Message-ID</th><td>${escapeHtml(mail.parsed.messageId)}</td></tr><tr><th>Date</th><td>${escapeHtml(mail.parsed.date?.toISOString())}</td></tr></table>
<h2>Attachments</h2><ul>${attachments || '<li>none</li>'}</ul>
<h2>HTML</h2><iframe sandbox src="/messages/${mail.id}/html" title="HTML body"></iframe>
<h2>Text</h2><pre>${escapeHtml(mail.parsed.text)}</pre>`), { 'content-security-policy': PAGE_CSP });
  };

  const web = http.createServer((req, res) => {
    try {
      handle(req, res);
    } catch {
      send(res, 500, 'text/plain', 'error');
    }
  });
  await new Promise<void>((resolve, reject) => {
    web.once('error', reject);
    web.listen(options.httpPort, host, () => resolve());
  });

  return {
    smtpPort: (smtp.server.address() as AddressInfo).port,
    httpPort: (web.address() as AddressInfo).port,
    messages,
    close: async () => {
      await new Promise<void>((resolve) => web.close(() => resolve()));
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
    },
  };
}
