import { currencyExponent, displayDecimals, formatMajorUnits } from './currency.js';

/**
 * Reads an amount as a person types it in a form ("25", "25.50", "1,234.50", "1.234,50", "١٬٥٠٠")
 * into minor units, exactly. The rules, by the decimals people write in the currency:
 *
 * - Digits may be ASCII, Arabic-Indic (٠–٩) or Extended Arabic-Indic (۰–۹); U+066B (٫) is a decimal
 *   separator and U+066C (٬), spaces and no-break spaces group thousands.
 * - "." and "," are each either the decimal separator or a thousands separator. When both appear,
 *   the last one is the decimal separator. One that appears more than once groups thousands. Groups
 *   after the first are exactly three digits.
 * - 0 decimals (JPY, KRW, VND; ISK, UGX as written): a lone separator followed by three digits
 *   groups thousands ("1,500" and "50.000" are 1500 and 50000); anything else after a separator is a
 *   precision error.
 * - 2 decimals (USD, EUR): a lone separator followed by one or two digits is the decimal separator
 *   ("12,5" is 12.50); a lone "," followed by three digits groups thousands ("1,500" is 1500.00); a
 *   lone "." followed by three digits is refused as too precise ("12.345": a typo of 12.34 must not
 *   be charged as 12,345.00).
 * - 3 decimals (KWD, BHD, JOD, OMR, TND): "." is the decimal separator ("1.500" is 1.500), as these
 *   currencies are written; a lone "," followed by one or two digits is a decimal comma; a lone ","
 *   followed by three digits is ambiguous (1.500 or 1,500.000) and refused with both readings.
 */
export type TypedAmount =
  | { ok: true; minor: bigint }
  | { ok: false; problem: 'amount_not_integer' | 'amount_wrong_precision' }
  | { ok: false; problem: 'amount_ambiguous'; readings: [string, string] };

const MAX_DIGITS = 15;

function asciiDigits(text: string): string {
  return text
    .replace(/[\u0660-\u0669]/g, (d) => String(d.charCodeAt(0) - 0x0660))
    .replace(/[\u06f0-\u06f9]/g, (d) => String(d.charCodeAt(0) - 0x06f0))
    .replace(/\u066b/g, '\u0001') // Arabic decimal separator: unambiguous, marked for the split below
    .replace(/[\u066c\u0020\u00a0\u202f\u2009]/g, '');
}

function toMinor(whole: string, fraction: string, currency: string): TypedAmount {
  const exponent = currencyExponent(currency);
  if (whole.length === 0 && fraction.length === 0) return { ok: false, problem: 'amount_not_integer' };
  const digits = (whole || '0').replace(/^0+(?=\d)/, '');
  if (digits.length > MAX_DIGITS) return { ok: false, problem: 'amount_not_integer' };
  if (fraction.length > displayDecimals(currency)) return { ok: false, problem: 'amount_wrong_precision' };
  return { ok: true, minor: BigInt(digits) * 10n ** BigInt(exponent) + BigInt(fraction.padEnd(exponent, '0') || '0') };
}

function grouped(text: string, separator: string): string | null {
  const groups = text.split(separator);
  if (!/^\d{1,3}$/.test(groups[0]) || groups.slice(1).some((g) => !/^\d{3}$/.test(g))) return null;
  return groups.join('');
}

export function parseTypedAmount(input: string, currency: string): TypedAmount {
  const text = asciiDigits(input.trim());
  const notANumber: TypedAmount = { ok: false, problem: 'amount_not_integer' };
  if (!/^[\d.,\u0001]+$/.test(text) || !/\d/.test(text)) return notANumber;

  // The Arabic decimal separator: everything before it may use "." or "," to group.
  if (text.includes('\u0001')) {
    const [head, fraction, ...rest] = text.split('\u0001');
    if (rest.length > 0 || !/^\d*$/.test(fraction)) return notANumber;
    const whole = /^\d+$/.test(head) ? head : grouped(head, head.includes(',') ? ',' : '.');
    return whole === null ? notANumber : toMinor(whole, fraction, currency);
  }

  const lastDot = text.lastIndexOf('.');
  const lastComma = text.lastIndexOf(',');
  if (lastDot < 0 && lastComma < 0) return toMinor(text, '', currency);

  // Both separators: the last one is the decimal separator, the other groups thousands.
  if (lastDot >= 0 && lastComma >= 0) {
    const decimal = lastDot > lastComma ? '.' : ',';
    const group = decimal === '.' ? ',' : '.';
    const at = Math.max(lastDot, lastComma);
    const fraction = text.slice(at + 1);
    const whole = grouped(text.slice(0, at), group);
    if (whole === null || !/^\d+$/.test(fraction)) return notANumber;
    return toMinor(whole, fraction, currency);
  }

  const separator = lastDot >= 0 ? '.' : ',';
  const parts = text.split(separator);
  if (parts.length > 2) {
    const whole = grouped(text, separator);
    return whole === null ? notANumber : toMinor(whole, '', currency);
  }
  const [head, tail] = parts;
  if (!/^\d*$/.test(head) || !/^\d*$/.test(tail)) return notANumber;
  const decimals = displayDecimals(currency);
  const looksGrouped = tail.length === 3 && /^\d{1,3}$/.test(head);
  if (!looksGrouped) return toMinor(head, tail, currency);
  if (decimals === 0 || (decimals === 2 && separator === ',')) return toMinor(head + tail, '', currency);
  // "12.345" in a two-decimal currency is a precision error (a typo of 12.34 must not cost 1000x);
  // "1.500" in a three-decimal currency is 1.500.
  if (separator === '.') return toMinor(head, tail, currency);
  // "1,500" in a three-decimal currency: a thousandth of what the donor may have meant, or not.
  const asDecimal = toMinor(head, tail, currency);
  const asThousands = toMinor(head + tail, '', currency);
  if (!asDecimal.ok || !asThousands.ok) return notANumber;
  return { ok: false, problem: 'amount_ambiguous', readings: [formatMajorUnits(asDecimal.minor, currency), formatMajorUnits(asThousands.minor, currency)] };
}
