import type { DeliveryAttempt, DeliveryMode } from './webhooks/webhook-deliverer.js';

/** Stripe-shaped JSON as the control API returns it. */
type Json = Record<string, any>;

export interface PayOptions {
  /** A test card number (default 4242 4242 4242 4242). */
  card?: string;
  /** A test bank account instead of a card: 000123456789 settles, 000111111113 fails (a day later). */
  bankAccount?: string;
  email?: string;
  name?: string;
  expMonth?: number;
  expYear?: number;
  /** Also return the events the payment emitted (PayResult.events). */
  includeEvents?: boolean;
}

export interface PayResult {
  ok: boolean;
  session: Json;
  error?: { type: string; code?: string; decline_code?: string; message: string };
  /** With includeEvents: the events the payment emitted, in order. */
  events?: Json[];
}

/** The /v1 API requests the sandbox received since `since` (its creation or the last reset). */
export interface ApiRequestCounts {
  object: 'api_request_counts';
  /** When counting started (ISO 8601, wall clock). */
  since: string;
  total: number;
  /** By method and route pattern, e.g. `GET /v1/checkout/sessions/:id`; `GET (unmatched)` for unknown paths. */
  requests: Record<string, number>;
}

/** Thrown when the control API refuses a request; carries Stripe's error body. */
export class SandboxControlError extends Error {
  constructor(readonly status: number, readonly body: Json) {
    super(`sandbox control API ${status}: ${body?.error?.message ?? JSON.stringify(body)}`);
    this.name = 'SandboxControlError';
  }
}

/**
 * A client for the sandbox's test control API (/_sandbox/...), for tests, scripts and demos. Works
 * with an in-process sandbox and with one running elsewhere (docker compose) in test mode.
 */
export class SandboxControlClient {
  constructor(readonly baseUrl: string) {}

