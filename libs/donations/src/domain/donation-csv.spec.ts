import { DONATION_CSV_COLUMNS, donationCsvHeader, donationCsvLine, type DonationCsvRow } from './donation-csv.js';

describe('donations CSV', () => {
  const row: DonationCsvRow = {
    id: 'd1', createdAt: new Date('2026-03-01T10:00:00Z'), settledAt: null, campaignId: 'c1', campaignTitle: 'Water, for all', status: 'succeeded', currency: 'kwd',
    amount: 12500n, chosenAmount: 12000n, coveredFees: 500n, processingFee: null, platformFee: 250n, refundedAmount: 0n, disputedAmount: 0n,
    donorName: '=HYPERLINK("http://evil")', donorEmail: '@mail', anonymous: true, publicMessage: 'line\nbreak', publicLeafIndex: '7',
  };

  it('writes one line per gift: minor units, ISO times, formula-guarded and quoted text, empty cells for what is unknown', () => {
    expect(donationCsvHeader().trim().split(',')).toEqual([...DONATION_CSV_COLUMNS]);
    expect(donationCsvLine(row)).toBe(
      'd1,2026-03-01T10:00:00.000Z,,c1,"Water, for all",succeeded,kwd,12500,12000,500,,250,0,0,"\'=HYPERLINK(""http://evil"")",\'@mail,yes,"line\nbreak",7\n',
    );
    expect(donationCsvLine({ ...row, donorName: null, donorEmail: null, publicMessage: null, anonymous: false, publicLeafIndex: null })).toMatch(/,,,no,,\n$/);
  });
});
