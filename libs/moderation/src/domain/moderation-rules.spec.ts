import { DomainError } from '@ataa/common';
import { checkHideReason, checkNote, checkReport, checkSuspensionReason, HIDE_REASONS, holdCause, REPORT_REASONS } from './moderation-rules.js';

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    return (error as DomainError).code;
  }
  return undefined;
};

describe('reports: a reason from the fixed list, a message named by its log index, optional text under the text policy', () => {
  it('accepts every listed reason for a message or the campaign', () => {
    for (const reason of REPORT_REASONS) {
      expect(checkReport({ target: 'message', entryIndex: '7', reason, details: '' })).toEqual({ target: 'message', entryIndex: 7, reason, details: null });
      expect(checkReport({ target: 'campaign', entryIndex: '7', reason, details: ' Looks fake \r\n twice ' })).toEqual({ target: 'campaign', entryIndex: null, reason, details: 'Looks fake \n twice' });
    }
  });

  it.each([
    [{ target: 'message', entryIndex: 1, reason: 'rude', details: null }, 'invalid_reason'],
    [{ target: 'message', entryIndex: 1, reason: undefined, details: null }, 'invalid_reason'],
    [{ target: 'message', entryIndex: 1, reason: 'toString', details: null }, 'invalid_reason'],
    [{ target: 'donor', entryIndex: 1, reason: 'spam', details: null }, 'invalid_report_target'],
    [{ target: 'message', entryIndex: '-1', reason: 'spam', details: null }, 'invalid_entry_index'],
    [{ target: 'message', entryIndex: '1.5', reason: 'spam', details: null }, 'invalid_entry_index'],
    [{ target: 'message', entryIndex: undefined, reason: 'spam', details: null }, 'invalid_entry_index'],
    [{ target: 'message', entryIndex: 2, reason: 'spam', details: `too long ${'x'.repeat(1000)}` }, 'invalid_text'],
    [{ target: 'message', entryIndex: 2, reason: 'spam', details: 'null\u0000byte' }, 'invalid_text'],
    [{ target: 'message', entryIndex: 2, reason: 'spam', details: ['array'] }, 'validation_failed'],
  ])('refuses %o with %s', (input, code) => {
    expect(codeOf(() => checkReport(input))).toBe(code);
  });
});

describe('hiding and suspending', () => {
  it('hides only for a listed reason; the note follows the text policy', () => {
    for (const reason of HIDE_REASONS) expect(checkHideReason(reason)).toBe(reason);
    expect(codeOf(() => checkHideReason('because'))).toBe('invalid_reason');
    expect(codeOf(() => checkHideReason(undefined))).toBe('invalid_reason');
    expect(checkNote(undefined)).toBeNull();
    expect(checkNote('  posted a phone number ')).toBe('posted a phone number');
    expect(codeOf(() => checkNote('y'.repeat(1001)))).toBe('invalid_text');
  });

  it('a suspension needs a public reason that is not blank', () => {
    expect(checkSuspensionReason(' Under investigation for misleading claims ')).toBe('Under investigation for misleading claims');
    expect(codeOf(() => checkSuspensionReason('   '))).toBe('invalid_text');
    expect(codeOf(() => checkSuspensionReason(undefined))).toBe('validation_failed');
  });
});

describe('the automatic filter holds messages with links or listed words', () => {
  const links = { holdLinks: true, words: [] };

  it.each([
    'see https://spam.example/now', 'HTTP://EXAMPLE.ORG', 'go to www.cheap-pills.net', 'visit cheap-pills.com today', 'cheap-pills.com/buy',
    'ftp://files.example', 'tinyurl.com/abc', 'شاهد example.org الآن',
  ])('holds a link: %s', (message) => {
    expect(holdCause(message, links)).toBe('link');
  });

  it.each(['For the well', 'Good luck, 3.5 km to go!', 'e.g. the school', 'Thanks Dr. Ahmad', 'Mr.Smith says hi', null, ''])('lets through %j', (message) => {
    expect(holdCause(message, links)).toBeNull();
  });

  it('holds nothing for links when that filter is off', () => {
    expect(holdCause('https://spam.example', { holdLinks: false, words: [] })).toBeNull();
  });

  it('matches listed words as whole words, whatever the case or Unicode form', () => {
    const rules = { holdLinks: false, words: ['casino', ' Scam ', 'قمار', ''] };
    expect(holdCause('Best CASINO bonus', rules)).toBe('word');
    expect(holdCause('this is a scam!', rules)).toBe('word');
    expect(holdCause('ｃａｓｉｎｏ night', rules)).toBe('word'); // full-width letters fold (NFKC)
    expect(holdCause('موقع قمار', rules)).toBe('word');
    expect(holdCause('scampi for dinner', rules)).toBeNull(); // not a whole word
    expect(holdCause('casinos', rules)).toBeNull();
    expect(holdCause('For the well', rules)).toBeNull();
  });
});
