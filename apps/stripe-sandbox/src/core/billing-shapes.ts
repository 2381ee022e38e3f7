import { list } from './shapes.js';
import { StripeObject } from './state-store.js';

/**
 * Builders for the billing objects (customers' payment methods, setup intents, products, prices,
 * subscriptions, invoices, billing portal sessions, test clocks), with the keys, types and nesting
 * of Stripe's published fixtures (fixtures3.json) for the API version the platform pins.
 */

const emptyAddress = () => ({ city: null, country: null, line1: null, line2: null, postal_code: null, state: null });

export interface CardInput {
  brand: string;
  last4: string;
  expMonth: number;
  expYear: number;
  fingerprint: string;
}

export function paymentMethod(input: { id: string; created: number; card: CardInput; customer: string | null; email: string | null; name: string | null; metadata?: Record<string, string> }): StripeObject {
  return {
    id: input.id,
    object: 'payment_method',
    allow_redisplay: 'unspecified',
    billing_details: { address: emptyAddress(), email: input.email, name: input.name, phone: null, tax_id: null },
    card: {
      brand: input.card.brand,
      checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: 'pass' },
      country: 'US',
      display_brand: input.card.brand,
      exp_month: input.card.expMonth,
      exp_year: input.card.expYear,
      fingerprint: input.card.fingerprint,
      funding: 'credit',
      generated_from: null,
      last4: input.card.last4,
      networks: { available: [input.card.brand], preferred: null },
      regulated_status: 'unregulated',
      three_d_secure_usage: { supported: true },
      wallet: null,
    },
    created: input.created,
    customer: input.customer,
    customer_account: null,
    livemode: false,
    metadata: input.metadata ?? {},
    type: 'card',
  };
}

export function setupIntent(input: { id: string; created: number; customer: string | null; description: string | null; metadata: Record<string, string>; usage: string; paymentMethodTypes: string[] }): StripeObject {
  return {
    id: input.id,
    object: 'setup_intent',
    allowed_payment_method_types: null,
    application: null,
    automatic_payment_methods: null,
    cancellation_reason: null,
    client_secret: `${input.id}_secret_${input.id.slice(-20)}`,
    created: input.created,
    customer: input.customer,
    customer_account: null,
    description: input.description,
    excluded_payment_method_types: null,
    flow_directions: null,
    last_setup_error: null,
    latest_attempt: null,
    livemode: false,
    mandate: null,
    metadata: input.metadata,
    next_action: null,
    on_behalf_of: null,
    payment_method: null,
    payment_method_configuration_details: null,
    payment_method_options: { card: { mandate_options: null, network: null, request_three_d_secure: 'automatic' } },
    payment_method_types: input.paymentMethodTypes,
    single_use_mandate: null,
    status: 'requires_payment_method',
    usage: input.usage,
  };
}

export function product(input: { id: string; created: number; name: string; description: string | null; metadata: Record<string, string>; active: boolean }): StripeObject {
  return {
    id: input.id,
    object: 'product',
    active: input.active,
    created: input.created,
    default_price: null,
    description: input.description,
    images: [],
    livemode: false,
    marketing_features: [],
    metadata: input.metadata,
    name: input.name,
    package_dimensions: null,
    shippable: null,
    statement_descriptor: null,
    tax_code: null,
    tax_details: null,
    type: 'service',
    unit_label: null,
    updated: input.created,
    url: null,
  };
}

export interface Recurring {
  interval: 'day' | 'week' | 'month' | 'year';
  interval_count: number;
}

export function price(input: { id: string; created: number; currency: string; unitAmount: number; product: string; recurring: Recurring | null; metadata: Record<string, string>; nickname: string | null; lookupKey: string | null; active: boolean }): StripeObject {
  return {
    id: input.id,
    object: 'price',
    active: input.active,
    billing_scheme: 'per_unit',
    created: input.created,
    currency: input.currency,
    custom_unit_amount: null,
    livemode: false,
    lookup_key: input.lookupKey,
    metadata: input.metadata,
    nickname: input.nickname,
    product: input.product,
    recurring: input.recurring ? { interval: input.recurring.interval, interval_count: input.recurring.interval_count, meter: null, trial_period_days: null, usage_type: 'licensed' } : null,
    tax_behavior: 'unspecified',
    tiers_mode: null,
    transform_quantity: null,
    type: input.recurring ? 'recurring' : 'one_time',
    unit_amount: input.unitAmount,
    unit_amount_decimal: String(input.unitAmount),
  };
}

