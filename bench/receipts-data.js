// The receipts the benchmark renders and sends: a fixed mix of languages and currencies
// (two-, zero- and three-decimal), with covered fees and verification data, as settled gifts carry.
export const BENCH_ORG = '0000be4c-0000-4000-8000-000000000000';

const MIX = [
  { language: 'en', currency: 'usd', amount: 5000n, coveredFees: 175n, donor: 'Layla Haddad', title: 'Clean water for the village' },
  { language: 'ar', currency: 'eur', amount: 2500n, coveredFees: 0n, donor: 'ليلى حداد', title: 'مياه نظيفة للقرية' },
  { language: 'en', currency: 'jpy', amount: 3000n, coveredFees: 120n, donor: 'Sato Hana', title: 'School books' },
  { language: 'ar', currency: 'kwd', amount: 12340n, coveredFees: 340n, donor: null, title: 'كتب مدرسية 2026' },
];

const CHECKPOINT = 'ataa.local/campaign/0000be4c\n4242\nq0x5r3dKX0Yc2m0r1pQ3hE0Vb9Jx3o2tqQy0b7Q2Z8o=\n\n— ataa.local Az3grlgtzPICa5OS8npBqQfHbRyBBqXl1mTiR2LkzWbM3ESwlTCCzeB6pLgHJDoAvK1Ou2mX3J0pHpDPcbfEBRvnmQY=\n';

/** The settled gift behind outbox aggregate `bench-<n>`: what a ReceiptDataSource returns for it. */
export function benchReceiptData(aggregateId) {
  const n = Number(/^bench-(\d+)$/.exec(aggregateId)?.[1] ?? 0);
  const gift = MIX[n % MIX.length];
  return {
    donationId: aggregateId,
    organization: { id: BENCH_ORG, name: 'Helping Hands' },
    campaign: { id: 'bench-campaign', title: gift.title, language: gift.language },
    donor: { name: gift.donor, email: `donor-${n}@bench.example.org`, locale: null },
    amount: gift.amount,
    currency: gift.currency,
    coveredFees: gift.coveredFees,
    occurredAt: new Date('2026-06-01T12:00:00Z'),
    anonymous: gift.donor === null,
    publicMessage: n % 2 === 0 ? 'Thank you for the work you do — شكرًا لكم' : null,
    verification: { leafIndex: n, leafHash: 'ab'.repeat(32), commitmentSalt: gift.donor === null ? 'c0'.repeat(16) : null, checkpoint: CHECKPOINT },
  };
}

export function mixDescription() {
  return MIX.map((g) => `${g.language}/${g.currency}`).join(', ');
}