  private async call<T = Json>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: Json): Promise<T> {
    const response = await fetch(`${this.baseUrl}/_sandbox${path}`, {
      method,
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    const json = (await response.json()) as Json;
    if (!response.ok) throw new SandboxControlError(response.status, json);
    return json as T;
  }

  /** The sandbox clock (Unix seconds). */
  async now(): Promise<number> {
    return (await this.call<{ now: number }>('GET', '/state')).now;
  }

  /** Moves the clock forward: settles balances and bank debits, expires sessions, opens delayed disputes. */
  async advanceClock(by: { seconds?: number; minutes?: number; hours?: number; days?: number }): Promise<number> {
    return (await this.call<{ now: number }>('POST', '/clock/advance', by)).now;
  }

  /**
   * Sets the clock back to `to` (Unix seconds): refused (400 parameter_invalid_integer) when an object was
   * created after it. For demos with history (make things, advance, ... then advance to now).
   */
  async rewindClock(to: number): Promise<number> {
    return (await this.call<{ now: number }>('POST', '/clock/rewind', { to })).now;
  }

  /** Pays a checkout session as the hosted page would, without a browser. */
  paySession(sessionId: string, options: PayOptions = {}): Promise<PayResult> {
    return this.call('POST', `/checkout/sessions/${encodeURIComponent(sessionId)}/pay`, {
      ...(options.bankAccount ? { bank_account: options.bankAccount } : { card: options.card ?? '4242424242424242' }),
      ...(options.email ? { email: options.email } : {}),
      ...(options.name ? { name: options.name } : {}),
      ...(options.expMonth ? { exp_month: options.expMonth } : {}),
      ...(options.expYear ? { exp_year: options.expYear } : {}),
      ...(options.includeEvents ? { include_events: true } : {}),
    });
  }

  openDispute(chargeId: string, options: { reason?: string; amount?: number } = {}): Promise<Json> {
    return this.call('POST', `/charges/${encodeURIComponent(chargeId)}/dispute`, options);
  }

  closeDispute(disputeId: string, outcome: 'won' | 'lost'): Promise<Json> {
    return this.call('POST', `/disputes/${encodeURIComponent(disputeId)}/close`, { outcome });
  }

  /** The next transfers.create is refused (default: 400 transfers_not_allowed; status >= 500 gives api_error). */
  /** What happens when the last retry of a renewal fails: cancel (default), unpaid, or past_due. */
  async setFinalPaymentFailure(afterFinalFailure: 'cancel' | 'unpaid' | 'past_due'): Promise<void> {
    await this.call('POST', '/billing/settings', { after_final_failure: afterFinalFailure });
  }

  async failNextTransfer(failure: { status?: number; code?: string; message?: string } = {}): Promise<void> {
    await this.call('POST', '/transfers/fail_next', failure);
  }

  /** The next transfer reversal is refused (default: 400 balance_insufficient: the connected account cannot cover it). */
  async failNextTransferReversal(failure: { status?: number; code?: string; message?: string } = {}): Promise<void> {
    await this.call('POST', '/transfer_reversals/fail_next', failure);
  }

  /**
   * The next successful charge settles without its balance transaction (no fee yet); it is attached,
   * with a charge.updated event, once the sandbox clock has moved `seconds` on.
   */
  async delayNextBalanceTransaction(seconds: number): Promise<void> {
    await this.call('POST', '/balance_transactions/delay_next', { seconds });
  }

  /** The platform account settles in `currency` (null: every currency as charged), at the sandbox's fixed test rates. */
  async setSettlementCurrency(currency: string | null): Promise<void> {
    await this.call('POST', '/settlement_currency', { currency: currency ?? '' });
  }

  /**
   * The next matching API request is performed (and its idempotent result saved) but its connection
   * is dropped after `delayMs` instead of answered, so the client sees a timeout and retries.
   */
  async timeOutNextResponse(match: { method?: 'GET' | 'POST'; path?: string; delayMs?: number } = {}): Promise<void> {
    await this.call('POST', '/responses/time_out_next', { method: match.method, path: match.path, delay_ms: match.delayMs });
  }

  completeOnboarding(accountId: string): Promise<Json> {
    return this.call('POST', `/accounts/${encodeURIComponent(accountId)}/complete_onboarding`);
  }

  setAccountFlags(accountId: string, flags: { charges_enabled?: boolean; payouts_enabled?: boolean }): Promise<Json> {
    return this.call('POST', `/accounts/${encodeURIComponent(accountId)}/flags`, flags);
  }

  /** Adds a webhook endpoint (or, with replace, makes it the only one). */
  addWebhookEndpoint(endpoint: { url: string; secret: string; enabledEvents?: string[]; replace?: boolean }): Promise<{ id: string; url: string }> {
    return this.call('POST', '/webhook_endpoints', { url: endpoint.url, secret: endpoint.secret, enabled_events: endpoint.enabledEvents, replace: endpoint.replace });
  }

  /** Sends every event to this one endpoint from now on. */
  setWebhookEndpoint(url: string, secret: string): Promise<{ id: string; url: string }> {
    return this.addWebhookEndpoint({ url, secret, replace: true });
  }

  async removeWebhookEndpoint(id: string): Promise<void> {
    await this.call('DELETE', `/webhook_endpoints/${encodeURIComponent(id)}`);
  }

  /** Chaos mode: every event is delivered twice and bursts arrive shuffled. */
  setDeliveryMode(mode: { chaos: boolean; seed?: number }): Promise<DeliveryMode> {
    return this.call('POST', '/webhooks/mode', mode);
  }

  webhookAttempts(): Promise<DeliveryAttempt[]> {
    return this.call('GET', '/webhooks/attempts');
  }

  async clearWebhookAttempts(): Promise<void> {
    await this.call('DELETE', '/webhooks/attempts');
  }

  /** Waits until no webhook is queued, in flight or waiting for a retry; throws on timeout. */
  async waitForWebhooks(timeoutMs = 30_000): Promise<void> {
    const result = await this.call<{ idle: boolean; pending: number }>('POST', '/webhooks/idle', { timeout_ms: timeoutMs });
    if (!result.idle) throw new Error(`sandbox webhooks still pending after ${timeoutMs} ms (${result.pending})`);
  }

  /** The Stripe API requests received since the last reset, by method and route. */
  apiRequestCounts(): Promise<ApiRequestCounts> {
    return this.call('GET', '/api_requests');
  }

  /** Starts counting API requests from zero. */
  async resetApiRequestCounts(): Promise<void> {
    await this.call('DELETE', '/api_requests');
  }

  async resendEvent(eventId: string): Promise<number> {
    return (await this.call<{ queued: number }>('POST', `/events/${encodeURIComponent(eventId)}/resend`)).queued;
  }
}