/** The legacy `plan` view of a recurring price that subscription items still carry. */
export function planOf(p: StripeObject): StripeObject {
  return {
    id: p.id, object: 'plan', active: p.active, amount: p.unit_amount, amount_decimal: p.unit_amount_decimal, billing_scheme: 'per_unit', created: p.created,
    currency: p.currency, interval: p.recurring.interval, interval_count: p.recurring.interval_count, livemode: false, metadata: p.metadata, meter: null,
    nickname: p.nickname, product: p.product, tiers_mode: null, transform_usage: null, trial_period_days: null, usage_type: 'licensed',
  };
}

export function subscriptionItem(input: { id: string; created: number; price: StripeObject; quantity: number; subscription: string; periodStart: number; periodEnd: number; metadata: Record<string, string> }): StripeObject {
  return {
    id: input.id,
    object: 'subscription_item',
    billing_thresholds: null,
    created: input.created,
    current_period_end: input.periodEnd,
    current_period_start: input.periodStart,
    current_trial: null,
    discounts: [],
    metadata: input.metadata,
    plan: planOf(input.price),
    price: structuredClone(input.price),
    quantity: input.quantity,
    subscription: input.subscription,
    tax_rates: [],
  };
}

export interface SubscriptionInput {
  id: string;
  created: number;
  customer: string;
  currency: string;
  items: StripeObject[];
  metadata: Record<string, string>;
  description: string | null;
  defaultPaymentMethod: string | null;
  cancelAt: number | null;
  testClock: string | null;
}

export function subscription(input: SubscriptionInput): StripeObject {
  return {
    id: input.id,
    object: 'subscription',
    application: null,
    application_fee_percent: null,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null },
    billing_cycle_anchor: input.created,
    billing_cycle_anchor_config: null,
    billing_mode: { flexible: { proration_discounts: 'included' }, type: 'flexible', updated_at: input.created },
    billing_schedules: [],
    billing_thresholds: null,
    cancel_at: input.cancelAt,
    cancel_at_period_end: false,
    canceled_at: null,
    cancellation_details: { comment: null, feedback: null, feedback_option: null, reason: null },
    collection_method: 'charge_automatically',
    created: input.created,
    currency: input.currency,
    customer: input.customer,
    customer_account: null,
    days_until_due: null,
    default_payment_method: input.defaultPaymentMethod,
    default_source: null,
    default_tax_rates: [],
    description: input.description,
    discounts: [],
    ended_at: null,
    invoice_settings: { account_tax_ids: null, custom_fields: null, description: null, footer: null, issuer: { type: 'self' } },
    items: list(`/v1/subscription_items?subscription=${input.id}`, input.items),
    latest_invoice: null,
    livemode: false,
    managed_payments: { enabled: false },
    metadata: input.metadata,
    next_pending_invoice_item_invoice: null,
    on_behalf_of: null,
    pause_collection: null,
    payment_settings: { payment_method_options: null, payment_method_types: null, save_default_payment_method: 'off' },
    pending_invoice_item_interval: null,
    pending_setup_intent: null,
    pending_update: null,
    schedule: null,
    start_date: input.created,
    status: 'incomplete',
    test_clock: input.testClock,
    transfer_data: null,
    trial_end: null,
    trial_settings: { end_behavior: { billing_cycle_anchor: null, missing_payment_method: 'create_invoice' } },
    trial_start: null,
  };
}

export function invoiceLine(input: { id: string; invoice: string; amount: number; currency: string; description: string; quantity: number; price: StripeObject; subscription: string; subscriptionItem: string; periodStart: number; periodEnd: number }): StripeObject {
  return {
    id: input.id,
    object: 'line_item',
    amount: input.amount,
    currency: input.currency,
    description: input.description,
    discount_amounts: [],
    discountable: true,
    discounts: [],
    invoice: input.invoice,
    livemode: false,
    metadata: {},
    parent: {
      invoice_item_details: null,
      subscription_item_details: { invoice_item: null, proration: false, proration_details: { credited_items: null }, subscription: input.subscription, subscription_item: input.subscriptionItem },
      type: 'subscription_item_details',
    },
    period: { end: input.periodEnd, start: input.periodStart },
    pretax_credit_amounts: [],
    pricing: { price_details: { price: input.price.id, product: input.price.product }, type: 'price_details', unit_amount_decimal: input.price.unit_amount_decimal },
    quantity: input.quantity,
    quantity_decimal: String(input.quantity),
    subscription: input.subscription,
    subtotal: input.amount,
    taxes: [],
  };
}

