/**
 * The project's progressive-enhancement scripts: the only scripts a page may carry. Each is the page's
 * own module under /assets/ (the CSP forbids inline and third-party scripts) and optional: the page and
 * its forms work without it. Page checks allow these and no other script.
 */
export const ENHANCEMENT_SCRIPTS = {
  /** The campaign page's time-zone picker: preselects the browser's zone in the scheduled-gift form. */
  timeZone: '/assets/time-zone.js',
  /** The public ledger page's in-browser verification (a button the script shows). */
  verifyLedger: '/assets/verify-ledger.js',
} as const;

/** A CSS selector of every script element that is not an enhancement script: a checked page has none. */
export const UNEXPECTED_SCRIPTS = `script${Object.values(ENHANCEMENT_SCRIPTS).map((src) => `:not([src="${src}"])`).join('')}`;
