/**
 * Whether a failed SMTP delivery can succeed later. 5xx replies (mailbox unknown, address
 * rejected, message refused) are permanent and must not be retried forever; 4xx replies,
 * timeouts and connection errors are temporary.
 */
export type FailureKind = 'permanent' | 'transient';

export function classifyDeliveryError(error: unknown): FailureKind {
  const e = error as { responseCode?: number; code?: string; rejected?: unknown[] };
  if (typeof e?.responseCode === 'number') return e.responseCode >= 500 && e.responseCode < 600 ? 'permanent' : 'transient';
  // nodemailer: every recipient rejected without a usable code, or an address it refuses to send to.
  if (e?.code === 'EENVELOPE' && Array.isArray(e.rejected) && e.rejected.length > 0) return 'permanent';
  return 'transient';
}

/** A short, safe description of a delivery error for the organization's view (no stack, no internals). */
export function describeDeliveryError(error: unknown): string {
  const e = error as { responseCode?: number; response?: string; code?: string; message?: string };
  if (typeof e?.response === 'string' && e.response) return e.response.slice(0, 300);
  if (e?.code) return `${e.code}${e?.message ? `: ${e.message}` : ''}`.slice(0, 300);
  return String(e?.message ?? error).slice(0, 300);
}

/** A failure worth retrying (4xx, connection trouble, another worker holding the send lease). */
export class TransientDeliveryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransientDeliveryError';
  }
}
