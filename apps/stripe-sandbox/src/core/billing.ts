import { chargeAmountProblem, chargeAmountStep, formatMajorUnits, minimumChargeAmount } from '@ataa/common';
import * as bshapes from './billing-shapes.js';
import { BillingDelegate, cardError, ChargePrivate, DAY, PaymentInput, PaymentResult, SandboxEngine } from './engine.js';
import { AUTOMATIC, RequestInfo } from './event-bus.js';
import { ID_PREFIX, newId, randomBase62 } from './ids.js';
import { Params } from './params.js';
import * as shapes from './shapes.js';
import { StripeObject } from './state-store.js';
import { invalidRequest, noSuch, StripeApiError } from './stripe-error.js';
import { cardScenario, digitsOnly, fingerprint, PaymentScenario, TEST_PAYMENT_METHODS } from './test-cards.js';

/**
 * Stripe's smart retries, simplified: after a renewal's payment fails, it is tried again 3, then 5,
 * then 7 days later (three retries over 15 days); after the last one the subscription is canceled
 * (or left unpaid / past_due: setFinalFailure, Stripe's "Manage failed payments" setting).
 */
export const RETRY_DELAY_DAYS = [3, 5, 7] as const;
export type FinalFailure = 'cancel' | 'unpaid' | 'past_due';
/** A billing portal session's URL works this long. */
export const PORTAL_SESSION_SECONDS = 3_600;

const FINAL_FAILURE_KEY = '__billing_final_failure';
const BASE_URL_KEY = '__billing_base_url';
const PORTAL_CONFIGURATION = 'bpc_1AtaaSandboxPortal00000';
const INTERVALS = ['day', 'week', 'month', 'year'] as const;
/** Stripe: a recurring interval is at most one year. */
const MAX_INTERVAL_COUNT: Record<string, number> = { day: 365, week: 52, month: 12, year: 1 };
const URL_PATTERN = /^https?:\/\/[^\s]+$/i;
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+$/;

interface PaymentMethodPrivate {
  number: string;
}

interface CheckoutPrivate {
  baseUrl: string;
  lineItems: StripeObject[];
  subscriptionData: { metadata: Record<string, string>; description: string | null };
  setupIntentData: { metadata: Record<string, string>; description: string | null };
}

interface InvoicePrivate {
  paymentIntent: string | null;
}

interface PortalPrivate {
  session: string;
  customer: string;
  returnUrl: string | null;
  expiresAt: number;
}

type ChargeOutcome = { ok: true; pi: StripeObject; charge: StripeObject } | { ok: false; pi: StripeObject; charge: StripeObject | null; error: StripeApiError };

/** Adds calendar months as Stripe does: the anchor's day of month, or the month's last day when shorter. */
export function addInterval(start: number, anchor: number, interval: string, count: number): number {
  if (interval === 'day') return start + count * DAY;
  if (interval === 'week') return start + count * 7 * DAY;
  const months = interval === 'year' ? 12 * count : count;
  const from = new Date(start * 1000);
  const anchorDay = new Date(anchor * 1000).getUTCDate();
  const targetMonth = from.getUTCMonth() + months;
  const year = from.getUTCFullYear() + Math.floor(targetMonth / 12);
  const month = ((targetMonth % 12) + 12) % 12;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return Date.UTC(year, month, Math.min(anchorDay, lastDay), from.getUTCHours(), from.getUTCMinutes(), from.getUTCSeconds()) / 1000;
}

/**
 * The sandbox's billing objects: Customers and their PaymentMethods, SetupIntents, Products and
 * Prices, Subscriptions and their Invoices (renewals, failed payments and retries), off-session
 * PaymentIntents, billing portal sessions and test clocks, with the events Stripe sends for them.
 */
export class SandboxBilling implements BillingDelegate {
  constructor(private readonly engine: SandboxEngine) {
    engine.billing = this;
    engine.onScheduled('renew_subscription', (id) => this.renew(id));
    engine.onScheduled('retry_invoice', (id) => this.retryInvoice(id));
    engine.onScheduled('cancel_subscription_at', (id) => this.cancelAtDue(id));
    engine.onScheduled('run_test_clock', (id) => this.finishAdvance(id));
    engine.onScheduled('resume_collection', (id) => this.resumeCollection(id));
  }

  private get store() {
    return this.engine.store;
  }

  private get clock() {
    return this.engine.clock;
  }

  private get events() {
    return this.engine.events;
  }

  /** Where receipts of charges made without a request (renewals) point. */
  rememberBaseUrl(baseUrl: string): void {
    if (this.store.getInternal<string>(BASE_URL_KEY) !== baseUrl) this.store.setInternal(BASE_URL_KEY, baseUrl);
  }

  private get baseUrl(): string {
    return this.store.getInternal<string>(BASE_URL_KEY) ?? 'http://127.0.0.1:12111';
  }

  get finalFailure(): FinalFailure {
    return this.store.getInternal<FinalFailure>(FINAL_FAILURE_KEY) ?? 'cancel';
  }

  setFinalFailure(value: FinalFailure): void {
    this.store.setInternal(FINAL_FAILURE_KEY, value);
  }

  // ----- helpers -------------------------------------------------------------------------------

  private liveCustomer(id: string, param: string): StripeObject {
    const found = this.engine.find('customer', id, param);
    if (found.deleted === true) throw noSuch('customer', id, param);
    return found;
  }

  /** Runs work at the time of the customer's test clock, when it has one (objects made are dated on it). */
  private inClockOf<T>(customer: StripeObject | null | undefined, work: () => T): T {
    const clockId = customer?.test_clock;
    if (!clockId) return work();
    const testClock = this.store.get(clockId);
    return testClock ? this.clock.runAt(testClock.frozen_time, work) : work();
  }

  private scheduleFor(sub: StripeObject, at: number, kind: string, id: string): void {
    this.engine.schedule(at, kind, id, sub.test_clock ?? undefined);
  }

  private url(p: Params, key: string): string | null {
    const value = p.string(key, { max: 5000 });
    if (value === undefined) return null;
    if (!URL_PATTERN.test(value)) throw invalidRequest('Not a valid URL', 'url_invalid', key);
    return value;
  }

  private email(p: Params, key: string): string | null {
    const value = p.string(key, { max: 512 }) ?? null;
    if (value !== null && !EMAIL_PATTERN.test(value)) throw invalidRequest('Invalid email address: ' + value, 'email_invalid', key);
    return value;
  }

  /** Metadata on update: keys merge; '' unsets a key; metadata='' unsets all. */
  private mergedMetadata(current: Record<string, string>, p: Params): Record<string, string> | undefined {
    if (!p.has('metadata') && p.raw.metadata !== '') return undefined;
    if (p.raw.metadata === '') return {};
    const raw = p.raw.metadata as Record<string, unknown>;
    const next = { ...current, ...p.metadata() };
    for (const [k, v] of Object.entries(raw)) if (v === '') delete next[k];
    return next;
  }

  private checkAmount(total: bigint, currency: string, param: string): void {
    const problem = chargeAmountProblem(total, currency);
    if (problem === 'amount_below_minimum' || problem === 'amount_not_positive') {
      throw invalidRequest(`Amount must be at least ${formatMajorUnits(minimumChargeAmount(currency), currency)} ${currency}`, 'amount_too_small', param);
    }
    if (problem === 'amount_above_maximum') throw invalidRequest(`Amount must be no more than 99,999,999 minor units of ${currency}.`, 'amount_too_large', param);
    if (problem === 'amount_wrong_precision') throw invalidRequest(`Amounts in ${currency} must be a multiple of ${chargeAmountStep(currency)}.`, 'invalid_charge_amount', param);
  }

  // ----- customers -----------------------------------------------------------------------------

  createCustomer(p: Params, request: RequestInfo): StripeObject {
    p.allow(['email', 'name', 'description', 'metadata', 'payment_method', 'invoice_settings', 'test_clock', 'preferred_locales', 'phone', 'expand']);
    const email = this.email(p, 'email');
    const name = p.string('name', { max: 256 }) ?? null;
    const clockId = p.string('test_clock') ?? null;
    const testClock = clockId ? this.engine.find('test_helpers.test_clock', clockId, 'test_clock') : null;
    if (testClock?.deleted) throw noSuch('test_helpers.test_clock', clockId!, 'test_clock');
    if (testClock && testClock.status !== 'ready') throw invalidRequest(`The test clock ${clockId} is advancing; try again when its status is ready.`, undefined, 'test_clock');
    const invoiceSettings = p.object('invoice_settings');
    invoiceSettings?.allow(['default_payment_method']);
    const defaultPm = invoiceSettings?.string('default_payment_method') ?? null;
    const pmId = p.string('payment_method') ?? null;
    if (defaultPm && defaultPm !== pmId) {
      throw invalidRequest(`The customer does not have a payment method with the ID ${defaultPm}. The payment method must be attached to the customer.`, 'resource_missing', 'invoice_settings[default_payment_method]');
    }
    const pm = pmId ? this.resolvePaymentMethod(pmId, 'payment_method') : null;
    if (pm?.customer) throw invalidRequest(`The payment method ${pm.id} is already attached to another customer.`, undefined, 'payment_method');
    // A card that fails Stripe's check refuses the whole request: no customer is made.
    const refused = pm ? this.setupCheck(pm) : null;
    if (refused) throw refused;
    const make = () => {
      const created = shapes.customer({ id: newId(ID_PREFIX.customer), created: this.clock.now(), email, name });
      Object.assign(created, {
        description: p.string('description', { max: 350 }) ?? null, metadata: p.metadata() ?? {}, preferred_locales: p.strings('preferred_locales') ?? [],
        phone: p.string('phone', { max: 20 }) ?? null, test_clock: clockId,
      });
      this.store.put(created);
      this.events.emit('customer.created', created, { request });
      if (pm) {
        this.attach(pm, created, request);
        if (defaultPm) {
          const previous = this.store.update(created.id, { invoice_settings: { ...created.invoice_settings, default_payment_method: pm.id } });
          this.events.emit('customer.updated', created, { previous, request });
        }
      }
      return created;
    };
    return testClock ? this.clock.runAt(testClock.frozen_time, make) : make();
  }

