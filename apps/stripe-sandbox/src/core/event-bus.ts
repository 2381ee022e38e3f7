import { newId, ID_PREFIX } from './ids.js';
import { SandboxClock } from './clock.js';
import { StateStore, StripeObject } from './state-store.js';

/** The API version the sandbox reports in events (the one the platform pins). */
export const SANDBOX_API_VERSION = '2026-10-28.endive';

export interface RequestInfo {
  id: string | null;
  idempotencyKey: string | null;
}

export const AUTOMATIC: RequestInfo = { id: null, idempotencyKey: null };

/**
 * Records an event for every state change, as Stripe does: a snapshot of the object at that moment,
 * the previous values of changed fields for `*.updated`, and the request that caused it.
 */
export class EventBus {
  private readonly listeners: Array<(event: StripeObject) => void> = [];

  constructor(
    private readonly store: StateStore,
    private readonly clock: SandboxClock,
  ) {}

  onEvent(listener: (event: StripeObject) => void): void {
    this.listeners.push(listener);
  }

  emit(type: string, object: StripeObject, options: { previous?: StripeObject; request?: RequestInfo; account?: string } = {}): StripeObject {
    const request = options.request ?? AUTOMATIC;
    const event: StripeObject = {
      id: newId(ID_PREFIX.event),
      object: 'event',
      ...(options.account ? { account: options.account } : {}),
      api_version: SANDBOX_API_VERSION,
      created: this.clock.now(),
      data: {
        object: structuredClone(object),
        ...(options.previous && Object.keys(options.previous).length > 0 ? { previous_attributes: structuredClone(options.previous) } : {}),
      },
      livemode: false,
      pending_webhooks: 0,
      request: { id: request.id, idempotency_key: request.idempotencyKey },
      type,
    };
    this.store.put(event);
    for (const listener of this.listeners) listener(event);
    return event;
  }
}
