/**
 * Retention periods (pure). Each rule of the retention job removes what is older than its period;
 * the periods come from the configuration, one variable per rule (RETENTION_*_DAYS).
 */
export const RETENTION_PERIOD_KEYS = [
  'RETENTION_CHECKOUT_DAYS',
  'RETENTION_WEBHOOK_PAYLOAD_DAYS',
  'RETENTION_IP_DAYS',
  'RETENTION_MAIL_BODY_DAYS',
  'RETENTION_EXPORT_REQUEST_DAYS',
  'RETENTION_SIGN_IN_TOKEN_DAYS',
] as const;

export type RetentionPeriodKey = (typeof RETENTION_PERIOD_KEYS)[number];

const DAY_MS = 86_400_000;

/** The instant before which a rule's data is past its period: `now` minus `days` whole days. */
export function retentionCutoff(now: Date, days: number): Date {
  if (!Number.isInteger(days) || days < 1) throw new Error(`a retention period is a whole number of days, at least 1 (got ${days})`);
  return new Date(now.getTime() - days * DAY_MS);
}

/** The longest a record may still live at `now` when everything before `cutoff` is past its period (seconds, at least 1). */
export function secondsLeft(now: Date, cutoff: Date): number {
  return Math.max(1, Math.floor((now.getTime() - cutoff.getTime()) / 1000));
}
