import { StripeObject } from './state-store.js';

/**
 * Builders for the objects the sandbox returns, with the keys, types and nesting of Stripe's
 * published fixtures (fixtures3.json). Fields the sandbox has no use for keep Stripe's empty values.
 */

const emptyAddress = () => ({ city: null, country: null, line1: null, line2: null, postal_code: null, state: null });

export const list = (url: string, data: StripeObject[] = [], hasMore = false): StripeObject => ({
  object: 'list',
  data,
  has_more: hasMore,
  url,
});

export interface SessionInput {
  id: string;
  created: number;
  expiresAt: number;
  currency: string;
  amountTotal: number;
  successUrl: string | null;
  cancelUrl: string | null;
  customerEmail: string | null;
  clientReferenceId: string | null;
  metadata: Record<string, string>;
  locale: string | null;
  paymentMethodTypes: string[];
  submitType: string | null;
  url: string;
  allowedPaymentMethodTypes: string[] | null;
  excludedPaymentMethodTypes: string[];
  /** `always`: paying the session creates a Customer (the session, payment intent and charge name it). */
  customerCreation?: 'always' | 'if_required' | null;
  /** payment (default), subscription or setup. */
  mode?: 'payment' | 'subscription' | 'setup';
}

export function checkoutSession(input: SessionInput): StripeObject {
  return {
    id: input.id,
    object: 'checkout.session',
    adaptive_pricing: { enabled: false },
    after_expiration: null,
    allow_promotion_codes: null,
    allowed_payment_method_types: input.allowedPaymentMethodTypes,
    amount_subtotal: input.amountTotal,
    amount_total: input.amountTotal,
    automatic_tax: { enabled: false, liability: null, provider: null, status: null },
    billing_address_collection: null,
    branding_settings: null,
    cancel_url: input.cancelUrl,
    client_reference_id: input.clientReferenceId,
    client_secret: null,
    collected_information: null,
    consent: null,
    consent_collection: null,
    created: input.created,
    currency: input.currency,
    currency_conversion: null,
    custom_fields: [],
    custom_text: { after_submit: null, shipping_address: null, submit: null, terms_of_service_acceptance: null },
    customer: null,
    customer_account: null,
    customer_creation: input.customerCreation ?? 'if_required',
    customer_details: input.customerEmail
      ? { address: null, business_name: null, email: input.customerEmail, individual_name: null, name: null, phone: null, tax_exempt: 'none', tax_ids: [] }
      : null,
    customer_email: input.customerEmail,
    discounts: [],
    excluded_payment_method_types: input.excludedPaymentMethodTypes,
    expires_at: input.expiresAt,
    integration_identifier: null,
    invoice: null,
    invoice_creation: {
      enabled: false,
      invoice_data: {
        account_tax_ids: null, custom_fields: null, description: null, footer: null, issuer: null, metadata: {},
        rendering_options: null,
      },
    },
    livemode: false,
    locale: input.locale,
    managed_payments: { enabled: false },
    metadata: input.metadata,
    mode: input.mode ?? 'payment',
    name_collection: null,
    optional_items: null,
    origin_context: null,
    payment_intent: null,
    payment_link: null,
    payment_method_collection: 'if_required',
    payment_method_configuration_details: null,
    payment_method_options: {},
    payment_method_types: input.paymentMethodTypes,
    payment_status: 'unpaid',
    permissions: null,
    phone_number_collection: { enabled: false },
    presentment_details: null,
    recovered_from: null,
    redirect_on_completion: 'always',
    return_url: null,
    saved_payment_method_options: null,
    setup_intent: null,
    shipping_address_collection: null,
    shipping_cost: null,
    shipping_options: [],
    status: 'open',
    submit_type: input.submitType,
    subscription: null,
    success_url: input.successUrl,
    tax_id_collection: { enabled: false, required: 'never' },
    total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
    ui_mode: 'hosted_page',
    url: input.url,
    wallet_options: null,
  };
}

/** A Customer as Stripe returns it (the fields a Checkout-created Customer has). */
export function customer(input: { id: string; created: number; email: string | null; name: string | null }): StripeObject {
  return {
    id: input.id, object: 'customer', address: null, balance: 0, business_name: null, created: input.created, currency: null, customer_account: null,
    default_source: null, delinquent: false, description: null, discount: null, email: input.email, individual_name: null, invoice_prefix: input.id.slice(4, 12).toUpperCase(),
    invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null }, livemode: false, metadata: {},
    name: input.name, next_invoice_sequence: 1, phone: null, preferred_locales: [], shipping: null, tax_exempt: 'none', test_clock: null,
  };
}

/** What deleting a Customer answers, and what retrieving a deleted one answers from then on. */
export function deletedCustomer(id: string): StripeObject {
  return { id, object: 'customer', deleted: true };
}

