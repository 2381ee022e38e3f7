/**
 * Free text as a CSV cell: a value a spreadsheet would run as a formula (first character `=`, `+`,
 * `-`, `@`, tab or CR) gets a leading `'` (OWASP "CSV injection"), and a value holding `,`, `"`,
 * LF or CR is quoted. NULL is the empty cell. The public ledger's CSV guards its text the same way.
 */
export function csvText(value: string | null): string {
  if (value === null) return '';
  const guarded = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(guarded) ? `"${guarded.replace(/"/g, '""')}"` : guarded;
}
