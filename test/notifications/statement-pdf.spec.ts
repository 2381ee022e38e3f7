import { buildStatementView, StatementPdfRenderer, type StatementData } from '@ataa/notifications';
import { inspectPdf } from './pdf-inspect.js';

const A4_WIDTH = 595.28;
const HASH = 'ab'.repeat(32);

function data(language: 'en' | 'ar', more: Partial<StatementData> = {}): StatementData {
  return {
    language,
    email: 'layla@example.org',
    period: { kind: 'calendar', start: new Date('2026-01-01T00:00:00Z'), lastDay: new Date('2026-12-31T00:00:00Z') },
    generatedAt: new Date('2026-12-05T10:00:00Z'),
    gifts: [
      {
        id: 'g1', givenAt: new Date('2026-03-10T12:00:00Z'), organizationName: 'Helping Hands', campaignTitle: 'Clean water',
        amount: 5000n, net: 5000n, currency: 'usd', status: 'succeeded', anonymous: false, receiptNumber: 'R-2026-000042',
        leafIndex: '7', leafHash: HASH, verifyUrl: 'https://give.example/c/clean-water/proof/inclusion?index=7',
      },
      {
        id: 'g2', givenAt: new Date('2026-04-01T12:00:00Z'), organizationName: 'Helping Hands', campaignTitle: 'سقيا الماء',
        amount: 2500n, net: 1500n, currency: 'eur', status: 'partially_refunded', anonymous: true, receiptNumber: null,
        leafIndex: null, leafHash: null, verifyUrl: null,
      },
    ],
    // usd: 50.00; eur: 25.00 given, 10.00 refunded, 15.00 net
    totals: [
      { currency: 'eur', gifts: 1, given: 2500n, returned: 1000n, net: 1500n },
      { currency: 'usd', gifts: 1, given: 5000n, returned: 0n, net: 5000n },
    ],
    ...more,
  };
}

describe('statement PDF (the receipts\' PDF stack)', () => {
  const renderer = new StatementPdfRenderer();

  it('shows the period, each gift with its leaf index, hash and verify link, and totals per currency on the page', async () => {
    const doc = inspectPdf(await renderer.render(buildStatementView(data('en'))));
    expect(doc.pages).toBeGreaterThanOrEqual(1);
    const page = doc.texts.join(' ');
    expect(page).toContain('Statement of gifts');
    expect(page).toContain('January 1, 2026');
    expect(page).toContain('December 31, 2026');
    expect(page).toContain('R-2026-000042');
    expect(page).toContain('Ledger leaf index');
    expect(page).toContain(HASH);
    expect(page).toContain('https://give.example/c/clean-water/proof/inclusion?index=7');
    expect(page).toContain('USD: 1 gift: given $50.00, returned $0.00, net $50.00');
    expect(page).toContain('EUR: 1 gift: given €25.00, returned €10.00, net €15.00');
    expect(page).toContain('Not yet in the public ledger');
    expect(page).not.toContain('\uFFFD');
    const title = doc.placed.find((p) => p.text.includes('Statement of gifts'));
    expect(title?.x).toBeCloseTo(50, 0);
  });

  it('lays an Arabic statement out right to left, Latin values kept left to right', async () => {
    const doc = inspectPdf(await renderer.render(buildStatementView(data('ar'))));
    const page = doc.texts.join(' ');
    expect(page).toMatch(/[\u0600-\u06FF]/);
    for (const letter of ['ك', 'ش', 'ف']) expect(page).toContain(letter);
    expect(page).toContain(HASH);
    expect(page).toContain('R-2026-000042');
    expect(page).not.toContain('\uFFFD');
    const firstLine = doc.placed.filter((p) => p.y === doc.placed[0].y);
    expect(Math.min(...firstLine.map((p) => p.x))).toBeGreaterThan(A4_WIDTH / 2);
  });

  it("shows each gift's designation and the payout entries that drew from it (en, ar); none for a gift without", async () => {
    const designated = (language: 'en' | 'ar') => data(language, {
      gifts: [{ ...data(language).gifts[0], designation: 'zakat', drawnInto: [{ index: '12', amount: 2000n }, { index: '15', amount: 500n }] }, data(language).gifts[1]],
    });
    const en = inspectPdf(await renderer.render(buildStatementView(designated('en')))).texts.join(' ');
    expect(en).toContain('Designation');
    expect(en).toContain('zakat');
    expect(en).toContain('Paid out in');
    expect(en).toContain('payout entry 12 ($20.00); payout entry 15 ($5.00)');
    const ar = inspectPdf(await renderer.render(buildStatementView(designated('ar')))).texts.join(' ');
    expect(ar).toContain('zakat');
    expect(ar).toContain('12');
    expect(ar).not.toContain('\uFFFD');
    const plain = inspectPdf(await renderer.render(buildStatementView(data('en')))).texts.join(' ');
    expect(plain).not.toContain('Designation');
    expect(plain).not.toContain('Paid out in');
  });

  it('says when a period has no gifts', async () => {
    const page = inspectPdf(await renderer.render(buildStatementView(data('en', { gifts: [], totals: [] })))).texts.join(' ');
    expect(page).toContain('No gifts in this period.');
  });
});
