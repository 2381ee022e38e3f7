// The platform's statement on reconciliation with the payment processor, as the CLI prints it
// (issue 21, item 7). It is not provable from the log (the processor's records are not public), so
// it is printed as the platform's word, never counted as verified, and a missing or malformed
// statement is said so rather than failing the log's verification.

interface ServedDifference {
  kind?: unknown; movement?: unknown; processorAmount?: unknown; ledgerAmount?: unknown; currency?: unknown;
  occurredAt?: unknown; ageSeconds?: unknown; entries?: unknown; resolution?: { at?: unknown; entries?: unknown } | null;
}

const text = (v: unknown, fallback = '?') => (typeof v === 'string' && v.length <= 100 && !/[\u0000-\u001f\u007f]/.test(v) ? v : fallback);
const indexes = (v: unknown, size: number) => {
  if (!Array.isArray(v)) return '';
  const valid = v.filter((i): i is number => Number.isSafeInteger(i) && i >= 0);
  return valid.map((i) => `#${i}${i >= size ? ' (beyond the verified log)' : ''}`).join(' ');
};
const days = (seconds: unknown) => {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) return '?';
  const d = Math.floor(seconds / 86_400);
  return d === 0 ? 'less than a day' : d === 1 ? '1 day' : `${d} days`;
};

function differenceLine(d: ServedDifference, size: number, state: 'open' | 'resolved'): string {
  const currency = text(d.currency);
  const amount = (v: unknown) => (v === null ? 'none' : `${text(v)} ${currency}`);
  const entries = indexes(d.entries, size);
  const base = `${state} ${text(d.kind)} (${text(d.movement)}): payment processor ${amount(d.processorAmount)}, ledger ${amount(d.ledgerAmount)}, happened ${text(d.occurredAt)}`;
  if (state === 'open') return `${base}, open ${days(d.ageSeconds)}${entries ? `, entries ${entries}` : ''}`;
  const resolution = d.resolution && typeof d.resolution === 'object' ? d.resolution : null;
  const posted = resolution ? indexes(resolution.entries, size) : '';
  return `${base}, resolved ${text(resolution?.at)} after ${days(d.ageSeconds)}${entries ? `, entries ${entries}` : ''}${posted ? `, now posted as ${posted}` : ''}`;
}

/** The lines to print for the report's `reconciliation` section; `size` is the verified log's size. */
export function reconciliationLines(served: unknown, size: number): string[] {
  const head = "reconciliation with the payment processor (the platform's statement, not provable from the log):";
  if (!served || typeof served !== 'object') return [`${head} none given`];
  const r = served as { reconciledUpTo?: unknown; openCount?: unknown; open?: unknown; resolved?: unknown };
  if (r.reconciledUpTo === null) return [`${head} not reconciled yet`];
  const open = Array.isArray(r.open) ? (r.open as ServedDifference[]) : [];
  const resolved = Array.isArray(r.resolved) ? (r.resolved as ServedDifference[]) : [];
  const count = Number.isSafeInteger(r.openCount) ? (r.openCount as number) : open.length;
  const lines = [`${head} reconciled up to ${text(r.reconciledUpTo)}: ${count} difference${count === 1 ? '' : 's'} open`];
  for (const d of open) lines.push(`  ${differenceLine(d, size, 'open')}`);
  if (count > open.length) lines.push(`  (${count - open.length} more open, not listed)`);
  for (const d of resolved) lines.push(`  ${differenceLine(d, size, 'resolved')}`);
  return lines;
}
