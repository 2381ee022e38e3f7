/**
 * Removes a donor's personal data from a stored Stripe event payload (pure). Stripe objects carry
 * it in a few known fields: a Checkout Session's `customer_details` and `customer_email`, a
 * charge's `billing_details` and `receipt_email`, `shipping` / `shipping_details` (any object), a
 * Customer's `name`, `email`, `phone`, `address`, `description`. Each is set to null wherever it
 * appears (the event's object and its `previous_attributes`); ids and amounts stay, so the event
 * still reads as what happened. Returns the scrubbed copy and whether anything changed.
 */
const PERSONAL_FIELDS = new Set(['customer_details', 'customer_email', 'billing_details', 'receipt_email', 'shipping', 'shipping_details', 'collected_information']);
const CUSTOMER_FIELDS = new Set(['name', 'email', 'phone', 'address', 'description', 'shipping', 'individual_name', 'business_name']);

export function scrubStripePayload<T>(payload: T): { payload: T; changed: boolean } {
  let changed = false;
  const visit = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(visit);
    if (value === null || typeof value !== 'object') return value;
    const source = value as Record<string, unknown>;
    const isCustomer = source.object === 'customer';
    const out: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(source)) {
      if ((PERSONAL_FIELDS.has(key) || (isCustomer && CUSTOMER_FIELDS.has(key))) && field !== null) {
        out[key] = null;
        changed = true;
      } else {
        out[key] = visit(field);
      }
    }
    return out;
  };
  const scrubbed = visit(payload) as T;
  return { payload: scrubbed, changed };
}