  updateCustomer(id: string, p: Params, request: RequestInfo): StripeObject {
    p.allow(['email', 'name', 'description', 'metadata', 'invoice_settings', 'preferred_locales', 'phone', 'expand']);
    const found = this.liveCustomer(id, 'customer');
    const changes: StripeObject = {};
    if (p.has('email') || p.raw.email === '') changes.email = this.email(p, 'email');
    if (p.has('name') || p.raw.name === '') changes.name = p.string('name', { max: 256 }) ?? null;
    if (p.has('description') || p.raw.description === '') changes.description = p.string('description', { max: 350 }) ?? null;
    if (p.has('phone') || p.raw.phone === '') changes.phone = p.string('phone', { max: 20 }) ?? null;
    if (p.has('preferred_locales') || p.raw.preferred_locales === '') changes.preferred_locales = p.strings('preferred_locales') ?? [];
    const metadata = this.mergedMetadata(found.metadata, p);
    if (metadata) changes.metadata = metadata;
    const invoiceSettings = p.object('invoice_settings');
    if (invoiceSettings) {
      invoiceSettings.allow(['default_payment_method']);
      const pmId = invoiceSettings.string('default_payment_method') ?? null;
      if (pmId) this.attachedPaymentMethod(pmId, id, 'invoice_settings[default_payment_method]');
      if (invoiceSettings.has('default_payment_method') || invoiceSettings.raw.default_payment_method === '') {
        changes.invoice_settings = { ...found.invoice_settings, default_payment_method: pmId };
      }
    }
    const previous = this.store.update(id, changes);
    if (Object.keys(previous).length > 0) this.events.emit('customer.updated', found, { previous, request });
    return found;
  }

  listCustomers(): (value: StripeObject) => boolean {
    return (c) => c.deleted !== true;
  }

  customerDeleting(customerId: string, request: RequestInfo): void {
    for (const sub of this.store.all('subscription', (s) => s.customer === customerId && !['canceled', 'incomplete_expired'].includes(s.status))) {
      this.cancelNow(sub, 'cancellation_requested', request);
    }
  }

  // ----- payment methods -----------------------------------------------------------------------

  private cardNumberOf(pmId: string): string {
    return this.store.getInternal<PaymentMethodPrivate>(pmId)?.number ?? '4242424242424242';
  }

  private newPaymentMethod(number: string, details: { expMonth?: number; expYear?: number; email?: string | null; name?: string | null }): StripeObject {
    const scenario = cardScenario(number);
    const now = this.clock.now();
    const pm = bshapes.paymentMethod({
      id: newId(ID_PREFIX.paymentMethod), created: now, customer: null, email: details.email ?? null, name: details.name ?? null,
      card: {
        brand: scenario.kind === 'card' ? scenario.brand : 'visa', last4: digitsOnly(number).slice(-4), expMonth: details.expMonth ?? 12,
        expYear: details.expYear === undefined ? new Date(now * 1000).getUTCFullYear() + 1 : details.expYear < 100 ? 2000 + details.expYear : details.expYear,
        fingerprint: fingerprint(number),
      },
    });
    this.store.put(pm);
    this.store.setInternal(pm.id, { number: digitsOnly(number) } satisfies PaymentMethodPrivate);
    return pm;
  }

  /** A PaymentMethod by id; Stripe's test ids (pm_card_visa, ...) make a new one of that card. */
  private resolvePaymentMethod(id: string, param: string): StripeObject {
    const testNumber = TEST_PAYMENT_METHODS[id];
    if (testNumber) return this.newPaymentMethod(testNumber, {});
    return this.engine.find('payment_method', id, param);
  }

  private attachedPaymentMethod(id: string, customerId: string, param: string): StripeObject {
    const pm = this.store.getOf('payment_method', id);
    if (!pm || pm.customer !== customerId) {
      throw invalidRequest(`The customer does not have a payment method with the ID ${id}. The payment method must be attached to the customer.`, 'resource_missing', param);
    }
    return pm;
  }

  /** Whether Stripe's $0 check when saving a card passes (the declining test cards fail it). */
  private setupCheck(pm: StripeObject): StripeApiError | null {
    const scenario = cardScenario(this.cardNumberOf(pm.id));
    if (scenario.kind === 'card' && scenario.outcome === 'decline' && !scenario.attachable) return cardError(scenario.code, scenario.message, scenario.declineCode);
    return null;
  }

  private attach(pm: StripeObject, customer: StripeObject, request: RequestInfo): StripeObject {
    const refused = this.setupCheck(pm);
    if (refused) throw refused;
    const previous = this.store.update(pm.id, { customer: customer.id });
    this.events.emit('payment_method.attached', pm, { previous, request });
    return pm;
  }

  attachPaymentMethod(id: string, p: Params, request: RequestInfo): StripeObject {
    p.allow(['customer', 'expand']);
    const customer = this.liveCustomer(p.string('customer', { required: true }), 'customer');
    const pm = this.resolvePaymentMethod(id, 'payment_method');
    if (pm.customer === customer.id) return pm;
    if (pm.customer) throw invalidRequest(`The payment method ${id} is already attached to another customer.`, undefined, 'payment_method');
    if (this.store.getInternal<{ used?: boolean }>(`${pm.id}:used`)?.used) {
      throw invalidRequest('This PaymentMethod was previously used without being attached to a Customer or was detached from a Customer, and may not be used again.', undefined, 'payment_method');
    }
    return this.inClockOf(customer, () => this.attach(pm, customer, request));
  }

  detachPaymentMethod(id: string, p: Params, request: RequestInfo): StripeObject {
    p.allow(['expand']);
    const pm = this.engine.find('payment_method', id, 'payment_method');
    if (!pm.customer) throw invalidRequest(`The payment method ${id} is not attached to a customer.`, undefined, 'payment_method');
    const customerId = pm.customer;
    const previous = this.store.update(id, { customer: null });
    this.store.setInternal(`${pm.id}:used`, { used: true });
    const customer = this.store.get(customerId);
    if (customer?.invoice_settings?.default_payment_method === id) {
      const before = this.store.update(customerId, { invoice_settings: { ...customer.invoice_settings, default_payment_method: null } });
      this.events.emit('customer.updated', customer, { previous: before, request });
    }
    this.events.emit('payment_method.detached', pm, { previous, request });
    return pm;
  }

  // ----- products and prices -------------------------------------------------------------------

  createProduct(p: Params, request: RequestInfo): StripeObject {
    p.allow(['name', 'description', 'metadata', 'active', 'expand']);
    const created = bshapes.product({
      id: newId(ID_PREFIX.product), created: this.clock.now(), name: p.string('name', { required: true, max: 250 }),
      description: p.string('description', { max: 40_000 }) ?? null, metadata: p.metadata() ?? {}, active: p.boolean('active') ?? true,
    });
    this.store.put(created);
    this.events.emit('product.created', created, { request });
    return created;
  }

  private recurringOf(p: Params | undefined, required: boolean, param: string): bshapes.Recurring | null {
    if (!p) {
      if (required) throw invalidRequest(`Missing required param: ${param}.`, 'parameter_missing', param);
      return null;
    }
    p.allow(['interval', 'interval_count']);
    const interval = p.string('interval', { required: true, oneOf: INTERVALS }) as bshapes.Recurring['interval'];
    const count = p.integer('interval_count', { min: 1 }) ?? 1;
    if (count > MAX_INTERVAL_COUNT[interval]) {
      throw invalidRequest(`Invalid ${p.name('interval_count')}: the maximum billing interval is one year (${MAX_INTERVAL_COUNT[interval]} ${interval}s).`, undefined, p.name('interval_count'));
    }
    return { interval, interval_count: count };
  }

  private productFor(p: Params, allowData: boolean, request: RequestInfo): string {
    if (p.has('product')) {
      const id = p.string('product', { required: true });
      const found = this.engine.find('product', id, p.name('product'));
      if (!found.active) throw invalidRequest(`The product ${id} is archived (active=false); new prices cannot use it.`, 'product_inactive', p.name('product'));
      return id;
    }
    const data = allowData ? p.object('product_data') : undefined;
    if (!data) throw invalidRequest(`Missing required param: ${p.name(allowData ? 'product_data' : 'product')}.`, 'parameter_missing', p.name(allowData ? 'product_data' : 'product'));
    data.allow(['name', 'description', 'metadata', 'tax_code', 'images']);
    if (data.has('tax_code')) throw invalidRequest(`The Stripe sandbox does not model the parameter ${data.name('tax_code')} (Stripe accepts it).`, undefined, data.name('tax_code'));
    const created = bshapes.product({
      id: newId(ID_PREFIX.product), created: this.clock.now(), name: data.string('name', { required: true, max: 250 }),
      description: data.string('description', { max: 40_000 }) ?? null, metadata: data.metadata() ?? {}, active: true,
    });
    this.store.put(created);
    this.events.emit('product.created', created, { request });
    return created.id;
  }