export interface InvoiceInput {
  id: string;
  created: number;
  customer: StripeObject;
  currency: string;
  subscription: StripeObject;
  billingReason: 'subscription_create' | 'subscription_cycle' | 'subscription_update' | 'manual';
  lines: StripeObject[];
  periodStart: number;
  periodEnd: number;
  baseUrl: string;
}

export function invoice(input: InvoiceInput): StripeObject {
  const total = input.lines.reduce((sum, line) => sum + Number(line.amount), 0);
  return {
    id: input.id,
    object: 'invoice',
    account_country: 'US',
    account_name: 'Ataa (sandbox platform)',
    account_tax_ids: null,
    amount_due: total,
    amount_overpaid: 0,
    amount_paid: 0,
    amount_remaining: total,
    amount_shipping: 0,
    application: null,
    attempt_count: 0,
    attempted: false,
    auto_advance: true,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null, provider: null, status: null },
    automatically_finalizes_at: null,
    billing_reason: input.billingReason,
    collection_method: 'charge_automatically',
    confirmation_secret: null,
    created: input.created,
    currency: input.currency,
    custom_fields: null,
    customer: input.customer.id,
    customer_account: null,
    customer_address: null,
    customer_email: input.customer.email ?? null,
    customer_name: input.customer.name ?? null,
    customer_phone: null,
    customer_shipping: null,
    customer_tax_exempt: 'none',
    customer_tax_ids: [],
    default_payment_method: null,
    default_source: null,
    default_tax_rates: [],
    description: null,
    discounts: [],
    due_date: null,
    effective_at: null,
    ending_balance: null,
    footer: null,
    from_invoice: null,
    hosted_invoice_url: null,
    invoice_pdf: null,
    issuer: { type: 'self' },
    last_finalization_error: null,
    latest_revision: null,
    lines: list(`/v1/invoices/${input.id}/lines`, input.lines),
    livemode: false,
    metadata: {},
    next_payment_attempt: null,
    number: null,
    on_behalf_of: null,
    parent: { quote_details: null, subscription_details: { metadata: structuredClone(input.subscription.metadata), subscription: input.subscription.id }, type: 'subscription_details' },
    payment_settings: { default_mandate: null, payment_method_options: null, payment_method_types: null },
    period_end: input.periodEnd,
    period_start: input.periodStart,
    post_payment_credit_notes_amount: 0,
    pre_payment_credit_notes_amount: 0,
    receipt_number: null,
    rendering: null,
    shipping_cost: null,
    shipping_details: null,
    starting_balance: 0,
    statement_descriptor: null,
    status: 'draft',
    status_transitions: { finalized_at: null, marked_uncollectible_at: null, paid_at: null, voided_at: null },
    subtotal: total,
    subtotal_excluding_tax: total,
    test_clock: input.subscription.test_clock,
    total,
    total_discount_amounts: [],
    total_excluding_tax: total,
    total_pretax_credit_amounts: [],
    total_taxes: [],
    webhooks_delivered_at: null,
  };
}

export function invoicePayment(input: { id: string; created: number; invoice: string; amount: number; currency: string; paymentIntent: string }): StripeObject {
  return {
    id: input.id,
    object: 'invoice_payment',
    amount_paid: null,
    amount_requested: input.amount,
    created: input.created,
    currency: input.currency,
    invoice: input.invoice,
    is_default: true,
    livemode: false,
    payment: { payment_intent: input.paymentIntent, type: 'payment_intent' },
    status: 'open',
    status_transitions: { canceled_at: null, paid_at: null },
  };
}

export function billingPortalSession(input: { id: string; created: number; customer: string; returnUrl: string | null; locale: string | null; url: string; configuration: string }): StripeObject {
  return {
    id: input.id,
    object: 'billing_portal.session',
    configuration: input.configuration,
    created: input.created,
    customer: input.customer,
    customer_account: null,
    flow: null,
    livemode: false,
    locale: input.locale,
    on_behalf_of: null,
    return_url: input.returnUrl,
    url: input.url,
  };
}

/** Stripe deletes a test clock (and its objects) 30 days after it was made. */
export const TEST_CLOCK_LIFETIME = 30 * 86_400;

export function testClock(input: { id: string; created: number; frozenTime: number; name: string | null }): StripeObject {
  return {
    id: input.id,
    object: 'test_helpers.test_clock',
    created: input.created,
    deletes_after: input.created + TEST_CLOCK_LIFETIME,
    frozen_time: input.frozenTime,
    livemode: false,
    name: input.name,
    status: 'ready',
    status_details: {},
  };
}
