import { createHmac } from 'node:crypto';

/**
 * The `Stripe-Signature` header exactly as Stripe makes it: `t=<unix seconds>,v1=<hex HMAC-SHA256 of
 * "<t>.<payload>" keyed with the endpoint secret>`. The timestamp is real time, never the sandbox
 * clock, because receivers compare it with their own clock (300 s tolerance).
 */
export function signPayload(payload: string, secret: string, timestampSeconds: number): string {
  const signature = createHmac('sha256', secret).update(`${timestampSeconds}.${payload}`, 'utf8').digest('hex');
  return `t=${timestampSeconds},v1=${signature}`;
}