  createPrice(p: Params, request: RequestInfo): StripeObject {
    p.allow(['currency', 'unit_amount', 'product', 'product_data', 'recurring', 'metadata', 'nickname', 'lookup_key', 'active', 'expand']);
    if (p.has('product') && p.has('product_data')) throw invalidRequest('You may only specify one of these parameters: product, product_data.', 'parameters_exclusive', 'product');
    const currency = p.currency('currency', { required: true });
    const unitAmount = p.integer('unit_amount', { required: true, min: 0, max: 99_999_999 });
    const recurring = this.recurringOf(p.object('recurring'), false, 'recurring');
    const product = this.productFor(p, true, request);
    const created = bshapes.price({
      id: newId(ID_PREFIX.price), created: this.clock.now(), currency, unitAmount, product, recurring, metadata: p.metadata() ?? {},
      nickname: p.string('nickname', { max: 250 }) ?? null, lookupKey: p.string('lookup_key', { max: 200 }) ?? null, active: p.boolean('active') ?? true,
    });
    this.store.put(created);
    this.events.emit('price.created', created, { request });
    return created;
  }

  /** `price_data` inline (subscription items, checkout line items): Stripe makes an inactive Price. */
  private inlinePrice(pd: Params, allowProductData: boolean, request: RequestInfo): StripeObject {
    pd.allow(['currency', 'unit_amount', 'product', 'product_data', 'recurring', 'tax_behavior', 'unit_amount_decimal']);
    if (pd.has('unit_amount_decimal') || pd.has('tax_behavior')) {
      const key = pd.has('unit_amount_decimal') ? 'unit_amount_decimal' : 'tax_behavior';
      throw invalidRequest(`The Stripe sandbox does not model the parameter ${pd.name(key)} (Stripe accepts it).`, undefined, pd.name(key));
    }
    const currency = pd.currency('currency', { required: true });
    const unitAmount = pd.integer('unit_amount', { required: true, min: 0, max: 99_999_999 });
    const recurring = this.recurringOf(pd.object('recurring'), true, pd.name('recurring'));
    const product = this.productFor(pd, allowProductData, request);
    const created = bshapes.price({ id: newId(ID_PREFIX.price), created: this.clock.now(), currency, unitAmount, product, recurring, metadata: {}, nickname: null, lookupKey: null, active: false });
    return this.store.put(created);
  }

  private recurringPrice(id: string, param: string): StripeObject {
    const found = this.engine.find('price', id, param);
    if (!found.active) throw invalidRequest(`The price specified is inactive. This field only accepts active prices.`, undefined, param);
    if (!found.recurring) throw invalidRequest(`The price specified is set to \`type=one_time\` but this field only accepts prices with \`type=recurring\`.`, undefined, param);
    return found;
  }

  // ----- off-session payments ------------------------------------------------------------------

  /** Pays with a saved card: a PaymentIntent (new or given), a charge, and the events Stripe sends. */
  private chargeCard(input: {
    amount: number; currency: string; customer: string | null; pm: StripeObject; description: string | null; metadata: Record<string, string>;
    /** The person is on a sandbox page (3-D Secure is taken as done); otherwise a card that asks for it fails with authentication_required. */
    present: boolean; request: RequestInfo; existing?: StripeObject | null; transferGroup?: string | null; statementDescriptor?: string | null; receiptEmail?: string | null;
  }): ChargeOutcome {
    const now = this.clock.now();
    let pi = input.existing ?? null;
    if (!pi) {
      pi = shapes.paymentIntent({
        id: newId(ID_PREFIX.paymentIntent), created: now, amount: input.amount, currency: input.currency, description: input.description, metadata: input.metadata,
        transferGroup: input.transferGroup ?? null, receiptEmail: input.receiptEmail ?? null, paymentMethodTypes: ['card'], statementDescriptor: input.statementDescriptor ?? null,
      });
      pi.customer = input.customer;
      this.store.put(pi);
      this.events.emit('payment_intent.created', pi, { request: input.request });
    }
    const number = this.cardNumberOf(input.pm.id);
    const scenario: PaymentScenario = cardScenario(number);
    const customer = input.customer ? this.store.get(input.customer) : null;
    const charge = shapes.charge({
      id: newId(ID_PREFIX.charge), created: now, amount: input.amount, currency: input.currency, description: input.description, metadata: { ...input.metadata },
      paymentIntent: pi.id, paymentMethod: input.pm.id,
      paymentMethodDetails: shapes.cardPaymentMethodDetails({
        brand: input.pm.card.brand, last4: input.pm.card.last4, expMonth: input.pm.card.exp_month, expYear: input.pm.card.exp_year, fingerprint: input.pm.card.fingerprint, funding: 'credit', country: 'US',
      }, input.amount),
      email: input.pm.billing_details.email ?? customer?.email ?? null, name: input.pm.billing_details.name ?? customer?.name ?? null, transferGroup: input.transferGroup ?? null,
      status: 'succeeded', receiptUrl: '',
    });
    charge.customer = input.customer;
    charge.receipt_url = `${this.baseUrl}/c/receipts/${charge.id}`;
    const chargePrivate: ChargePrivate = {
      method: 'card', sessionId: null, transferred: 0,
      availableImmediately: scenario.kind === 'card' && scenario.outcome === 'success' && scenario.availableImmediately === true,
    };
    const needsAuthentication = scenario.kind === 'card' && scenario.outcome === 'success' && scenario.authentication === 'always' && !input.present;
    if (needsAuthentication || (scenario.kind === 'card' && scenario.outcome === 'decline')) {
      const failure = needsAuthentication
        ? { code: 'authentication_required', declineCode: 'authentication_required', message: 'Your card was declined. This transaction requires authentication.' }
        : scenario as { code: string; declineCode: string; message: string };
      Object.assign(charge, {
        status: 'failed', paid: false, captured: false, amount_captured: 0, failure_code: failure.code, failure_message: failure.message,
        outcome: {
          advice_code: needsAuthentication ? 'try_again_later' : null, network_advice_code: null, network_decline_code: null, network_status: 'declined_by_network', reason: failure.declineCode,
          risk_level: 'normal', risk_score: 20, seller_message: 'The bank did not return any further details with this decline.', type: 'issuer_declined',
        },
      });
      this.store.put(charge);
      this.store.setInternal(charge.id, chargePrivate);
      const base = cardError(failure.code, failure.message, failure.declineCode, charge.id);
      const lastError = { ...base.body, payment_method: structuredClone(input.pm) };
      const previous = this.store.update(pi.id, { status: 'requires_payment_method', latest_charge: charge.id, payment_method: null, last_payment_error: lastError });
      this.events.emit('charge.failed', charge, { request: input.request });
      this.events.emit('payment_intent.payment_failed', pi, { previous, request: input.request });
      const error = new StripeApiError(402, { ...base.body, payment_intent: structuredClone(pi), payment_method: structuredClone(input.pm) });
      return { ok: false, pi, charge, error };
    }
    this.store.put(charge);
    this.store.setInternal(charge.id, chargePrivate);
    const previous = this.store.update(pi.id, { status: 'succeeded', amount_received: input.amount, latest_charge: charge.id, payment_method: input.pm.id, last_payment_error: null });
    this.events.emit('charge.succeeded', charge, { request: input.request });
    this.events.emit('payment_intent.succeeded', pi, { previous, request: input.request });
    return { ok: true, pi, charge };
  }

  createPaymentIntent(p: Params, request: RequestInfo): StripeObject {
    p.allow([
      'amount', 'currency', 'customer', 'payment_method', 'off_session', 'confirm', 'metadata', 'description', 'transfer_group', 'statement_descriptor',
      'statement_descriptor_suffix', 'receipt_email', 'payment_method_types', 'expand', 'error_on_requires_action',
    ]);
    const amount = p.integer('amount', { required: true, min: 1, max: 99_999_999 });
    const currency = p.currency('currency', { required: true });
    this.checkAmount(BigInt(amount), currency, 'amount');
    const confirm = p.boolean('confirm') ?? false;
    const offSession = p.boolean('off_session') ?? false;
    if (p.has('off_session') && !confirm) throw invalidRequest('You can only pass `off_session` when `confirm=true`.', undefined, 'off_session');
    for (const [index, type] of (p.strings('payment_method_types') ?? ['card']).entries()) {
      if (type !== 'card') throw invalidRequest(`The Stripe sandbox takes saved cards only for off-session payments (got ${type}).`, 'payment_method_unactivated', `payment_method_types[${index}]`);
    }
    const customer = p.has('customer') ? this.liveCustomer(p.string('customer', { required: true }), 'customer') : null;
    const pmId = p.string('payment_method') ?? null;
    if (confirm && !pmId) throw invalidRequest('You cannot confirm this PaymentIntent because it\'s missing a payment method.', 'payment_intent_unexpected_state', 'payment_method');
    const pm = pmId ? this.resolvePaymentMethod(pmId, 'payment_method') : null;
    if (pm?.customer && pm.customer !== customer?.id) {
      throw invalidRequest(`The provided PaymentMethod ${pm.id} belongs to ${customer ? 'another Customer' : 'a Customer'}; pass that Customer's id in \`customer\`.`, undefined, 'payment_method');
    }
    if (pm && !pm.customer && !TEST_PAYMENT_METHODS[pmId!] && offSession) {
      throw invalidRequest('A PaymentMethod must be attached to a Customer to be used for an off-session payment.', undefined, 'payment_method');
    }
    const description = p.string('description', { max: 1000 }) ?? null;
    const metadata = p.metadata() ?? {};
    const common = {
      amount, currency, customer: customer?.id ?? null, description, metadata, present: false, request,
      transferGroup: p.string('transfer_group') ?? null, statementDescriptor: p.string('statement_descriptor', { max: 22 }) ?? null, receiptEmail: this.email(p, 'receipt_email'),
    };
    if (!confirm) {
      const pi = shapes.paymentIntent({
        id: newId(ID_PREFIX.paymentIntent), created: this.clock.now(), amount, currency, description, metadata, transferGroup: common.transferGroup,
        receiptEmail: common.receiptEmail, paymentMethodTypes: ['card'], statementDescriptor: common.statementDescriptor,
      });
      Object.assign(pi, { customer: common.customer, payment_method: pm?.id ?? null, status: pm ? 'requires_confirmation' : 'requires_payment_method' });
      this.store.put(pi);
      this.events.emit('payment_intent.created', pi, { request });
      return pi;
    }
    const outcome = this.chargeCard({ ...common, pm: pm! });
    if (!outcome.ok) throw outcome.error;
    this.engine.attachOrDelayBalanceTransaction(outcome.charge.id, request);
    return outcome.pi;
  }

