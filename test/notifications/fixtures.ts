import type { ReceiptData } from '@ataa/notifications';

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
