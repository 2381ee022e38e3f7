import { AddressInfo, Socket } from 'node:net';
import type { ParsedMail } from 'mailparser';
import type { SMTPServerAddress } from 'smtp-server';
import { load } from './lazy.js';

export interface ReceivedMail {
  /** Envelope as the server saw it (RCPT TO), independent of the headers. */
  envelope: { from: string | null; to: string[] };
  parsed: ParsedMail;
  raw: Buffer;
}

export interface SmtpSink {
  port: number;
  /** smtp://127.0.0.1:<port>, for SMTP_URL. */
  url: string;
  messages: ReceivedMail[];
  /** Resolves once at least `count` messages arrived (rejects after `timeoutMs`). */
  waitForMessages(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  /** RCPT TO for this address answers 4xx (temporary) `times` times (Infinity: until cleared). */
  rejectTemporarily(address: string, times?: number): void;
  /** RCPT TO for this address answers 550 (permanent). */
  rejectPermanently(address: string): void;
  /**
   * The next `times` messages to this address are kept (they count as received) but the connection
   * is cut before the server's 250 reply: the sender cannot know the message arrived.
   */
  dropReplyAfterData(address: string, times?: number): void;
  /**
   * The next message to this address is kept (it counts as received), then `hook` runs before the
   * server answers 250: a test can stop the sender at the moment its message was taken.
   */
  beforeReplyAfterData(address: string, hook: (mail: ReceivedMail) => Promise<void>): void;
  /** Accept everything again. */
  clearRejections(): void;
  close(): Promise<void>;
}

function smtpError(message: string, responseCode: number): Error {
  return Object.assign(new Error(message), { responseCode });
}

/**
 * A real SMTP server on a free local port that keeps every message it accepts, parsed as MIME,
 * with switches to refuse given recipients temporarily (451) or permanently (550).
 */
export async function startSmtpSink(options: { port?: number } = {}): Promise<SmtpSink> {
  // Loaded by the files that start a sink only (see test-app.ts).
  const { simpleParser } = await load(() => import('mailparser'));
  const { SMTPServer } = await load(() => import('smtp-server'));
  const messages: ReceivedMail[] = [];
  const temporary = new Map<string, number>();
  const permanent = new Set<string>();
  const dropReply = new Map<string, number>();
  const beforeReply = new Map<string, (mail: ReceivedMail) => Promise<void>>();
  const waiters: (() => void)[] = [];
  const notify = () => waiters.splice(0).forEach((wake) => wake());

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    // Do not wait for pooled client connections when the test is over.
    closeTimeout: 500,
    size: 25 * 1024 * 1024,
    onRcptTo(address: SMTPServerAddress, _session, callback) {
      const to = address.address.toLowerCase();
      if (permanent.has(to)) return callback(smtpError(`5.1.1 <${to}>: Recipient address rejected: User unknown`, 550));
      const left = temporary.get(to) ?? 0;
      if (left > 0) {
        temporary.set(to, left - 1);
        return callback(smtpError(`4.2.1 <${to}>: Mailbox temporarily unavailable, try again later`, 451));
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        simpleParser(raw)
          .then(async (parsed) => {
            const mail: ReceivedMail = {
              envelope: {
                from: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
                to: session.envelope.rcptTo.map((r) => r.address),
              },
              parsed,
              raw,
            };
            messages.push(mail);
            notify();
            const held = session.envelope.rcptTo.map((r) => r.address.toLowerCase()).find((a) => beforeReply.has(a));
            if (held) {
              const hook = beforeReply.get(held)!;
              beforeReply.delete(held);
              await hook(mail);
            }
            const to = session.envelope.rcptTo.map((r) => r.address.toLowerCase()).find((a) => (dropReply.get(a) ?? 0) > 0);
            if (to) {
              dropReply.set(to, dropReply.get(to)! - 1);
              // Kept, but the sender never hears the 250: as if the link died right after DATA.
              sockets.get(session.remotePort)?.destroy();
              return;
            }
            callback();
          })
          .catch((error: Error) => callback(error));
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  server.on('error', () => undefined);
  // Client sockets by their port, so one connection can be cut (dropReplyAfterData).
  const sockets = new Map<number, Socket>();
  server.server.on('connection', (socket: Socket) => {
    const port = socket.remotePort as number;
    sockets.set(port, socket);
    socket.once('close', () => sockets.delete(port));
  });
  const port = (server.server.address() as AddressInfo).port;

  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    messages,
    async waitForMessages(count, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (messages.length < count) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`expected ${count} messages, got ${messages.length}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(left, 250));
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return messages.slice(0, count);
    },
    rejectTemporarily(address, times = Infinity) {
      temporary.set(address.toLowerCase(), times);
    },
    rejectPermanently(address) {
      permanent.add(address.toLowerCase());
    },
    dropReplyAfterData(address, times = 1) {
      dropReply.set(address.toLowerCase(), times);
    },
    beforeReplyAfterData(address, hook) {
      beforeReply.set(address.toLowerCase(), hook);
    },
    clearRejections() {
      temporary.clear();
      permanent.clear();
      dropReply.clear();
      beforeReply.clear();
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