  confirmPaymentIntent(id: string, p: Params, request: RequestInfo): StripeObject {
    p.allow(['payment_method', 'off_session', 'expand']);
    const pi = this.engine.find('payment_intent', id, 'intent');
    if (!['requires_payment_method', 'requires_confirmation'].includes(pi.status)) {
      throw invalidRequest(`This PaymentIntent's status is ${pi.status}; it cannot be confirmed.`, 'payment_intent_unexpected_state', 'intent');
    }
    const pmId = p.string('payment_method') ?? pi.payment_method;
    if (!pmId) throw invalidRequest('You cannot confirm this PaymentIntent because it\'s missing a payment method.', 'payment_intent_unexpected_state', 'payment_method');
    const pm = this.resolvePaymentMethod(pmId, 'payment_method');
    if (pm.customer && pm.customer !== pi.customer) throw invalidRequest(`The provided PaymentMethod ${pm.id} belongs to another Customer.`, undefined, 'payment_method');
    const outcome = this.chargeCard({
      amount: pi.amount, currency: pi.currency, customer: pi.customer, pm, description: pi.description, metadata: pi.metadata, present: false,
      request, existing: pi, transferGroup: pi.transfer_group, statementDescriptor: pi.statement_descriptor, receiptEmail: pi.receipt_email,
    });
    if (!outcome.ok) throw outcome.error;
    this.engine.attachOrDelayBalanceTransaction(outcome.charge.id, request);
    return outcome.pi;
  }

  // ----- setup intents -------------------------------------------------------------------------

  createSetupIntent(p: Params, request: RequestInfo): StripeObject {
    p.allow(['customer', 'payment_method', 'usage', 'confirm', 'metadata', 'description', 'payment_method_types', 'expand']);
    const customer = p.has('customer') ? this.liveCustomer(p.string('customer', { required: true }), 'customer') : null;
    for (const [index, type] of (p.strings('payment_method_types') ?? ['card']).entries()) {
      if (type !== 'card') throw invalidRequest(`The Stripe sandbox saves cards only (got ${type}).`, 'payment_method_unactivated', `payment_method_types[${index}]`);
    }
    const si = bshapes.setupIntent({
      id: newId(ID_PREFIX.setupIntent), created: this.clock.now(), customer: customer?.id ?? null, description: p.string('description', { max: 1000 }) ?? null,
      metadata: p.metadata() ?? {}, usage: p.string('usage', { oneOf: ['off_session', 'on_session'] }) ?? 'off_session', paymentMethodTypes: ['card'],
    });
    const pmId = p.string('payment_method') ?? null;
    const pm = pmId ? this.resolvePaymentMethod(pmId, 'payment_method') : null;
    if (pm) {
      si.payment_method = pm.id;
      si.status = 'requires_confirmation';
    }
    this.store.put(si);
    this.events.emit('setup_intent.created', si, { request });
    if (p.boolean('confirm')) {
      if (!pm) throw invalidRequest('You cannot confirm this SetupIntent because it\'s missing a payment method.', 'setup_intent_unexpected_state', 'payment_method');
      return this.completeSetup(si, pm, request, false);
    }
    return si;
  }

  confirmSetupIntent(id: string, p: Params, request: RequestInfo): StripeObject {
    p.allow(['payment_method', 'expand']);
    const si = this.engine.find('setup_intent', id, 'intent');
    if (!['requires_payment_method', 'requires_confirmation'].includes(si.status)) {
      throw invalidRequest(`This SetupIntent's status is ${si.status}; it cannot be confirmed.`, 'setup_intent_unexpected_state', 'intent');
    }
    const pmId = p.string('payment_method') ?? si.payment_method;
    if (!pmId) throw invalidRequest('You cannot confirm this SetupIntent because it\'s missing a payment method.', 'setup_intent_unexpected_state', 'payment_method');
    return this.completeSetup(si, this.resolvePaymentMethod(pmId, 'payment_method'), request, false);
  }

  /**
   * Saves the card: the $0 check (declining cards fail: setup_intent.setup_failed and a card error),
   * 3-D Secure (through the API the card that always asks for it leaves the intent requires_action,
   * on the sandbox's pages the person is taken to have authenticated), then the PaymentMethod attached.
   */
  private completeSetup(si: StripeObject, pm: StripeObject, request: RequestInfo, authenticated: boolean): StripeObject {
    const refused = this.setupCheck(pm);
    if (refused) {
      const previous = this.store.update(si.id, { status: 'requires_payment_method', payment_method: null, last_setup_error: { ...refused.body, payment_method: structuredClone(pm) } });
      this.events.emit('setup_intent.setup_failed', si, { previous, request });
      throw new StripeApiError(402, { ...refused.body, setup_intent: structuredClone(si) });
    }
    const scenario = cardScenario(this.cardNumberOf(pm.id));
    if (!authenticated && scenario.kind === 'card' && scenario.outcome === 'success' && scenario.authentication === 'always') {
      // Stripe.js would show the challenge (the sandbox has no page for it: save such a card through Checkout).
      const previous = this.store.update(si.id, { status: 'requires_action', payment_method: pm.id, next_action: { type: 'use_stripe_sdk', use_stripe_sdk: {} } });
      this.events.emit('setup_intent.requires_action', si, { previous, request });
      return si;
    }
    if (si.customer && pm.customer !== si.customer) this.attach(pm, this.store.get(si.customer)!, request);
    const previous = this.store.update(si.id, { status: 'succeeded', payment_method: pm.id, last_setup_error: null, next_action: null });
    this.events.emit('setup_intent.succeeded', si, { previous, request });
    return si;
  }

  // ----- subscriptions -------------------------------------------------------------------------

  private subscriptionItems(p: Params, request: RequestInfo): Array<{ price: StripeObject; quantity: number; metadata: Record<string, string> }> {
    const items = p.objects('items', { required: true }) ?? [];
    if (items.length > 20) throw invalidRequest('A subscription can have at most 20 items.', undefined, 'items');
    return items.map((item) => {
      item.allow(['price', 'price_data', 'quantity', 'metadata']);
      if (item.has('price') && item.has('price_data')) throw invalidRequest('You may only specify one of these parameters: price, price_data.', 'parameters_exclusive', item.name('price'));
      const price = item.has('price')
        ? this.recurringPrice(item.string('price', { required: true }), item.name('price'))
        : item.has('price_data') ? this.inlinePrice(item.object('price_data')!, false, request) : null;
      if (!price) throw invalidRequest(`Missing required param: ${item.name('price')}.`, 'parameter_missing', item.name('price'));
      return { price, quantity: item.integer('quantity', { min: 1, max: 999_999 }) ?? 1, metadata: item.metadata() ?? {} };
    });
  }

  private checkSameCycle(prices: StripeObject[], param: string): string {
    const [first] = prices;
    for (const other of prices) {
      if (other.currency !== first.currency) throw invalidRequest('All prices on a subscription must have the same currency.', undefined, param);
      if (other.recurring.interval !== first.recurring.interval || other.recurring.interval_count !== first.recurring.interval_count) {
        throw invalidRequest('All prices on a subscription must have the same `recurring.interval` and `recurring.interval_count`.', undefined, param);
      }
    }
    return first.currency;
  }

  private paymentMethodFor(sub: StripeObject): StripeObject | null {
    const customer = this.store.get(sub.customer);
    const id = sub.default_payment_method ?? customer?.invoice_settings?.default_payment_method ?? null;
    return id ? this.store.getOf('payment_method', id) ?? null : null;
  }

  createSubscription(p: Params, request: RequestInfo): StripeObject {
    p.allow(['customer', 'items', 'default_payment_method', 'cancel_at', 'metadata', 'description', 'payment_behavior', 'off_session', 'collection_method', 'proration_behavior', 'expand']);
    const customer = this.liveCustomer(p.string('customer', { required: true }), 'customer');
    p.string('collection_method', { oneOf: ['charge_automatically'] });
    const behavior = p.string('payment_behavior', { oneOf: ['allow_incomplete', 'error_if_incomplete', 'default_incomplete'] }) ?? 'allow_incomplete';
    const pmId = p.string('default_payment_method') ?? null;
    if (pmId) this.attachedPaymentMethod(pmId, customer.id, 'default_payment_method');
    return this.inClockOf(customer, () => {
      const now = this.clock.now();
      const cancelAt = p.integer('cancel_at', { min: 0 }) ?? null;
      if (cancelAt !== null && cancelAt <= now) throw invalidRequest('`cancel_at` must be in the future.', undefined, 'cancel_at');
      const items = this.subscriptionItems(p, request);
      const currency = this.checkSameCycle(items.map((i) => i.price), 'items');
      this.checkAmount(items.reduce((sum, i) => sum + BigInt(i.price.unit_amount) * BigInt(i.quantity), 0n), currency, 'items');
      const pm = pmId ? this.store.get(pmId)! : (customer.invoice_settings?.default_payment_method ? this.store.get(customer.invoice_settings.default_payment_method) ?? null : null);
      if (!pm && behavior !== 'default_incomplete') {
        throw invalidRequest('This customer has no attached payment source or default payment method. Please consider adding a default payment method.', 'resource_missing', 'default_payment_method');
      }
      if (pm && behavior === 'error_if_incomplete') {
        // Nothing is kept when the first payment would fail: check before making anything.
        const scenario = cardScenario(this.cardNumberOf(pm.id));
        if (scenario.kind === 'card' && scenario.outcome === 'decline') throw cardError(scenario.code, scenario.message, scenario.declineCode);
        if (scenario.kind === 'card' && scenario.outcome === 'success' && scenario.authentication === 'always') {
          throw cardError('authentication_required', 'Your card was declined. This transaction requires authentication.', 'authentication_required');
        }
      }
      const sub = this.buildSubscription(customer, items, { metadata: p.metadata() ?? {}, description: p.string('description', { max: 500 }) ?? null, defaultPaymentMethod: pmId, cancelAt }, request);
      this.startSubscription(sub, behavior === 'default_incomplete' ? null : pm, request);
      return this.store.get(sub.id)!;
    });
  }