export function customerDetails(email: string | null, name: string | null): StripeObject {
  return {
    address: emptyAddress(), business_name: null, email, individual_name: null, name, phone: null, tax_exempt: 'none', tax_ids: [],
  };
}

export interface PaymentIntentInput {
  id: string;
  created: number;
  amount: number;
  currency: string;
  description: string | null;
  metadata: Record<string, string>;
  transferGroup: string | null;
  receiptEmail: string | null;
  paymentMethodTypes: string[];
  statementDescriptor: string | null;
}

export function paymentIntent(input: PaymentIntentInput): StripeObject {
  return {
    id: input.id,
    object: 'payment_intent',
    allowed_payment_method_types: null,
    amount: input.amount,
    amount_capturable: 0,
    amount_details: { tip: {} },
    amount_received: 0,
    application: null,
    application_fee_amount: null,
    automatic_payment_methods: null,
    canceled_at: null,
    cancellation_reason: null,
    capture_method: 'automatic',
    client_secret: `${input.id}_secret_${input.id.slice(-12)}`,
    confirmation_method: 'automatic',
    created: input.created,
    currency: input.currency,
    customer: null,
    customer_account: null,
    description: input.description,
    excluded_payment_method_types: null,
    hooks: null,
    last_payment_error: null,
    latest_charge: null,
    livemode: false,
    managed_payments: { enabled: false },
    metadata: input.metadata,
    next_action: null,
    on_behalf_of: null,
    payment_details: null,
    payment_method: null,
    payment_method_configuration_details: null,
    payment_method_options: {},
    payment_method_types: input.paymentMethodTypes,
    payment_record: null,
    presentment_details: null,
    processing: null,
    receipt_email: input.receiptEmail,
    review: null,
    setup_future_usage: null,
    shipping: null,
    source: null,
    statement_descriptor: input.statementDescriptor,
    statement_descriptor_suffix: null,
    status: 'requires_payment_method',
    transfer_data: null,
    transfer_group: input.transferGroup,
  };
}

export interface CardDetails {
  brand: string;
  last4: string;
  expMonth: number;
  expYear: number;
  fingerprint: string;
  funding: string;
  country: string;
}

export interface BankDetails {
  last4: string;
  routingNumber: string;
  fingerprint: string;
}

export function cardPaymentMethodDetails(card: CardDetails, amount: number): StripeObject {
  return {
    card: {
      amount_authorized: amount,
      authorization_code: null,
      brand: card.brand,
      checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: 'pass' },
      country: card.country,
      exp_month: card.expMonth,
      exp_year: card.expYear,
      extended_authorization: { status: 'disabled' },
      fingerprint: card.fingerprint,
      funding: card.funding,
      incremental_authorization: { status: 'unavailable' },
      installments: null,
      last4: card.last4,
      mandate: null,
      multicapture: { status: 'unavailable' },
      network: card.brand,
      network_token: { used: false },
      network_transaction_id: null,
      overcapture: { maximum_amount_capturable: amount, status: 'unavailable' },
      regulated_status: 'unregulated',
      three_d_secure: null,
      transaction_link_id: null,
      wallet: null,
    },
    type: 'card',
  };
}

export function bankPaymentMethodDetails(bank: BankDetails): StripeObject {
  return {
    type: 'us_bank_account',
    us_bank_account: {
      account_holder_type: 'individual', account_type: 'checking', bank_name: 'STRIPE TEST BANK',
      fingerprint: bank.fingerprint, last4: bank.last4, mandate: null, payment_reference: null, routing_number: bank.routingNumber,
    },
  };
}

export interface ChargeInput {
  id: string;
  created: number;
  amount: number;
  currency: string;
  description: string | null;
  metadata: Record<string, string>;
  paymentIntent: string;
  paymentMethod: string;
  paymentMethodDetails: StripeObject;
  email: string | null;
  name: string | null;
  transferGroup: string | null;
  status: 'succeeded' | 'pending' | 'failed';
  receiptUrl: string;
}

