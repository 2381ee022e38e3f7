import { csvText, donorCsv, type DonorSummary } from './donor-csv.js';

describe('donor CSV', () => {
  const base: DonorSummary = {
    email: 'layla@example.org', name: 'Layla', gifts: 2, totals: { usd: 10_547n, eur: 2000n },
    firstGiftAt: new Date('2030-01-01T10:00:00Z'), lastGiftAt: new Date('2030-02-01T10:00:00Z'), namedGifts: 1, latestShowsName: true, messages: 1,
  };

  it('one row per donor, a total column per currency present (minor units), sorted by currency', () => {
    const csv = donorCsv([base, { ...base, email: 'omar@example.org', name: null, gifts: 1, totals: { jpy: 3000n }, latestShowsName: false, namedGifts: 0, messages: 0 }]);
    expect(csv.split('\n')).toEqual([
      'email,name,gifts,total_eur_minor,total_jpy_minor,total_usd_minor,first_gift_at,last_gift_at,name_shown_publicly,named_gifts,public_messages',
      'layla@example.org,Layla,2,2000,0,10547,2030-01-01T10:00:00.000Z,2030-02-01T10:00:00.000Z,yes,1,1',
      'omar@example.org,,1,0,3000,0,2030-01-01T10:00:00.000Z,2030-02-01T10:00:00.000Z,no,0,0',
      '',
    ]);
  });

  it('guards text against spreadsheet formulas and quotes separators, like the ledger CSV', () => {
    expect(csvText('=HYPERLINK("http://evil")')).toBe('"\'=HYPERLINK(""http://evil"")"');
    for (const lead of ['+', '-', '@', '\t', '\r']) expect(csvText(`${lead}1`).replace(/^"/, '')).toMatch(/^'/);
    expect(csvText('Smith, Jane')).toBe('"Smith, Jane"');
    expect(csvText('a\nb')).toBe('"a\nb"');
    expect(csvText('ليلى')).toBe('ليلى');
    expect(csvText(null)).toBe('');
    const csv = donorCsv([{ ...base, name: '@SUM(A1:A9)', email: '=cmd@example.org' }]);
    expect(csv).toContain(`'=cmd@example.org,'@SUM(A1:A9),`);
  });

  it('an empty export is the header alone', () => {
    expect(donorCsv([])).toBe('email,name,gifts,first_gift_at,last_gift_at,name_shown_publicly,named_gifts,public_messages\n');
  });
});