  private buildSubscription(
    customer: StripeObject, items: Array<{ price: StripeObject; quantity: number; metadata: Record<string, string> }>,
    options: { metadata: Record<string, string>; description: string | null; defaultPaymentMethod: string | null; cancelAt: number | null }, request: RequestInfo,
  ): StripeObject {
    const now = this.clock.now();
    const id = newId(ID_PREFIX.subscription);
    const first = items[0].price;
    const periodEnd = addInterval(now, now, first.recurring.interval, first.recurring.interval_count);
    const sub = bshapes.subscription({
      id, created: now, customer: customer.id, currency: first.currency, metadata: options.metadata, description: options.description,
      defaultPaymentMethod: options.defaultPaymentMethod, cancelAt: options.cancelAt, testClock: customer.test_clock ?? null,
      items: items.map((item) => bshapes.subscriptionItem({
        id: newId(ID_PREFIX.subscriptionItem), created: now, price: item.price, quantity: item.quantity, subscription: id, periodStart: now, periodEnd, metadata: item.metadata,
      })),
    });
    this.store.put(sub);
    this.events.emit('customer.subscription.created', sub, { request });
    return sub;
  }

  /** The first invoice: paid at once with the card (active), or left open (incomplete). */
  private startSubscription(sub: StripeObject, pm: StripeObject | null, request: RequestInfo): void {
    const invoice = this.createInvoice(sub, 'subscription_create', request);
    this.finalize(invoice, request);
    if (!pm) return;
    const paid = this.attemptPayment(invoice, sub, pm, false, request);
    if (paid) {
      const previous = this.store.update(sub.id, { status: 'active' });
      this.events.emit('customer.subscription.updated', sub, { previous, request });
      this.afterPaid(paid, request);
      this.scheduleNext(sub);
    }
  }

  private scheduleNext(sub: StripeObject): void {
    this.engine.unschedule('renew_subscription', sub.id);
    this.scheduleFor(sub, sub.items.data[0].current_period_end, 'renew_subscription', sub.id);
    this.engine.unschedule('cancel_subscription_at', sub.id);
    if (sub.cancel_at !== null && sub.cancel_at < sub.items.data[0].current_period_end) this.scheduleFor(sub, sub.cancel_at, 'cancel_subscription_at', sub.id);
  }

  /**
   * An invoice for the subscription's current period (its lines' period). The invoice's own
   * period_start/period_end are Stripe's: the creation moment for the first invoice, the period
   * that just ended for a renewal.
   */
  private createInvoice(sub: StripeObject, reason: 'subscription_create' | 'subscription_cycle', request: RequestInfo, ended?: { start: number; end: number }): StripeObject {
    const now = this.clock.now();
    const id = newId(ID_PREFIX.invoice);
    const { current_period_start: start, current_period_end: end } = sub.items.data[0];
    const customer = this.store.get(sub.customer)!;
    const lines = sub.items.data.map((item: StripeObject) => {
      const amount = item.price.unit_amount * item.quantity;
      const interval = item.price.recurring.interval_count === 1 ? item.price.recurring.interval : `${item.price.recurring.interval_count} ${item.price.recurring.interval}s`;
      const product = this.store.get(item.price.product);
      return bshapes.invoiceLine({
        id: newId(ID_PREFIX.invoiceLineItem), invoice: id, amount, currency: item.price.currency, quantity: item.quantity, price: item.price, subscription: sub.id,
        subscriptionItem: item.id, periodStart: start, periodEnd: end,
        description: `${item.quantity} × ${product?.name ?? 'Subscription'} (at ${formatMajorUnits(BigInt(item.price.unit_amount), item.price.currency)} ${item.price.currency.toUpperCase()} / ${interval})`,
      });
    });
    const invoice = bshapes.invoice({
      id, created: now, customer, currency: sub.currency, subscription: sub, billingReason: reason, lines, periodStart: ended?.start ?? now, periodEnd: ended?.end ?? now, baseUrl: this.baseUrl,
    });
    this.store.put(invoice);
    this.store.setInternal(id, { paymentIntent: null } satisfies InvoicePrivate);
    this.store.update(sub.id, { latest_invoice: id });
    this.events.emit('invoice.created', invoice, { request });
    return invoice;
  }

  private finalize(invoice: StripeObject, request: RequestInfo): void {
    const now = this.clock.now();
    const customer = this.store.get(invoice.customer)!;
    const sequence = customer.next_invoice_sequence ?? 1;
    this.store.update(customer.id, { next_invoice_sequence: sequence + 1 });
    const previous = this.store.update(invoice.id, {
      status: 'open', number: `${customer.invoice_prefix}-${String(sequence).padStart(4, '0')}`, effective_at: now,
      status_transitions: { ...invoice.status_transitions, finalized_at: now },
      hosted_invoice_url: `${this.baseUrl}/c/invoices/${invoice.id}`, invoice_pdf: null,
    });
    this.events.emit('invoice.finalized', invoice, { previous, request });
  }

  /** One attempt to pay an open invoice with the card; returns the charge when it succeeded. */
  private attemptPayment(invoice: StripeObject, sub: StripeObject, pm: StripeObject | null, present: boolean, request: RequestInfo): StripeObject | null {
    const now = this.clock.now();
    const privateData = this.store.getInternal<InvoicePrivate>(invoice.id) ?? { paymentIntent: null };
    const attempt = invoice.attempt_count + 1;
    if (!pm) {
      this.failed(invoice, sub, attempt, null, request);
      return null;
    }
    const existing = privateData.paymentIntent ? this.store.get(privateData.paymentIntent) ?? null : null;
    const outcome = this.chargeCard({
      amount: invoice.amount_due, currency: invoice.currency, customer: invoice.customer, pm, present, request, existing,
      description: invoice.billing_reason === 'subscription_create' ? 'Subscription creation' : 'Subscription update', metadata: {},
    });
    if (!existing) {
      this.store.setInternal(invoice.id, { paymentIntent: outcome.pi.id } satisfies InvoicePrivate);
      const payment = bshapes.invoicePayment({ id: newId(ID_PREFIX.invoicePayment), created: now, invoice: invoice.id, amount: invoice.amount_due, currency: invoice.currency, paymentIntent: outcome.pi.id });
      this.store.put(payment);
    }
    if (!outcome.ok) {
      this.failed(invoice, sub, attempt, outcome.error, request);
      return null;
    }
    const payment = this.store.all('invoice_payment', (ip) => ip.invoice === invoice.id)[0];
    this.store.update(payment.id, { status: 'paid', amount_paid: invoice.amount_due, payment: { charge: outcome.charge.id, payment_intent: outcome.pi.id, type: 'payment_intent' }, status_transitions: { canceled_at: null, paid_at: now } });
    const previous = this.store.update(invoice.id, {
      status: 'paid', amount_paid: invoice.amount_due, amount_remaining: 0, attempted: true, attempt_count: attempt, next_payment_attempt: null,
      status_transitions: { ...invoice.status_transitions, paid_at: now }, webhooks_delivered_at: now,
    });
    this.events.emit('invoice_payment.paid', payment, { request });
    this.events.emit('invoice.paid', invoice, { previous, request });
    this.events.emit('invoice.payment_succeeded', invoice, { previous, request });
    return outcome.charge;
  }

  /** The charge's balance transaction (its fee) arrives after the invoice events, as with one-time gifts. */
  private afterPaid(charge: StripeObject, request: RequestInfo): void {
    this.engine.attachOrDelayBalanceTransaction(charge.id, request);
  }

  private failed(invoice: StripeObject, sub: StripeObject, attempt: number, error: StripeApiError | null, request: RequestInfo): void {
    const now = this.clock.now();
    const renewal = invoice.billing_reason !== 'subscription_create';
    const delay = renewal ? RETRY_DELAY_DAYS[attempt - 1] : undefined;
    const next = delay !== undefined ? now + delay * DAY : null;
    const previous = this.store.update(invoice.id, { attempted: true, attempt_count: attempt, next_payment_attempt: next });
    if (error?.body.code === 'authentication_required') this.events.emit('invoice.payment_action_required', invoice, { previous, request });
    this.events.emit('invoice.payment_failed', invoice, { previous, request });
    if (!renewal) return;
    if (sub.status === 'active') {
      const before = this.store.update(sub.id, { status: 'past_due' });
      this.events.emit('customer.subscription.updated', sub, { previous: before, request });
    }
    if (next !== null) {
      this.scheduleFor(sub, next, 'retry_invoice', invoice.id);
      return;
    }
    const final = this.finalFailure;
    if (final === 'cancel') this.cancelNow(sub, 'payment_failed', request);
    else if (final === 'unpaid' && sub.status !== 'unpaid') {
      const before = this.store.update(sub.id, { status: 'unpaid' });
      this.events.emit('customer.subscription.updated', sub, { previous: before, request });
    }
  }

