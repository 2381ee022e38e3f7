/** "R-2026-000042": the organization's 42nd receipt of 2026. Numbers are per organization and year. */
export function formatReceiptNumber(year: number, sequence: number): string {
  return `R-${year}-${String(sequence).padStart(6, '0')}`;
}
