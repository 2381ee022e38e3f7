import type { ServedEntry } from '@ataa/transparency';
import { PublicLedgerPresenter } from './public-ledger.presenter.js';

const entry = (overrides: Partial<ServedEntry> = {}): ServedEntry => ({
  v: 1, campaign: 'c1', index: 7, time: '2026-01-01T00:00:00.000Z', kind: 'donation', amount: '2500', currency: 'usd', donor: 'Amal', donorCommitment: null,
  message: null, purpose: null, balance: '9000', redacted: null, leafHash: 'ab'.repeat(32), ...overrides,
});

/** Splits one CSV line (RFC 4180 quoting) into its cells. */
function cells(line: string): string[] {
  const out: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(cell);
      cell = '';
    } else cell += c;
  }
  out.push(cell);
  return out;
}

describe('PublicLedgerPresenter.csvLine: spreadsheet formula injection', () => {
  const MESSAGE = 8;
  const DONOR = 6;
  const PURPOSE = 9;

  it.each([
    ['=HYPERLINK("http://x")', `"'=HYPERLINK(""http://x"")"`],
    ['+1+2', `'+1+2`],
    ['-2+3', `'-2+3`],
    ['@SUM(A1)', `'@SUM(A1)`],
    ['\t=1', `'\t=1`],
    ['\r=1', `"'\r=1"`],
  ])('prefixes a message starting with a formula character: %j', (message, written) => {
    const line = PublicLedgerPresenter.csvLine(entry({ message }));
    expect(line.endsWith('\n')).toBe(true);
    expect(line).toContain(`,${written},`);
    // Read back by a CSV parser, the cell is the text with a leading quote: a spreadsheet shows it as text.
    expect(cells(line.slice(0, -1))[MESSAGE]).toBe(`'${message}`);
  });

  it('guards the donor name and the payout purpose too', () => {
    const line = PublicLedgerPresenter.csvLine(entry({ donor: '=cmd|"/c calc"!A0', purpose: '@evil' }));
    const parsed = cells(line.slice(0, -1));
    expect(parsed[DONOR]).toBe(`'=cmd|"/c calc"!A0`);
    expect(parsed[PURPOSE]).toBe(`'@evil`);
  });

  it('leaves ordinary text, quoting only what CSV needs, and never touches the numeric columns', () => {
    const line = PublicLedgerPresenter.csvLine(entry({ kind: 'refund', amount: '-2500', message: 'Stay warm, friends "all"', donor: 'ليلى' }));
    const parsed = cells(line.slice(0, -1));
    expect(parsed).toHaveLength(19); // terms (12) is empty for a money entry; then v and the format-3 columns
    expect(parsed[12]).toBe('');
    expect(parsed.slice(13)).toEqual(['1', '', '', '', '', '']);
    expect(parsed[3]).toBe('-2500');
    expect(parsed[4]).toBe('-25.00');
    expect(parsed[DONOR]).toBe('ليلى');
    expect(parsed[MESSAGE]).toBe('Stay warm, friends "all"');
    expect(line).toContain(',"Stay warm, friends ""all""",');
    // A formula character later in the text is harmless and kept as is.
    expect(cells(PublicLedgerPresenter.csvLine(entry({ message: 'a=b+c' })).slice(0, -1))[MESSAGE]).toBe('a=b+c');
  });
});

describe('PublicLedgerPresenter.csvLine: format-3 columns', () => {
  it('writes the leaf format, the commitments and salts, and what was redacted after terms', () => {
    const header = PublicLedgerPresenter.csvHeader.trimEnd().split(',');
    const line = PublicLedgerPresenter.csvLine(entry({
      v: 3, donorHash: 'aa'.repeat(32), donorSalt: 'bb'.repeat(32), messageHash: 'cc'.repeat(32), message: null, messageSalt: null,
      redacted: { message: { reason: 'hidden', note: 'spam', at: '2026-02-01T00:00:00.000Z' } },
    }));
    const row = Object.fromEntries(cells(line.slice(0, -1)).map((cell, i) => [header[i], cell]));
    expect(row).toMatchObject({ v: '3', donor: 'Amal', donor_hash: 'aa'.repeat(32), donor_salt: 'bb'.repeat(32), message: '', message_hash: 'cc'.repeat(32), message_salt: '', redacted: 'message:hidden' });
    const both = PublicLedgerPresenter.csvLine(entry({ v: 1, donor: null, redacted: { message: { reason: 'hidden', note: null, at: 'x' }, donor: { reason: 'erased', note: null, at: 'x' } } }));
    expect(cells(both.slice(0, -1))[18]).toBe('donor:erased;message:hidden');
  });
});

describe('PublicLedgerPresenter.witnessView: the ledger page line on witnesses', () => {
  const presenter = new PublicLedgerPresenter({} as never);
  const witnesses = ['w1.example', 'w2.example'];

  it('no witness configured: signed by the platform alone', () => {
    expect(presenter.witnessView({ witnesses: [], size: 4, cosignedBy: [], latest: null }, 'en')).toEqual({
      text: 'No independent witness is configured: this log’s checkpoints are signed by the platform alone.', time: null, timeText: null,
    });
  });

  it('N of M witnesses with their names, latest at the newest cosignature of this size (en, ar)', () => {
    const status = {
      witnesses, size: 4,
      cosignedBy: [{ witness: 'w1.example', time: '2026-03-01T10:00:05.000Z' }, { witness: 'w2.example', time: '2026-03-01T10:02:00.000Z' }],
      latest: { witness: 'w2.example', time: '2026-03-01T10:02:00.000Z', size: 4 },
    };
    expect(presenter.witnessView(status, 'en')).toEqual({
      text: 'Checkpoint cosigned by 2 of 2 independent witnesses (w1.example, w2.example), latest at', time: '2026-03-01T10:02:00.000Z', timeText: '2026-03-01 10:02 UTC',
    });
    expect(presenter.witnessView({ ...status, cosignedBy: status.cosignedBy.slice(0, 1) }, 'ar').text).toBe('وقّع نقطة التحقق من الشهود المستقلين 1 من أصل 2 (w1.example، w2.example)، وآخر توقيع في');
    expect(presenter.witnessView({ witnesses: ['w1.example'], size: 4, cosignedBy: status.cosignedBy.slice(0, 1), latest: null }, 'en').text)
      .toBe('Checkpoint cosigned by 1 of 1 independent witness (w1.example), latest at');
  });

  it('this size not cosigned yet: says so, with the latest cosignature of an earlier size, or none', () => {
    const behind = presenter.witnessView({ witnesses, size: 6, cosignedBy: [], latest: { witness: 'w1.example', time: '2026-03-01T10:00:05.000Z', size: 4 } }, 'en');
    expect(behind).toEqual({
      text: 'This checkpoint is not cosigned yet by the 2 independent witnesses (w1.example, w2.example); the latest cosignature, of the log at 4 entries, was at',
      time: '2026-03-01T10:00:05.000Z', timeText: '2026-03-01 10:00 UTC',
    });
    expect(presenter.witnessView({ witnesses, size: 6, cosignedBy: [], latest: null }, 'en'))
      .toEqual({ text: 'This log is not cosigned yet by the 2 independent witnesses (w1.example, w2.example).', time: null, timeText: null });
  });
});