  private retryInvoice(invoiceId: string): void {
    const invoice = this.store.get(invoiceId);
    if (!invoice || invoice.status !== 'open') return;
    const sub = this.store.get(invoice.parent.subscription_details.subscription);
    if (!sub || ['canceled', 'incomplete_expired'].includes(sub.status)) return;
    this.payOpenInvoice(invoice, sub, AUTOMATIC);
  }

  private payOpenInvoice(invoice: StripeObject, sub: StripeObject, request: RequestInfo): void {
    const charge = this.attemptPayment(invoice, sub, this.paymentMethodFor(sub), false, request);
    if (!charge) return;
    this.engine.unschedule('retry_invoice', invoice.id);
    if (sub.status !== 'active') {
      const previous = this.store.update(sub.id, { status: 'active' });
      this.events.emit('customer.subscription.updated', sub, { previous, request });
      // An incomplete subscription whose first invoice is now paid starts renewing.
      if (previous.status === 'incomplete') this.scheduleNext(sub);
    }
    this.afterPaid(charge, request);
  }

  /** At the end of a period: cancel (cancel_at, cancel_at_period_end) or start the next period and invoice it. */
  private renew(subId: string): void {
    const sub = this.store.get(subId);
    if (!sub || ['canceled', 'incomplete', 'incomplete_expired'].includes(sub.status)) return;
    const now = this.clock.now();
    const end = sub.items.data[0].current_period_end;
    const ended = { start: sub.items.data[0].current_period_start, end };
    if (sub.cancel_at_period_end || (sub.cancel_at !== null && sub.cancel_at <= end)) {
      this.cancelNow(sub, 'cancellation_requested', AUTOMATIC);
      return;
    }
    const first = sub.items.data[0].price;
    const nextEnd = addInterval(end, sub.billing_cycle_anchor, first.recurring.interval, first.recurring.interval_count);
    const items = sub.items.data.map((item: StripeObject) => ({ ...item, current_period_start: end, current_period_end: nextEnd }));
    let pause = sub.pause_collection;
    const changes: StripeObject = { items: { ...sub.items, data: items } };
    if (pause && pause.resumes_at !== null && pause.resumes_at <= now) {
      changes.pause_collection = null;
      pause = null;
    }
    const previous = this.store.update(sub.id, changes);
    this.events.emit('customer.subscription.updated', sub, { previous });
    if (sub.status === 'unpaid') {
      // Stripe leaves an unpaid subscription's new invoices as drafts.
      this.createInvoice(sub, 'subscription_cycle', AUTOMATIC, ended);
      this.scheduleNext(sub);
      return;
    }
    const invoice = this.createInvoice(sub, 'subscription_cycle', AUTOMATIC, ended);
    if (pause) {
      if (pause.behavior === 'void') {
        const before = this.store.update(invoice.id, { status: 'void', status_transitions: { ...invoice.status_transitions, voided_at: now }, amount_remaining: 0 });
        this.events.emit('invoice.voided', invoice, { previous: before });
      } else if (pause.behavior === 'mark_uncollectible') {
        this.finalize(invoice, AUTOMATIC);
        const before = this.store.update(invoice.id, { status: 'uncollectible', status_transitions: { ...invoice.status_transitions, marked_uncollectible_at: now } });
        this.events.emit('invoice.marked_uncollectible', invoice, { previous: before });
      }
      this.scheduleNext(sub);
      return;
    }
    this.finalize(invoice, AUTOMATIC);
    this.scheduleNext(sub);
    this.payOpenInvoice(invoice, sub, AUTOMATIC);
  }

  /** At `pause_collection.resumes_at`: collection resumes (customer.subscription.updated). */
  private resumeCollection(subId: string): void {
    const sub = this.store.get(subId);
    if (!sub || sub.status === 'canceled' || !sub.pause_collection?.resumes_at || sub.pause_collection.resumes_at > this.clock.now()) return;
    const previous = this.store.update(sub.id, { pause_collection: null });
    this.events.emit('customer.subscription.updated', sub, { previous });
  }

  private cancelAtDue(subId: string): void {
    const sub = this.store.get(subId);
    if (!sub || sub.status === 'canceled' || sub.cancel_at === null || sub.cancel_at > this.clock.now()) return;
    this.cancelNow(sub, 'cancellation_requested', AUTOMATIC);
  }

  private cancelNow(sub: StripeObject, reason: 'cancellation_requested' | 'payment_failed', request: RequestInfo, details: { comment?: string | null; feedback?: string | null } = {}): StripeObject {
    const now = this.clock.now();
    this.engine.unschedule('renew_subscription', sub.id);
    this.engine.unschedule('cancel_subscription_at', sub.id);
    const previous = this.store.update(sub.id, {
      status: 'canceled', canceled_at: now, ended_at: now,
      cancellation_details: { comment: details.comment ?? null, feedback: details.feedback ?? null, feedback_option: null, reason },
    });
    this.events.emit('customer.subscription.deleted', sub, { previous, request });
    return sub;
  }

  cancelSubscription(id: string, p: Params, request: RequestInfo): StripeObject {
    p.allow(['cancellation_details', 'invoice_now', 'prorate', 'expand']);
    const sub = this.engine.find('subscription', id, 'subscription');
    if (sub.status === 'canceled') throw invalidRequest(`This subscription is already canceled (${id}).`, undefined, 'subscription');
    if (p.boolean('invoice_now') || p.boolean('prorate')) throw invalidRequest('The Stripe sandbox does not model invoice_now or prorate on cancellation (Stripe accepts them).', undefined, p.boolean('invoice_now') ? 'invoice_now' : 'prorate');
    const details = p.object('cancellation_details');
    details?.allow(['comment', 'feedback']);
    const comment = details?.string('comment', { max: 5000 }) ?? null;
    const feedback = details?.string('feedback', { oneOf: ['customer_service', 'low_quality', 'missing_features', 'other', 'switched_service', 'too_complex', 'too_expensive', 'unused'] }) ?? null;
    return this.inClockOf(this.store.get(sub.customer), () => this.cancelNow(sub, 'cancellation_requested', request, { comment, feedback }));
  }

  updateSubscription(id: string, p: Params, request: RequestInfo): StripeObject {
    p.allow(['metadata', 'cancel_at', 'cancel_at_period_end', 'pause_collection', 'default_payment_method', 'items', 'proration_behavior', 'description', 'expand', 'cancellation_details']);
    const sub = this.engine.find('subscription', id, 'subscription');
    if (sub.status === 'canceled' && Object.keys(p.raw).some((k) => !['metadata', 'cancellation_details', 'expand'].includes(k))) {
      throw invalidRequest('A canceled subscription can only update its cancellation_details and metadata.', undefined, Object.keys(p.raw).find((k) => !['metadata', 'cancellation_details', 'expand'].includes(k)));
    }
    const customer = this.store.get(sub.customer)!;
    return this.inClockOf(customer, () => {
      const now = this.clock.now();
      const changes: StripeObject = {};
      const metadata = this.mergedMetadata(sub.metadata, p);
      if (metadata) changes.metadata = metadata;
      if (p.has('description') || p.raw.description === '') changes.description = p.string('description', { max: 500 }) ?? null;
      const periodEnd = sub.items.data[0].current_period_end;
      if (p.has('cancel_at') || p.raw.cancel_at === '') {
        const at = p.integer('cancel_at', { min: 0 }) ?? null;
        if (at !== null && at <= now) throw invalidRequest('`cancel_at` must be in the future.', undefined, 'cancel_at');
        changes.cancel_at = at;
        changes.cancel_at_period_end = false;
      }
      const atPeriodEnd = p.boolean('cancel_at_period_end');
      if (atPeriodEnd !== undefined) {
        if (p.has('cancel_at')) throw invalidRequest('You may only specify one of these parameters: cancel_at, cancel_at_period_end.', 'parameters_exclusive', 'cancel_at_period_end');
        changes.cancel_at_period_end = atPeriodEnd;
        // Since the 2025 API versions, cancel_at follows cancel_at_period_end.
        changes.cancel_at = atPeriodEnd ? periodEnd : null;
        changes.canceled_at = atPeriodEnd ? now : null;
      }
      if (p.has('pause_collection') || p.raw.pause_collection === '') {
        const pause = p.object('pause_collection');
        if (!pause) changes.pause_collection = null;
        else {
          pause.allow(['behavior', 'resumes_at']);
          const behavior = pause.string('behavior', { required: true, oneOf: ['keep_as_draft', 'mark_uncollectible', 'void'] });
          const resumesAt = pause.integer('resumes_at', { min: 0 }) ?? null;
          if (resumesAt !== null && resumesAt <= now) throw invalidRequest('`resumes_at` must be in the future.', undefined, pause.name('resumes_at'));
          changes.pause_collection = { behavior, resumes_at: resumesAt };
        }
      }
      if (p.has('default_payment_method') || p.raw.default_payment_method === '') {
        const pmId = p.string('default_payment_method') ?? null;
        if (pmId) this.attachedPaymentMethod(pmId, sub.customer, 'default_payment_method');
        changes.default_payment_method = pmId;
      }
      if (p.has('items')) {
        const proration = p.string('proration_behavior', { oneOf: ['always_invoice', 'create_prorations', 'none'] });
        if (proration !== 'none') {
          throw invalidRequest('The Stripe sandbox does not model prorations: pass proration_behavior=none (the new price applies from the next period).', undefined, 'proration_behavior');
        }
        changes.items = { ...sub.items, data: this.updatedItems(sub, p, request) };
      } else if (p.has('proration_behavior')) p.string('proration_behavior', { oneOf: ['always_invoice', 'create_prorations', 'none'] });
      if (p.has('cancellation_details')) {
        const details = p.object('cancellation_details')!.allow(['comment', 'feedback']);
        changes.cancellation_details = { ...sub.cancellation_details, comment: details.string('comment', { max: 5000 }) ?? null, feedback: details.string('feedback') ?? null };
      }
      const previous = this.store.update(sub.id, changes);
      if ('cancel_at' in previous || 'cancel_at_period_end' in previous) this.scheduleNext(sub);
      if ('pause_collection' in previous) {
        this.engine.unschedule('resume_collection', sub.id);
        if (sub.pause_collection?.resumes_at) this.scheduleFor(sub, sub.pause_collection.resumes_at, 'resume_collection', sub.id);
      }
      if (Object.keys(previous).length > 0) this.events.emit('customer.subscription.updated', sub, { previous, request });
      return sub;
    });
  }

