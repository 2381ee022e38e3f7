import { buildReceiptView, type ReceiptData, type ReceiptView } from '@ataa/notifications';

/** A settled donation as the ReceiptDataSource returns it; tests override what they exercise. */
export function receiptData(overrides: Partial<ReceiptData> = {}): ReceiptData {
  return {
    donationId: 'don_1',
    organization: { id: '00000000-0000-4000-8000-000000000001', name: 'Helping Hands' },
    campaign: { id: 'c1', title: 'Clean water for Gaza', language: 'en' },
    donor: { name: 'Layla Haddad', email: 'layla@example.org', locale: null },
    amount: 123450n,
    currency: 'usd',
    coveredFees: 380n,
    occurredAt: new Date('2026-03-14T10:30:00Z'),
    anonymous: false,
    publicMessage: null,
    verification: null,
    ...overrides,
  };
}

export const ARABIC_NAME = 'ليلى حداد';
export const ARABIC_TITLE = 'مياه نظيفة لغزة 2026';

/**
 * Receipts that exercise every part of the PDF: both directions, every font (Arabic, Latin, Latin
 * Extended, characters no font has), the copy notice, the QR code, a refund, text over several
 * lines, and characters drawn with one glyph from several code points (a space and a no-break
 * space), in varying order from one receipt to the next.
 */
export function variedReceiptViews(): ReceiptView[] {
  const ledgerUrl = `https://give.example/c/clean-water/ledger#leaf=7&size=8&hash=${'ab'.repeat(32)}`;
  const verification = { leafIndex: 7, leafHash: 'ab'.repeat(32), commitmentSalt: null, checkpoint: 'ataa.local/campaigns/c1\n8\nroot=\n\n— ataa.local Az3grlgt=\n', proof: { format: 'ataa-receipt-proof', version: 1, ledgerUrl } };
  const arabic = { campaign: { id: 'c', title: ARABIC_TITLE, language: 'ar' as const }, currency: 'kwd', amount: 12340n, coveredFees: 0n };
  return [
    buildReceiptView('donation_receipt', receiptData(), 'R-2026-000001'),
    buildReceiptView('donation_receipt', receiptData({ ...arabic, donor: { name: ARABIC_NAME, email: 'l@example.org', locale: null }, publicMessage: 'شكرًا لكم\u00A0Thank you 100 مرة', verification }), 'R-2026-000002'),
    buildReceiptView('receipt_copy', receiptData({ donor: { name: 'Zoë\u00A0Łukasz Ğündoğdu', email: 'z@example.org', locale: null }, publicMessage: `${'Keep going! '.repeat(60)}😀 ✓ ₹ ﷼`, verification }), 'R-2026-000003'),
    buildReceiptView('refund_notice', receiptData({ ...arabic, anonymous: true, donor: { name: null, email: 'a@example.org', locale: null }, refund: { refundId: 're_1', amount: 2000n, full: false, occurredAt: new Date('2026-04-01T08:00:00Z') }, verification: { ...verification, commitmentSalt: 'c0'.repeat(16), proof: null } }), 'R-2026-000002'),
    buildReceiptView('donation_receipt', receiptData({ currency: 'jpy', amount: 3000n, coveredFees: 120n, donor: { name: 'Sato\u00A0Hana', email: 's@example.org', locale: null }, publicMessage: 'Thank you — شكرًا', verification }), 'R-2026-000004'),
  ];
}
