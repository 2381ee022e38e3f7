/**
 * Operator console sessions (pure). Shorter than an organization's (30 days): an operator approves
 * money leaving the platform, so a forgotten signed-in browser stops being one after a working day.
 */
export const OPERATOR_SESSION_TTL_SECONDS = 12 * 3600;

/** The cookie secret's prefix: recognisable in logs and secret scanners, distinct from `ataa_ps_` (dashboard). */
export const OPERATOR_SESSION_PREFIX = 'ataa_os';

const TOKEN_SHAPE = /^ataa_os_[A-Za-z0-9_-]{43}$/;

/** Whether a cookie value could be an operator session's secret (anything else is not looked up). */
export function isOperatorSessionToken(value: unknown): value is string {
  return typeof value === 'string' && TOKEN_SHAPE.test(value);
}

/** The audit log's actor for an operator: `operator:<id>` (the bearer-token API stays `operator`). */
export function operatorActor(operatorId: string): string {
  return `operator:${operatorId}`;
}

/**
 * The rate-limit subjects of a console sign-in: the same limits as the dashboard's sign-in, counted
 * apart (an `operator|` subject), so an organization account and an operator account with the same
 * address never lock each other.
 */
export function operatorLoginSubjects(clientAddress: string, emailHash: string): { perAddressAndEmail: string; perAccount: string } {
  return { perAddressAndEmail: `operator|${clientAddress}|${emailHash}`, perAccount: `operator|${emailHash}` };
}