  private updatedItems(sub: StripeObject, p: Params, request: RequestInfo): StripeObject[] {
    const current: StripeObject[] = structuredClone(sub.items.data);
    const { current_period_start: start, current_period_end: end } = current[0];
    for (const item of p.objects('items') ?? []) {
      item.allow(['id', 'price', 'price_data', 'quantity', 'metadata', 'deleted']);
      const itemId = item.string('id');
      const index = itemId ? current.findIndex((i) => i.id === itemId) : -1;
      if (itemId && index < 0) throw invalidRequest(`Invalid ${item.name('id')}: no item ${itemId} on subscription ${sub.id}.`, 'resource_missing', item.name('id'));
      if (item.boolean('deleted')) {
        if (index < 0) throw invalidRequest(`Missing required param: ${item.name('id')}.`, 'parameter_missing', item.name('id'));
        current.splice(index, 1);
        continue;
      }
      if (item.has('price') && item.has('price_data')) throw invalidRequest('You may only specify one of these parameters: price, price_data.', 'parameters_exclusive', item.name('price'));
      const price = item.has('price') ? this.recurringPrice(item.string('price')!, item.name('price')) : item.has('price_data') ? this.inlinePrice(item.object('price_data')!, false, request) : null;
      const quantity = item.integer('quantity', { min: 1, max: 999_999 });
      const metadata = item.metadata();
      if (index >= 0) {
        const target = current[index];
        if (price) {
          target.price = structuredClone(price);
          target.plan = bshapes.planOf(price);
        }
        if (quantity !== undefined) target.quantity = quantity;
        if (metadata) target.metadata = { ...target.metadata, ...metadata };
      } else {
        if (!price) throw invalidRequest(`Missing required param: ${item.name('price')}.`, 'parameter_missing', item.name('price'));
        current.push(bshapes.subscriptionItem({ id: newId(ID_PREFIX.subscriptionItem), created: this.clock.now(), price, quantity: quantity ?? 1, subscription: sub.id, periodStart: start, periodEnd: end, metadata: metadata ?? {} }));
      }
    }
    if (current.length === 0) throw invalidRequest('A subscription must keep at least one item.', undefined, 'items');
    this.checkSameCycle(current.map((i) => i.price), 'items');
    if (current[0].price.currency !== sub.currency) throw invalidRequest(`The subscription's currency is ${sub.currency}; its prices cannot change currency.`, undefined, 'items');
    this.checkAmount(current.reduce((sum, i) => sum + BigInt(i.price.unit_amount) * BigInt(i.quantity), 0n), sub.currency, 'items');
    return current;
  }

  // ----- checkout in subscription and setup mode -----------------------------------------------

  createCheckoutSession(p: Params, baseUrl: string, mode: 'setup' | 'subscription'): StripeObject {
    this.rememberBaseUrl(baseUrl);
    p.allow([
      'mode', 'line_items', 'success_url', 'cancel_url', 'customer', 'customer_email', 'client_reference_id', 'metadata', 'expires_at', 'payment_method_types', 'locale', 'ui_mode',
      'billing_address_collection', 'expand', ...(mode === 'subscription' ? ['subscription_data'] : ['setup_intent_data', 'currency', 'customer_creation']),
    ]);
    p.string('ui_mode', { oneOf: ['hosted', 'hosted_page'] });
    const now = this.clock.now();
    const successUrl = this.url(p, 'success_url');
    const cancelUrl = this.url(p, 'cancel_url');
    if (p.has('customer') && p.has('customer_email')) throw invalidRequest('You may only specify one of these parameters: customer, customer_email.', 'parameters_exclusive', 'customer_email');
    const customer = p.has('customer') ? this.liveCustomer(p.string('customer', { required: true }), 'customer') : null;
    const email = this.email(p, 'customer_email');
    for (const [index, type] of (p.strings('payment_method_types') ?? []).entries()) {
      if (type !== 'card') throw invalidRequest(`The payment method type "${type}" is not supported by the sandbox in ${mode} mode (card).`, 'payment_method_unactivated', `payment_method_types[${index}]`);
    }
    const lineItems: StripeObject[] = [];
    let currency: string | null = null;
    let total: number | null = null;
    const subscriptionData = { metadata: {} as Record<string, string>, description: null as string | null };
    const setupIntentData = { metadata: {} as Record<string, string>, description: null as string | null };
    if (mode === 'subscription') {
      const items = p.objects('line_items', { required: true }) ?? [];
      if (items.length > 20) throw invalidRequest('A subscription Checkout Session can have at most 20 line items.', undefined, 'line_items');
      const prices = items.map((item) => {
        item.allow(['price', 'price_data', 'quantity']);
        if (item.has('price') && item.has('price_data')) throw invalidRequest('You may only specify one of these parameters: price, price_data.', 'parameters_exclusive', item.name('price'));
        const found = item.has('price') ? this.recurringPrice(item.string('price')!, item.name('price')) : item.has('price_data') ? this.inlinePrice(item.object('price_data')!, true, AUTOMATIC) : null;
        if (!found) throw invalidRequest(`Missing required param: ${item.name('price')}.`, 'parameter_missing', item.name('price'));
        return { price: found, quantity: item.integer('quantity', { required: true, min: 1, max: 999_999 }) };
      });
      currency = this.checkSameCycle(prices.map((x) => x.price), 'line_items');
      const sum = prices.reduce((acc, x) => acc + BigInt(x.price.unit_amount) * BigInt(x.quantity), 0n);
      this.checkAmount(sum, currency, 'line_items');
      total = Number(sum);
      for (const { price, quantity } of prices) {
        const product = this.store.get(price.product);
        lineItems.push({
          id: newId(ID_PREFIX.lineItem), object: 'item', amount_discount: 0, amount_subtotal: price.unit_amount * quantity, amount_tax: 0, amount_total: price.unit_amount * quantity,
          currency, description: product?.name ?? null, price: structuredClone(price), quantity,
        });
      }
      const data = p.object('subscription_data');
      data?.allow(['metadata', 'description']);
      subscriptionData.metadata = data?.metadata() ?? {};
      subscriptionData.description = data?.string('description', { max: 500 }) ?? null;
    } else {
      if (p.has('line_items')) throw invalidRequest('You cannot pass `line_items` in `setup` mode.', undefined, 'line_items');
      currency = p.currency('currency') ?? null;
      if (!currency && !p.has('payment_method_types')) throw invalidRequest('Missing required param: currency. It is required in setup mode when payment_method_types is not set.', 'parameter_missing', 'currency');
      const data = p.object('setup_intent_data');
      data?.allow(['metadata', 'description']);
      setupIntentData.metadata = data?.metadata() ?? {};
      setupIntentData.description = data?.string('description', { max: 1000 }) ?? null;
    }
    const expiresAt = p.integer('expires_at') ?? now + DAY;
    if (expiresAt < now + 1800) throw invalidRequest('The `expires_at` timestamp must be at least 30 minutes from Checkout Session creation.', 'parameter_invalid_integer', 'expires_at');
    if (expiresAt > now + DAY) throw invalidRequest('The `expires_at` timestamp must be less than 24 hours from Checkout Session creation.', 'parameter_invalid_integer', 'expires_at');
    const customerCreation = (p.string('customer_creation', { oneOf: ['always', 'if_required'] }) ?? null) as 'always' | 'if_required' | null;
    const id = newId(ID_PREFIX.checkoutSession);
    const session = shapes.checkoutSession({
      id, created: now, expiresAt, currency: currency ?? '', amountTotal: total ?? 0, successUrl, cancelUrl, customerEmail: email ?? customer?.email ?? null,
      clientReferenceId: p.string('client_reference_id', { max: 200 }) ?? null, metadata: p.metadata() ?? {}, locale: p.string('locale') ?? null,
      paymentMethodTypes: ['card'], submitType: null, url: `${baseUrl}/c/pay/${id}`, allowedPaymentMethodTypes: null, excludedPaymentMethodTypes: [],
      customerCreation: mode === 'setup' ? customerCreation ?? 'if_required' : null, mode,
    });
    Object.assign(session, {
      currency, customer: customer?.id ?? null, customer_email: email,
      amount_total: total, amount_subtotal: total, payment_method_collection: mode === 'subscription' ? 'always' : 'always',
      payment_status: mode === 'setup' ? 'no_payment_required' : 'unpaid', customer_creation: mode === 'setup' ? customerCreation ?? 'if_required' : null,
      total_details: mode === 'subscription' ? session.total_details : null, invoice_creation: null,
    });
    this.store.put(session);
    this.store.setInternal(id, { baseUrl, lineItems, subscriptionData, setupIntentData } satisfies CheckoutPrivate);
    this.engine.schedule(expiresAt, 'expire_session', id);
    return session;
  }

