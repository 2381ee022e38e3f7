import fc from 'fast-check';
import { plainToInstance } from 'class-transformer';
import { IsOptional, validateSync } from 'class-validator';
import {
  codePointLength, normalizeUserText, optionalUserText, requireUserText, sanitizeStoredText, TEXT_LIMITS, textProblem, truncateCodePoints,
} from './text-policy.js';
import { UserText } from './user-text.decorator.js';

class Form {
  @IsOptional() @UserText({ max: 5 }) name?: string;
  @IsOptional() @UserText({ max: 10, multiline: true }) message?: string;
  @IsOptional() @UserText({ min: 1, max: 5 }) title?: string;
}

const errorsOf = (plain: Record<string, unknown>) =>
  validateSync(plainToInstance(Form, plain)).map((e) => `${e.property}: ${Object.values(e.constraints ?? {}).join()}`);

describe('text policy: one rule for every free-text field', () => {
  it('counts code points: an emoji outside the BMP is one, not two UTF-16 units', () => {
    expect(codePointLength('😀'.repeat(60))).toBe(60);
    expect(textProblem('😀'.repeat(TEXT_LIMITS.donorName), { max: TEXT_LIMITS.donorName })).toBeNull();
    expect(textProblem('😀'.repeat(TEXT_LIMITS.donorName + 1), { max: TEXT_LIMITS.donorName })).toBe('too_long');
    expect(textProblem('a'.repeat(110), { max: TEXT_LIMITS.donorName })).toBeNull();
  });

  it('refuses NUL and other controls, lone surrogates; newlines and tabs only in multi-line text', () => {
    expect(textProblem('a\u0000b', { max: 10, multiline: true })).toBe('control_characters');
    expect(textProblem('a\u0085b', { max: 10 })).toBe('control_characters');
    expect(textProblem('a\u007fb', { max: 10 })).toBe('control_characters');
    expect(textProblem('a\nb', { max: 10 })).toBe('control_characters');
    expect(textProblem('a\u2028b', { max: 10 })).toBe('control_characters');
    expect(textProblem('a\nb\tc', { max: 10, multiline: true })).toBeNull();
    expect(textProblem('lone \ud800 surrogate', { max: 100 })).toBe('lone_surrogate');
    expect(textProblem('lone \udc00', { max: 100 })).toBe('lone_surrogate');
    expect(textProblem('\u202eevil', { max: 100 })).toBeNull(); // bidi controls are text; pages isolate them
  });

  it('normalizes to NFC, makes line breaks LF in multi-line text, and trims', () => {
    expect(normalizeUserText('  Cafe\u0301  ')).toBe('Café');
    expect(normalizeUserText('a\r\nb\rc\u2029d', true)).toBe('a\nb\nc\nd');
    expect(normalizeUserText('a\r\nb')).toBe('a\r\nb'); // kept, so single-line text refuses it
  });

  it('the decorator normalizes, then reports each field with its rule', () => {
    const form = plainToInstance(Form, { name: ' Cafe\u0301 ' });
    expect(form.name).toBe('Café');
    expect(errorsOf({ name: 'Café' })).toEqual([]);
    expect(errorsOf({ name: 'abcdef' })).toEqual(['name: name must be at most 5 characters']);
    expect(errorsOf({ name: 'a\u0000' })).toEqual(['name: name must not contain control characters']);
    expect(errorsOf({ message: 'a\nb' })).toEqual([]);
    expect(errorsOf({ message: 'x\ud800' })).toEqual(['message: message is not valid Unicode text (a lone surrogate)']);
    expect(errorsOf({ title: '   ' })).toEqual(['title: title must not be blank']);
    expect(errorsOf({ title: 42 })).toEqual(['title: title must be a string']);
  });

  it('the domain check throws invalid_text with the field; optional blank text becomes null', () => {
    expect(() => requireUserText('title', 'x\u0000', { max: 10 })).toThrow(expect.objectContaining({ code: 'invalid_text', status: 400, details: { field: 'title', problem: 'control_characters' } }));
    expect(optionalUserText('name', '   ', { max: 5 })).toBeNull();
    expect(optionalUserText('name', undefined, { max: 5 })).toBeNull();
    expect(optionalUserText('name', ' Ali ', { max: 5 })).toBe('Ali');
  });

  it('truncates by code points without splitting a surrogate pair', () => {
    expect(truncateCodePoints('😀😀😀', 2)).toBe('😀😀');
    expect(truncateCodePoints('abc', 5)).toBe('abc');
  });

  it('property: whatever the input, sanitized stored text satisfies the policy (so posting never fails on it)', () => {
    const nasty = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 400 }),
      fc.string({ unit: fc.constantFrom('\u0000', '\ud800', '\udc00', '\u202e', '😀', 'e\u0301', '\r', '\n', '\u2028', 'ا', ' '), maxLength: 400 }),
    );
    fc.assert(fc.property(nasty, fc.boolean(), (value, multiline) => {
      const max = 120;
      const cleaned = sanitizeStoredText(value, max, multiline);
      if (cleaned === null) return;
      expect(textProblem(cleaned, { max, multiline })).toBeNull();
      expect(cleaned).toBe(normalizeUserText(cleaned, multiline));
    }));
  });

  it('property: text that passes the policy survives JSON and UTF-8 unchanged (PostgreSQL and jsonb store it)', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (value) => {
      const text = normalizeUserText(value, true);
      if (textProblem(text, { max: 500, multiline: true }) !== null) return;
      expect(Buffer.from(text, 'utf8').toString('utf8')).toBe(text);
      expect(text.includes('\u0000')).toBe(false);
    }));
  });
});
