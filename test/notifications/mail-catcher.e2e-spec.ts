import { SmtpMailer } from '@ataa/notifications';
import { MailCatcher, startMailCatcher } from '../../apps/mail-catcher/src/mail-catcher.js';

describe('mail catcher (development SMTP server with a web page)', () => {
  let catcher: MailCatcher;
  let mailer: SmtpMailer;
  const get = (path: string) => fetch(`http://127.0.0.1:${catcher.httpPort}${path}`);

  beforeAll(async () => {
    catcher = await startMailCatcher({ smtpPort: 0, httpPort: 0 });
    mailer = new SmtpMailer(`smtp://127.0.0.1:${catcher.smtpPort}`);
  });
  afterAll(async () => {
    mailer?.close();
    await catcher?.close();
  });

  it('lists caught mails escaped, shows HTML sandboxed and serves attachments for download', async () => {
    await mailer.send({
      from: 'Ataa <receipts@ataa.local>', to: 'donor@example.org', subject: 'Receipt <script>alert(1)</script>',
      html: '<p>Hello <script>alert(2)</script></p>', text: 'Hello', messageId: '<m1@ataa.local>',
      attachments: [{ filename: 'receipt-R-2026-000001.pdf', content: Buffer.from('%PDF-1.7 test'), contentType: 'application/pdf' }],
    });
    const list = await get('/');
    const listHtml = await list.text();
    expect(list.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(listHtml).toContain('Receipt &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(listHtml).not.toContain('<script>');

    const [message] = await (await get('/api/messages')).json() as { id: string; to: string[]; messageId: string; attachments: unknown[] }[];
    expect(message).toMatchObject({ to: ['donor@example.org'], messageId: '<m1@ataa.local>' });
    const html = await get(`/messages/${message.id}/html`);
    expect(html.headers.get('content-security-policy')).toMatch(/^sandbox;/);
    expect(await html.text()).toContain('<p>Hello');
    const pdf = await get(`/messages/${message.id}/attachments/0`);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect(pdf.headers.get('content-disposition')).toBe('attachment; filename="receipt-R-2026-000001.pdf"');
    expect(Buffer.from(await pdf.arrayBuffer()).toString()).toBe('%PDF-1.7 test');
    expect((await get('/messages/00000000-0000-0000-0000-000000000000')).status).toBe(404);
  });
});