  paySession(session: StripeObject, input: PaymentInput, request: RequestInfo): PaymentResult {
    if (input.method !== 'card') return { ok: false, session, error: invalidRequest('This Checkout Session does not accept bank debits.', 'payment_method_unactivated', 'payment_method_types') };
    let scenario: PaymentScenario;
    try {
      scenario = this.engine.scenarioFor(input);
    } catch (error) {
      if (error instanceof StripeApiError) return { ok: false, error, session };
      throw error;
    }
    // Checkout checks the card before anything is made: a declined card leaves no customer or subscription.
    if (scenario.kind === 'card' && scenario.outcome === 'decline' && (session.mode === 'subscription' || !scenario.attachable)) {
      return { ok: false, session, error: cardError(scenario.code, scenario.message, scenario.declineCode) };
    }
    const privateData = this.store.getInternal<CheckoutPrivate>(session.id)!;
    this.rememberBaseUrl(privateData.baseUrl);
    const existing = session.customer ? this.store.get(session.customer) : null;
    const email = input.email || session.customer_email || existing?.email || null;
    const name = input.name || null;
    return this.inClockOf(existing, () => {
      const wantsCustomer = session.mode === 'subscription' || existing || session.customer_creation === 'always';
      const customer = existing ?? (wantsCustomer ? this.engine.createCustomer(email, name, request) : null);
      const pm = this.newPaymentMethod(input.number, { expMonth: input.expMonth, expYear: input.expYear, email, name });
      const completed: StripeObject = { status: 'complete', url: null, customer_details: shapes.customerDetails(email, name), customer: customer?.id ?? null };
      if (session.mode === 'setup') {
        const si = bshapes.setupIntent({
          id: newId(ID_PREFIX.setupIntent), created: this.clock.now(), customer: customer?.id ?? null, description: privateData.setupIntentData.description,
          metadata: privateData.setupIntentData.metadata, usage: 'off_session', paymentMethodTypes: ['card'],
        });
        this.store.put(si);
        this.events.emit('setup_intent.created', si, { request });
        this.completeSetup(si, pm, request, true);
        this.store.update(session.id, { ...completed, setup_intent: si.id });
        this.events.emit('checkout.session.completed', session, { request });
        return { ok: true, session };
      }
      this.attach(pm, customer!, request);
      const sub = this.buildSubscription(customer!, privateData.lineItems.map((li) => ({ price: li.price, quantity: li.quantity, metadata: {} })), {
        metadata: privateData.subscriptionData.metadata, description: privateData.subscriptionData.description, defaultPaymentMethod: pm.id, cancelAt: null,
      }, request);
      // On the page the person is present: a card that asks for 3-D Secure is authenticated there.
      const invoice = this.createInvoice(sub, 'subscription_create', request);
      this.finalize(invoice, request);
      const charge = this.attemptPayment(invoice, sub, pm, true, request);
      if (!charge) return { ok: false, session, error: cardError('card_declined', 'Your card was declined.', 'generic_decline') };
      const previous = this.store.update(sub.id, { status: 'active' });
      this.events.emit('customer.subscription.updated', sub, { previous, request });
      this.scheduleNext(sub);
      this.store.update(session.id, { ...completed, payment_status: 'paid', subscription: sub.id, invoice: invoice.id });
      this.events.emit('checkout.session.completed', session, { request });
      this.afterPaid(charge, request);
      return { ok: true, session };
    });
  }

  // ----- billing portal ------------------------------------------------------------------------

  createPortalSession(p: Params, baseUrl: string): StripeObject {
    this.rememberBaseUrl(baseUrl);
    p.allow(['customer', 'return_url', 'locale', 'expand']);
    const customer = this.liveCustomer(p.string('customer', { required: true }), 'customer');
    const returnUrl = this.url(p, 'return_url');
    const token = randomBase62(32);
    const now = this.clock.now();
    const session = bshapes.billingPortalSession({
      id: newId(ID_PREFIX.billingPortalSession), created: now, customer: customer.id, returnUrl, locale: p.string('locale') ?? null,
      url: `${baseUrl}/p/session/${token}`, configuration: PORTAL_CONFIGURATION,
    });
    this.store.put(session);
    this.store.setInternal(`portal:${token}`, { session: session.id, customer: customer.id, returnUrl, expiresAt: now + PORTAL_SESSION_SECONDS } satisfies PortalPrivate);
    return session;
  }

  portal(token: string): (PortalPrivate & { expired: boolean }) | null {
    const found = this.store.getInternal<PortalPrivate>(`portal:${token}`);
    if (!found) return null;
    const customer = this.store.get(found.customer);
    return { ...found, expired: found.expiresAt < this.clock.now() || !customer || customer.deleted === true };
  }

  /** The portal's "Cancel": at the end of the period, as Stripe's default portal configuration does. */
  portalCancel(customerId: string, subId: string): StripeObject {
    const sub = this.store.getOf('subscription', subId);
    if (!sub || sub.customer !== customerId) throw noSuch('subscription', subId, 'subscription');
    if (sub.status === 'canceled') return sub;
    return this.updateSubscription(subId, Params.of({ cancel_at_period_end: 'true' }), AUTOMATIC);
  }

  /** The portal's "Update card": the new card becomes the default, and open invoices are tried again with it. */
  portalUpdateCard(customerId: string, input: Extract<PaymentInput, { method: 'card' }>): StripeApiError | null {
    const customer = this.liveCustomer(customerId, 'customer');
    let scenario: PaymentScenario;
    try {
      scenario = this.engine.scenarioFor(input);
    } catch (error) {
      if (error instanceof StripeApiError) return error;
      throw error;
    }
    if (scenario.kind === 'card' && scenario.outcome === 'decline' && !scenario.attachable) return cardError(scenario.code, scenario.message, scenario.declineCode);
    this.inClockOf(customer, () => {
      const pm = this.newPaymentMethod(input.number, { expMonth: input.expMonth, expYear: input.expYear, email: customer.email, name: input.name || customer.name });
      this.attach(pm, customer, AUTOMATIC);
      const previous = this.store.update(customer.id, { invoice_settings: { ...customer.invoice_settings, default_payment_method: pm.id } });
      this.events.emit('customer.updated', customer, { previous });
      for (const sub of this.store.all('subscription', (s) => s.customer === customer.id && !['canceled', 'incomplete_expired'].includes(s.status))) {
        const before = this.store.update(sub.id, { default_payment_method: pm.id });
        this.events.emit('customer.subscription.updated', sub, { previous: before });
        for (const invoice of this.store.all('invoice', (i) => i.parent?.subscription_details?.subscription === sub.id && i.status === 'open' && i.attempt_count > 0)) {
          this.payOpenInvoice(invoice, sub, AUTOMATIC);
        }
      }
    });
    return null;
  }

  // ----- test clocks ---------------------------------------------------------------------------

  createTestClock(p: Params, request: RequestInfo): StripeObject {
    p.allow(['frozen_time', 'name', 'expand']);
    const created = bshapes.testClock({ id: newId(ID_PREFIX.testClock), created: this.clock.now(), frozenTime: p.integer('frozen_time', { required: true, min: 0 }), name: p.string('name', { max: 300 }) ?? null });
    this.store.put(created);
    this.events.emit('test_helpers.test_clock.created', created, { request });
    return created;
  }

  advanceTestClock(id: string, p: Params, request: RequestInfo): StripeObject {
    p.allow(['frozen_time', 'expand']);
    const found = this.engine.find('test_helpers.test_clock', id, 'test_clock');
    if (found.deleted) throw noSuch('test_helpers.test_clock', id, 'test_clock');
    const target = p.integer('frozen_time', { required: true, min: 0 });
    if (found.status !== 'ready') throw invalidRequest(`The test clock ${id} is already advancing; wait until its status is ready.`, undefined, 'test_clock');
    if (target <= found.frozen_time) throw invalidRequest('The test clock can only move forward: frozen_time must be after the current frozen_time.', undefined, 'frozen_time');
    // Stripe: at most two intervals of the shortest subscription on the clock in one advance.
    const customers = new Set(this.store.all('customer', (c) => c.test_clock === id).map((c) => c.id));
    let limit: number | null = null;
    for (const sub of this.store.all('subscription', (s) => customers.has(s.customer) && !['canceled', 'incomplete_expired'].includes(s.status))) {
      const price = sub.items.data[0].price;
      const twoIntervals = addInterval(found.frozen_time, found.frozen_time, price.recurring.interval, price.recurring.interval_count * 2);
      limit = limit === null ? twoIntervals : Math.min(limit, twoIntervals);
    }
    if (limit !== null && target > limit) {
      throw invalidRequest(`Cannot advance the test clock more than two intervals of its shortest subscription at once (to ${limit} at most).`, undefined, 'frozen_time');
    }
    const previous = this.store.update(id, { status: 'advancing', status_details: { advancing: { target_frozen_time: target } } });
    this.events.emit('test_helpers.test_clock.advancing', found, { previous, request });
    // The work runs on the sandbox's next tick (the next request): Stripe advances asynchronously.
    this.engine.schedule(this.clock.now(), 'run_test_clock', id);
    return found;
  }

  private finishAdvance(id: string): void {
    const found = this.store.get(id);
    if (!found || found.status !== 'advancing' || found.deleted) return;
    const target = found.status_details.advancing.target_frozen_time;
    this.engine.runClockSchedule(id, target);
    const previous = this.store.update(id, { frozen_time: target, status: 'ready', status_details: {} });
    this.clock.runAt(target, () => this.events.emit('test_helpers.test_clock.ready', found, { previous }));
  }

  deleteTestClock(id: string, p: Params, request: RequestInfo): StripeObject {
    p.allow([]);
    const found = this.engine.find('test_helpers.test_clock', id, 'test_clock');
    if (found.deleted) throw noSuch('test_helpers.test_clock', id, 'test_clock');
    for (const customer of this.store.all('customer', (c) => c.test_clock === id && c.deleted !== true)) this.engine.deleteCustomer(customer.id, request);
    const stub = { id, object: 'test_helpers.test_clock', deleted: true };
    this.events.emit('test_helpers.test_clock.deleted', found, { request });
    this.store.put({ ...stub, created: found.created, frozen_time: found.frozen_time, status: 'deleted' });
    return stub;
  }
}