export function charge(input: ChargeInput): StripeObject {
  const succeeded = input.status === 'succeeded';
  return {
    id: input.id,
    object: 'charge',
    amount: input.amount,
    amount_captured: succeeded ? input.amount : 0,
    amount_refunded: 0,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    authorization_code: null,
    balance_transaction: null,
    billing_details: { address: emptyAddress(), email: input.email, name: input.name, phone: null, tax_id: null },
    calculated_statement_descriptor: 'ATAA SANDBOX',
    captured: input.status !== 'failed',
    created: input.created,
    currency: input.currency,
    customer: null,
    description: input.description,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: null,
    failure_message: null,
    fraud_details: {},
    level3: null,
    livemode: false,
    metadata: input.metadata,
    on_behalf_of: null,
    outcome: succeeded || input.status === 'pending'
      ? { advice_code: null, network_advice_code: null, network_decline_code: null, network_status: 'approved_by_network', reason: null, risk_level: 'normal', risk_score: 20, seller_message: 'Payment complete.', type: 'authorized' }
      : null,
    paid: succeeded,
    payment_intent: input.paymentIntent,
    payment_method: input.paymentMethod,
    payment_method_details: input.paymentMethodDetails,
    presentment_details: null,
    radar_options: {},
    receipt_email: input.email,
    receipt_number: null,
    receipt_url: input.receiptUrl,
    refunded: false,
    refunds: list(`/v1/charges/${input.id}/refunds`),
    review: null,
    shipping: null,
    source: null,
    source_transfer: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: input.status,
    transfer: null,
    transfer_data: null,
    transfer_group: input.transferGroup,
  };
}

export interface BalanceTransactionInput {
  id: string;
  created: number;
  availableOn: number;
  amount: number;
  fee: number;
  feeDetails: StripeObject[];
  currency: string;
  description: string | null;
  source: string;
  type: string;
  reportingCategory: string;
  /** Stripe's exchange_rate when the amount was converted to the settlement currency. */
  exchangeRate?: number | null;
}

export function balanceTransaction(input: BalanceTransactionInput): StripeObject {
  return {
    id: input.id,
    object: 'balance_transaction',
    amount: input.amount,
    available_on: input.availableOn,
    balance_type: 'payments',
    created: input.created,
    currency: input.currency,
    description: input.description,
    exchange_rate: input.exchangeRate ?? null,
    fee: input.fee,
    fee_details: input.feeDetails,
    net: input.amount - input.fee,
    reporting_category: input.reportingCategory,
    source: input.source,
    status: 'pending',
    type: input.type,
  };
}

export interface RefundInput {
  id: string;
  created: number;
  amount: number;
  currency: string;
  charge: string;
  paymentIntent: string | null;
  reason: string | null;
  metadata: Record<string, string>;
  status: 'pending' | 'succeeded' | 'failed';
  card: boolean;
}

export function refund(input: RefundInput): StripeObject {
  return {
    id: input.id,
    object: 'refund',
    amount: input.amount,
    balance_transaction: null,
    charge: input.charge,
    created: input.created,
    currency: input.currency,
    customer: null,
    customer_account: null,
    description: null,
    destination_details: input.card
      ? { card: { reference: null, reference_status: 'pending', reference_type: 'acquirer_reference_number', type: 'refund' }, type: 'card' }
      : { type: 'us_bank_transfer', us_bank_transfer: { reference: null, reference_status: 'pending' } },
    failure_balance_transaction: null,
    failure_reason: null,
    instructions_email: null,
    metadata: input.metadata,
    next_action: null,
    payment_intent: input.paymentIntent,
    payment_method: null,
    pending_reason: input.status === 'pending' ? 'processing' : null,
    presentment_details: null,
    reason: input.reason,
    receipt_number: null,
    source_transfer_reversal: null,
    status: input.status,
    transfer_reversal: null,
  };
}

export interface DisputeInput {
  id: string;
  created: number;
  amount: number;
  currency: string;
  charge: string;
  paymentIntent: string | null;
  reason: string;
  dueBy: number;
  brand: string;
}

export function dispute(input: DisputeInput): StripeObject {
  const evidenceKeys = [
    'access_activity_log', 'billing_address', 'cancellation_policy', 'cancellation_policy_disclosure', 'cancellation_rebuttal',
    'customer_communication', 'customer_email_address', 'customer_name', 'customer_purchase_ip', 'customer_signature',
    'duplicate_charge_documentation', 'duplicate_charge_explanation', 'duplicate_charge_id', 'product_description', 'receipt',
    'refund_policy', 'refund_policy_disclosure', 'refund_refusal_explanation', 'service_date', 'service_documentation',
    'shipping_address', 'shipping_carrier', 'shipping_date', 'shipping_documentation', 'shipping_tracking_number',
    'uncategorized_file', 'uncategorized_text',
  ];
  return {
    id: input.id,
    object: 'dispute',
    amount: input.amount,
    balance_transactions: [],
    charge: input.charge,
    created: input.created,
    currency: input.currency,
    enhanced_eligibility_types: [],
    evidence: { ...Object.fromEntries(evidenceKeys.map((k) => [k, null])), enhanced_evidence: {} },
    evidence_details: { due_by: input.dueBy, enhanced_eligibility: {}, has_evidence: false, past_due: false, submission_count: 0 },
    intended_submission_method: null,
    is_charge_refundable: false,
    livemode: false,
    metadata: {},
    network_reason_code: '10.4',
    payment_intent: input.paymentIntent,
    payment_method_details: { card: { brand: input.brand, case_type: 'chargeback', network: input.brand, network_reason_code: '10.4' }, type: 'card' },
    reason: input.reason,
    status: 'needs_response',
  };
}

