import { buildReceiptView } from '../domain/receipt-view.js';
import type { ReceiptData } from '../receipts/receipt-data-source.js';
import { ReceiptPdfRenderer } from './receipt-pdf.js';
import { ReceiptRenderer } from './receipt-renderer.js';

const base: ReceiptData = {
  donationId: 'don_1',
  organization: { id: '00000000-0000-4000-8000-000000000001', name: 'Helping Hands' },
  campaign: { id: 'c1', title: 'Clean water', language: 'en' },
  donor: { name: 'Layla Haddad', email: 'layla@example.org', locale: null },
  amount: 123450n,
  currency: 'usd',
  coveredFees: 380n,
  occurredAt: new Date('2026-03-14T10:30:00Z'),
  anonymous: false,
  publicMessage: null,
  verification: null,
};

describe('ReceiptRenderer', () => {
  const renderer = new ReceiptRenderer();

  it('escapes HTML in every user-provided field of the HTML body, and leaves the text body literal', () => {
    const hostile = '<img src=x onerror=alert(1)>&"\'';
    const { html, text, subject } = renderer.render(buildReceiptView('donation_receipt', {
      ...base,
      donor: { ...base.donor, name: hostile },
      organization: { ...base.organization, name: `Org ${hostile}\r\nBcc: evil@example.org` },
      campaign: { ...base.campaign, title: `<script>alert(1)</script>` },
      publicMessage: `<b>bold</b>`,
    }, 'R-2026-000001'));
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<b>bold');
    expect(html).toContain('&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;&amp;&quot;&#x27;');
    expect(text).toContain('<img src=x onerror=alert(1)>&"\'');
    // Header values are one line: no injected header.
    expect(subject).not.toMatch(/[\r\n]/);
  });

  it('renders Arabic receipts right to left with Arabic wording and isolates user text', () => {
    const { html, text, subject } = renderer.render(buildReceiptView('donation_receipt', {
      ...base,
      campaign: { ...base.campaign, title: 'مياه نظيفة', language: 'ar' },
      donor: { ...base.donor, name: 'ليلى (Layla)' },
    }, 'R-2026-000002'));
    expect(html).toContain('<html lang="ar" dir="rtl">');
    expect(html).toContain('<bdi>ليلى (Layla)</bdi>');
    expect(html).toContain('رقم الإيصال');
    expect(subject).toContain('إيصال تبرعك R-2026-000002');
    expect(text).toContain('\u2068ليلى (Layla)\u2069');
  });

  it('keeps very long text intact', () => {
    const message = 'x'.repeat(5000) + ' نهاية';
    const { html, text } = renderer.render(buildReceiptView('donation_receipt', { ...base, publicMessage: message }, 'R-2026-000003'));
    expect(html).toContain(message);
    expect(text).toContain(message);
  });

  it('marks copies, shows refunds with the original receipt number, and shows verification data', () => {
    const copy = renderer.render(buildReceiptView('receipt_copy', base, 'R-2026-000004'));
    expect(copy.subject).toBe('Copy of your donation receipt R-2026-000004 from Helping Hands');
    expect(copy.html).toContain('data-copy="true"');
    const refund = renderer.render(buildReceiptView('refund_notice', {
      ...base,
      refund: { refundId: 're_1', amount: 50000n, full: false, occurredAt: new Date('2026-03-20T00:00:00Z') },
    }, 'R-2026-000004'));
    expect(refund.subject).toBe('Refund of your donation to Helping Hands');
    expect(refund.text).toContain('Amount refunded: \u2068$500.00\u2069');
    expect(refund.text).toContain('Part of the amount was refunded.');
    expect(refund.text).toContain('Original receipt: \u2068R-2026-000004\u2069');
    const verified = renderer.render(buildReceiptView('donation_receipt', {
      ...base,
      verification: { leafIndex: 7, leafHash: 'ab'.repeat(32), commitmentSalt: 'cd'.repeat(16), checkpoint: 'ataa.local/c1\n8\nroot=\n' },
    }, 'R-2026-000005'));
    expect(verified.text).toContain(`Ledger entry index: 7`);
    expect(verified.text).toContain(`Entry hash: ${'ab'.repeat(32)}`);
    expect(verified.html).toContain('cd'.repeat(16));
    expect(verified.html).toContain('ataa.local/c1\n8\nroot&#x3D;');
    expect(verified.html).not.toContain('data-field="receipt-proof"');
    const ledgerUrl = 'https://give.example/c/clean-water/ledger#leaf=7&size=8&hash=ab';
    const proven = renderer.render(buildReceiptView('receipt_copy', {
      ...base,
      verification: { leafIndex: 7, leafHash: 'ab'.repeat(32), commitmentSalt: null, checkpoint: 'ataa.local/c1\n8\nroot=\n', proof: { format: 'ataa-receipt-proof', version: 1, ledgerUrl } },
    }, 'R-2026-000005'));
    expect(proven.text).toContain('npm run verify -- --receipt ataa-receipt-R-2026-000005-copy.json');
    expect(proven.text).toContain(`Public ledger: ${ledgerUrl}`);
    expect(proven.html).toContain('data-field="receipt-proof"');
    expect(proven.html).toContain('href="https://give.example/c/clean-water/ledger#leaf&#x3D;7&amp;size&#x3D;8&amp;hash&#x3D;ab"');
  });

  it('fails loudly (strict mode) when the view lacks a field the template uses', () => {
    const view = buildReceiptView('donation_receipt', base, 'R-2026-000006') as unknown as Record<string, unknown>;
    delete view.amount;
    expect(() => renderer.render(view as never)).toThrow(/"amount" not defined/);
  });
});

describe('ReceiptPdfRenderer', () => {
  it('produces a valid PDF that names the receipt number, in both languages', async () => {
    const pdf = new ReceiptPdfRenderer();
    for (const language of ['en', 'ar'] as const) {
      const bytes = await pdf.render(buildReceiptView('donation_receipt', {
        ...base,
        campaign: { ...base.campaign, title: 'مياه نظيفة Clean water', language },
        publicMessage: 'word '.repeat(400),
      }, 'R-2026-000042'));
      expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
      expect(bytes.subarray(-6).toString()).toContain('%%EOF');
      expect(bytes.toString('latin1')).toContain('R-2026-000042');
    }
  });
});
