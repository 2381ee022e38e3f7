/**
 * A small bidirectional layout for single lines of the PDF receipt (pdfkit lays text out left to
 * right only). It follows the simple cases of the Unicode Bidirectional Algorithm (UAX #9) that
 * receipts need: strong right-to-left letters (Arabic, Hebrew), strong left-to-right letters,
 * European/Arabic digits (which stay left-to-right inside right-to-left text), and neutrals
 * (spaces, punctuation) that take the direction of their neighbours or of the paragraph.
 */
export type Direction = 'ltr' | 'rtl';

export interface BidiRun {
  text: string;
  direction: Direction;
}

type Kind = 'R' | 'L' | 'N' | 'D';

const RTL = /[\u0590-\u08FF\uFB1D-\uFDFF\uFE70-\uFEFF]/u;
const DIGIT = /[0-9\u0660-\u0669\u06F0-\u06F9]/u;
const LETTER = /[\p{L}\p{M}]/u;

function kindOf(ch: string): Kind {
  if (DIGIT.test(ch)) return 'D';
  if (RTL.test(ch)) return 'R';
  if (LETTER.test(ch)) return 'L';
  return 'N';
}

/** The direction of the first strong character (UAX #9 rules P2/P3), or the fallback. */
export function paragraphDirection(text: string, fallback: Direction = 'ltr'): Direction {
  for (const ch of text) {
    const kind = kindOf(ch);
    if (kind === 'R') return 'rtl';
    if (kind === 'L') return 'ltr';
  }
  return fallback;
}

export function hasRightToLeft(text: string): boolean {
  return RTL.test(text);
}

/**
 * Splits one line into runs in VISUAL order (left to right on the page). Right-to-left runs keep
 * their logical character order: the font shaper reverses and joins them.
 */
export function visualRuns(text: string, base: Direction): BidiRun[] {
  const chars = [...text];
  const kinds = chars.map(kindOf);
  // Digits are left-to-right islands; neutrals between two runs of the same direction join them,
  // other neutrals take the paragraph direction (rules W7, N1, N2 simplified).
  const resolved: Direction[] = new Array(chars.length);
  const strongAt = (i: number): Direction | null => (kinds[i] === 'R' ? 'rtl' : kinds[i] === 'L' || kinds[i] === 'D' ? 'ltr' : null);
  for (let i = 0; i < chars.length; i++) {
    const own = strongAt(i);
    if (own) {
      resolved[i] = own;
      continue;
    }
    let before: Direction | null = null;
    for (let j = i - 1; j >= 0 && before === null; j--) before = strongAt(j);
    let after: Direction | null = null;
    for (let j = i + 1; j < chars.length && after === null; j++) after = strongAt(j);
    resolved[i] = before !== null && before === after ? before : base;
  }
  const logical: BidiRun[] = [];
  for (let i = 0; i < chars.length; i++) {
    const last = logical[logical.length - 1];
    if (last && last.direction === resolved[i]) last.text += chars[i];
    else logical.push({ text: chars[i], direction: resolved[i] });
  }
  if (base === 'ltr') return logical;
  // In a right-to-left paragraph the runs are placed from right to left.
  return logical.reverse();
}

const MIRRORED: Record<string, string> = { '(': ')', ')': '(', '[': ']', ']': '[', '{': '}', '}': '{', '<': '>', '>': '<', '«': '»', '»': '«' };

/** Mirrored glyphs for characters shown right to left (UAX #9 rule L4): "(" drawn in an RTL run is ")". */
export function mirror(text: string): string {
  return text.replace(/[()[\]{}<>«»]/g, (ch) => MIRRORED[ch]);
}