export interface TransferInput {
  id: string;
  created: number;
  amount: number;
  currency: string;
  destination: string;
  destinationPayment: string;
  description: string | null;
  metadata: Record<string, string>;
  transferGroup: string | null;
  sourceTransaction: string | null;
}

export function transfer(input: TransferInput): StripeObject {
  return {
    id: input.id,
    object: 'transfer',
    amount: input.amount,
    amount_reversed: 0,
    balance_transaction: null,
    created: input.created,
    currency: input.currency,
    description: input.description,
    destination: input.destination,
    destination_payment: input.destinationPayment,
    livemode: false,
    metadata: input.metadata,
    reversals: list(`/v1/transfers/${input.id}/reversals`),
    reversed: false,
    source_transaction: input.sourceTransaction,
    source_type: 'card',
    transfer_group: input.transferGroup,
  };
}

export function transferReversal(input: { id: string; created: number; amount: number; currency: string; transfer: string; metadata: Record<string, string> }): StripeObject {
  return {
    id: input.id,
    object: 'transfer_reversal',
    amount: input.amount,
    balance_transaction: null,
    created: input.created,
    currency: input.currency,
    destination_payment_refund: null,
    metadata: input.metadata,
    source_refund: null,
    transfer: input.transfer,
  };
}

const ONBOARDING_REQUIREMENTS = [
  'business_profile.mcc', 'business_profile.url', 'business_type', 'external_account', 'representative.first_name',
  'representative.last_name', 'tos_acceptance.date', 'tos_acceptance.ip',
];

export function requirements(due: string[], disabledReason: string | null): StripeObject {
  return {
    alternatives: [], current_deadline: null, currently_due: due, disabled_reason: disabledReason, errors: [],
    eventually_due: due, past_due: due, pending_verification: [],
  };
}

export interface AccountInput {
  id: string;
  created: number;
  type: string;
  country: string;
  email: string | null;
  businessType: string | null;
  businessName: string | null;
  metadata: Record<string, string>;
  capabilities: string[];
}

export function account(input: AccountInput): StripeObject {
  const currency = input.country === 'US' ? 'usd' : input.country === 'GB' ? 'gbp' : ['AE'].includes(input.country) ? 'aed' : 'eur';
  return {
    id: input.id,
    object: 'account',
    business_profile: {
      annual_revenue: null, estimated_worker_count: null, mcc: null, minority_owned_business_designation: null, name: input.businessName,
      product_description: null, support_address: null, support_email: null, support_phone: null, support_url: null, url: null,
    },
    business_type: input.businessType,
    capabilities: Object.fromEntries(input.capabilities.map((c) => [c, 'inactive'])),
    charges_enabled: false,
    company: null,
    controller: { fees: { payer: 'application' }, is_controller: true, losses: { payments: 'application' }, requirement_collection: 'stripe', stripe_dashboard: { type: input.type === 'express' ? 'express' : 'full' }, type: 'application' },
    country: input.country,
    created: input.created,
    default_currency: currency,
    details_submitted: false,
    email: input.email,
    external_accounts: list(`/v1/accounts/${input.id}/external_accounts`),
    future_requirements: requirements([], null),
    groups: null,
    individual: null,
    livemode: false,
    metadata: input.metadata,
    payouts_enabled: false,
    requirements: requirements([...ONBOARDING_REQUIREMENTS], 'requirements.past_due'),
    settings: {
      bacs_debit_payments: { display_name: null, service_user_number: null },
      branding: { icon: null, logo: null, primary_color: null, secondary_color: null },
      card_issuing: { tos_acceptance: { date: null, ip: null } },
      card_payments: { decline_on: { avs_failure: false, cvc_failure: false }, statement_descriptor_prefix: null, statement_descriptor_prefix_kana: null, statement_descriptor_prefix_kanji: null },
      dashboard: { display_name: input.businessName, timezone: 'Etc/UTC' },
      invoices: { default_account_tax_ids: null, hosted_payment_method_save: 'offer' },
      payments: { statement_descriptor: null, statement_descriptor_kana: null, statement_descriptor_kanji: null, statement_descriptor_prefix_kana: null, statement_descriptor_prefix_kanji: null },
      payouts: { debit_negative_balances: true, schedule: { delay_days: 2, interval: 'daily' }, statement_descriptor: null },
      sepa_debit_payments: {},
    },
    tos_acceptance: { date: null, ip: null, user_agent: null },
    type: input.type,
  };
}
