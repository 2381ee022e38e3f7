import { chargeAmountProblem, chargeAmountStep, formatMajorUnits, minimumChargeAmount } from '@ataa/common';
import { SandboxClock } from './clock.js';
import { AUTOMATIC, EventBus, RequestInfo } from './event-bus.js';
import { bankDebitFee, cardFee, disputeFee, feeDetails } from './fees.js';
import { settle } from './fx.js';
import { ID_PREFIX, newId, randomBase62 } from './ids.js';
import { Params } from './params.js';
import * as shapes from './shapes.js';
import { StateStore, StripeObject } from './state-store.js';
import { invalidRequest, noSuch, StripeApiError } from './stripe-error.js';
import { bankScenario, cardScenario, digitsOnly, fingerprint, PaymentScenario } from './test-cards.js';

export const DAY = 86_400;
/** Card funds become available at 00:00 UTC two days after the charge (Stripe's default US schedule). */
export const SETTLEMENT_DELAY_DAYS = 2;
/** Bank debits stay `processing` for a day, then succeed or fail. */
export const ASYNC_SETTLEMENT_SECONDS = DAY;
/** Refunds of bank debits stay `pending` for a day. */
export const BANK_REFUND_SECONDS = DAY;
/** The "disputed later" card (4000 0000 0000 0259) is disputed this long after the payment. */
export const DELAYED_DISPUTE_SECONDS = 60;
/** Disputes must be answered within a week. */
const DISPUTE_RESPONSE_SECONDS = 7 * DAY;
const SESSION_MIN_LIFETIME = 30 * 60;
const SESSION_MAX_LIFETIME = DAY;

interface SessionPrivate {
  baseUrl: string;
  lineItems: StripeObject[];
  paymentIntentData: { metadata: Record<string, string>; transferGroup: string | null; description: string | null; receiptEmail: string | null; statementDescriptor: string | null };
}

export interface ChargePrivate {
  method: 'card' | 'bank_debit';
  sessionId: string | null;
  availableImmediately: boolean;
  willSucceed?: boolean;
  transferred: number;
}

interface LinkPrivate {
  account: string;
  refreshUrl: string;
  returnUrl: string;
  expiresAt: number;
  type: string;
}

type ScheduledKind = 'settle_charge' | 'dispute_charge' | 'settle_refund' | 'expire_session' | 'balance_available' | 'attach_balance_transaction';
interface Scheduled {
  at: number;
  kind: ScheduledKind | string;
  id: string;
  /** A test clock's id: the item runs when that clock is advanced past `at`, not on the sandbox's clock. */
  clock?: string;
}

/** What the billing objects (billing.ts) add to the engine: checkout in subscription and setup mode. */
export interface BillingDelegate {
  createCheckoutSession(p: Params, baseUrl: string, mode: 'setup' | 'subscription'): StripeObject;
  paySession(session: StripeObject, input: PaymentInput, request: RequestInfo): PaymentResult;
  /** Before a Customer is deleted: Stripe cancels its subscriptions at once. */
  customerDeleting(customerId: string, request: RequestInfo): void;
}

export type PaymentInput =
  | { method: 'card'; number: string; expMonth?: number; expYear?: number; cvc?: string; email?: string; name?: string }
  | { method: 'bank_debit'; accountNumber: string; routingNumber?: string; email?: string; name?: string };

export type PaymentResult = { ok: true; session: StripeObject } | { ok: false; error: StripeApiError; session: StripeObject };

export interface TransferFailure {
  status: number;
  type: 'api_error' | 'invalid_request_error';
  code: string;
  message: string;
}

const SCHEDULE_KEY = '__schedule';
const SETTLEMENT_CURRENCY_KEY = '__settlement_currency';
const URL_PATTERN = /^https?:\/\/[^\s]+$/i;
const SUPPORTED_METHODS = ['card', 'us_bank_account'];
const PLATFORM_ACCOUNT_ID = 'acct_1AtaaSandboxPlat';

/**
 * The sandbox's behaviour: Stripe's resources, their state machines, the money they move and the
 * events they emit. No HTTP here; the server and the control API call these methods.
 */
export class SandboxEngine {
  private transferFailure: TransferFailure | null = null;
  private transferReversalFailure: TransferFailure | null = null;
  /** Control API: the next charge's balance transaction (its fee) comes this many seconds late. */
  private balanceTransactionDelay: number | null = null;
  /** Work scheduled by other parts (billing: renewals, invoice retries), by kind. */
  private readonly scheduledHandlers = new Map<string, (id: string) => void>();
  /** Set by the billing part (checkout in subscription and setup mode). */
  billing: BillingDelegate | null = null;

  constructor(
    readonly store: StateStore,
    readonly clock: SandboxClock,
    readonly events: EventBus,
  ) {}

  // ----- settlement currency -------------------------------------------------------------------

  /**
   * The platform account's settlement currency: balance transactions of charges, refunds and
   * disputes in another currency are converted to it at the sandbox's fixed test rates (fx.ts), with
   * `exchange_rate` set, as Stripe does. Null (the default): every currency is kept as charged.
   */
  get settlementCurrency(): string | null {
    return this.store.getInternal<string | null>(SETTLEMENT_CURRENCY_KEY) ?? null;
  }

  setSettlementCurrency(currency: string | null): void {
    if (currency !== null && !/^[a-z]{3}$/.test(currency)) throw invalidRequest(`Invalid currency: ${currency}`, undefined, 'currency');
    this.store.setInternal(SETTLEMENT_CURRENCY_KEY, currency);
  }

  // ----- lookups -------------------------------------------------------------------------------

  find(type: string, id: string, param = 'id'): StripeObject {
    const value = typeof id === 'string' ? this.store.getOf(type, id) : undefined;
    if (!value) throw noSuch(type, String(id), param);
    return value;
  }

  schedule(at: number, kind: ScheduledKind | string, id: string, clock?: string): void {
    const list = this.store.getInternal<Scheduled[]>(SCHEDULE_KEY) ?? [];
    list.push({ at, kind, id, ...(clock ? { clock } : {}) });
    this.store.setInternal(SCHEDULE_KEY, list);
  }

  /** Registers what runs when an item of `kind` (scheduled by another part) becomes due. */
  onScheduled(kind: string, handler: (id: string) => void): void {
    this.scheduledHandlers.set(kind, handler);
  }

  /** Drops scheduled items of a kind for an object (a subscription canceled: no renewal). */
  unschedule(kind: string, id: string): void {
    const list = this.store.getInternal<Scheduled[]>(SCHEDULE_KEY) ?? [];
    this.store.setInternal(SCHEDULE_KEY, list.filter((s) => !(s.kind === kind && s.id === id)));
  }

  /** The earliest scheduled time of a kind for an object, if any. */
  scheduledAt(kind: string, id: string): number | null {
    const found = (this.store.getInternal<Scheduled[]>(SCHEDULE_KEY) ?? []).filter((s) => s.kind === kind && s.id === id).map((s) => s.at);
    return found.length > 0 ? Math.min(...found) : null;
  }

  /**
   * Advances a test clock: runs, in time order and each at its own moment (clock.runAt), the work
   * scheduled on that clock up to `until`, including work that this work schedules (the next renewal).
   */
  runClockSchedule(clock: string, until: number): number {
    let ran = 0;
    for (;;) {
      const list = this.store.getInternal<Scheduled[]>(SCHEDULE_KEY) ?? [];
      const due = list.filter((s) => s.clock === clock && s.at <= until).sort((a, b) => a.at - b.at);
      if (due.length === 0) return ran;
      const item = due[0];
      this.store.setInternal(SCHEDULE_KEY, list.filter((s) => s !== item));
      this.clock.runAt(item.at, () => this.scheduledHandlers.get(item.kind)?.(item.id));
      ran += 1;
      if (ran > 10_000) throw new Error('test clock: too much scheduled work');
    }
  }

  /**
   * Runs whatever became due at the sandbox's current time: session expiry, bank debit settlement,
   * delayed disputes, pending refunds, funds becoming available. Called before every request and
   * after the clock moves.
   */
  tick(): number {
    const now = this.clock.now();
    const list = this.store.getInternal<Scheduled[]>(SCHEDULE_KEY) ?? [];
    const due = list.filter((s) => s.at <= now && !s.clock).sort((a, b) => a.at - b.at);
    if (due.length === 0) return 0;
    this.store.setInternal(SCHEDULE_KEY, list.filter((s) => !due.includes(s)));
    let becameAvailable = false;
    for (const item of due) {
      switch (item.kind) {
        case 'expire_session': {
          const session = this.store.get(item.id);
          if (session?.status === 'open') this.expireSession(item.id, AUTOMATIC);
          break;
        }
        case 'settle_charge':
          this.settleBankDebit(item.id);
          break;
        case 'dispute_charge': {
          const charge = this.store.get(item.id);
          if (charge && !charge.disputed && charge.amount_refunded < charge.amount) this.openDispute(item.id, { reason: 'fraudulent' });
          break;
        }
        case 'settle_refund':
          this.settleRefund(item.id);
          break;
        case 'attach_balance_transaction': {
          const charge = this.store.get(item.id);
          if (charge?.status === 'succeeded' && !charge.balance_transaction) this.attachChargeBalanceTransaction(item.id, AUTOMATIC);
          break;
        }
        case 'balance_available': {
          const txn = this.store.get(item.id);
          if (txn?.status === 'pending') {
            this.store.update(item.id, { status: 'available' });
            becameAvailable = true;
          }
          break;
        }
        default: {
          // Billing work (renewals, retries) runs at the moment it was due, as Stripe dates it.
          const handler = this.scheduledHandlers.get(item.kind);
          if (handler) this.clock.runAt(item.at, () => handler(item.id));
        }
      }
    }
    if (becameAvailable) this.events.emit('balance.available', this.balance());
    return due.length;
  }

  advanceClock(seconds: number): number {
    this.clock.advance(seconds);
    this.store.clockOffset = this.clock.offset;
    this.store.markDirty();
    // Work that schedules more work already due (a renewal after a renewal) runs until none is left.
    for (let rounds = 0; this.tick() > 0 && rounds < 10_000; rounds += 1);
    return this.clock.now();
  }

  /**
   * Sets the clock back (test mode, for demos that want history: `npm start`'s seed makes its gifts
   * weeks apart, then moves the clock forward to now). Refused when anything stored was created
   * after `at`: objects' timestamps stay in the order they were made, and nothing scheduled for an
   * existing object moves into the past.
   */
  rewindClock(at: number): number {
    const newest = this.store.newestCreated();
    if (at > this.clock.now()) throw invalidRequest('The clock is only set back; use /_sandbox/clock/advance to move it forward.', 'parameter_invalid_integer', 'to');
    if (newest !== null && at < newest) {
      throw invalidRequest(`The clock cannot be set before ${newest}: objects were created then.`, 'parameter_invalid_integer', 'to');
    }
    this.clock.setBack(at);
    this.store.clockOffset = this.clock.offset;
    this.store.markDirty();
    return this.clock.now();
  }

  // ----- checkout sessions ---------------------------------------------------------------------

  createCheckoutSession(p: Params, baseUrl: string): StripeObject {
    const mode = p.string('mode', { required: true, oneOf: ['payment', 'setup', 'subscription'] });
    if (mode !== 'payment') {
      if (!this.billing) throw invalidRequest(`The sandbox supports mode=payment only (got ${mode}).`, undefined, 'mode');
      return this.billing.createCheckoutSession(p, baseUrl, mode as 'setup' | 'subscription');
    }
    p.allow([
      'mode', 'line_items', 'success_url', 'cancel_url', 'customer_email', 'client_reference_id', 'metadata', 'payment_intent_data',
      'expires_at', 'payment_method_types', 'allowed_payment_method_types', 'excluded_payment_method_types', 'locale', 'submit_type', 'ui_mode', 'billing_address_collection', 'customer_creation', 'expand',
    ]);
    // Hosted pages only ('hosted_page' since the 2026 API versions, 'hosted' before).
    p.string('ui_mode', { oneOf: ['hosted', 'hosted_page'] });
    const now = this.clock.now();
    const successUrl = this.url(p, 'success_url');
    const cancelUrl = this.url(p, 'cancel_url');
    const items = p.objects('line_items', { required: true }) ?? [];
    if (items.length > 100) throw invalidRequest('A Checkout Session can have at most 100 line items.', undefined, 'line_items');
    let currency: string | null = null;
    let total = 0n;
    const lineItems: StripeObject[] = [];
    for (const item of items) {
      item.allow(['price_data', 'quantity', 'price', 'adjustable_quantity']);
      if (item.has('price')) throw noSuch('price', String(item.raw.price), item.name('price'));
      const priceData = item.object('price_data', { required: true })!;
      priceData.allow(['currency', 'unit_amount', 'unit_amount_decimal', 'product_data', 'product', 'tax_behavior']);
      const itemCurrency = priceData.currency('currency', { required: true });
      if (currency && itemCurrency !== currency) {
        throw invalidRequest('All line items must use the same currency.', undefined, priceData.name('currency'));
      }
      currency = itemCurrency;
      if (!priceData.has('unit_amount')) throw invalidRequest(`Missing required param: ${priceData.name('unit_amount')}.`, 'parameter_missing', priceData.name('unit_amount'));
      const unitAmount = priceData.integer('unit_amount', { required: true, min: 0, max: 99_999_999 });
      if (priceData.has('product')) throw noSuch('product', String(priceData.raw.product), priceData.name('product'));
      const product = priceData.object('product_data', { required: true })!;
      product.allow(['name', 'description', 'images', 'metadata', 'tax_code']);
      const name = product.string('name', { required: true, max: 250 });
      const description = product.string('description', { max: 500 }) ?? null;
      const quantity = item.integer('quantity', { required: true, min: 1, max: 999_999 });
      const amount = BigInt(unitAmount) * BigInt(quantity);
      total += amount;
      lineItems.push(this.lineItem(itemCurrency, unitAmount, quantity, name, description, product.metadata() ?? {}, now));
    }
    const checked = currency!;
    const problem = chargeAmountProblem(total, checked);
    if (problem === 'amount_below_minimum' || problem === 'amount_not_positive') {
      throw invalidRequest(`The Checkout Session's total amount due must add up to at least ${this.minimumText(checked)}`, 'amount_too_small', 'line_items');
    }
    if (problem === 'amount_above_maximum') {
      throw invalidRequest(`The Checkout Session's total amount due must be no more than 99,999,999 minor units of ${checked}.`, 'amount_too_large', 'line_items');
    }
    if (problem === 'amount_wrong_precision') {
      throw invalidRequest(`Amounts in ${checked} must be a multiple of ${chargeAmountStep(checked)}.`, 'invalid_charge_amount', 'line_items');
    }
    const expiresAt = p.integer('expires_at') ?? now + SESSION_MAX_LIFETIME;
    if (expiresAt < now + SESSION_MIN_LIFETIME) throw invalidRequest('The `expires_at` timestamp must be at least 30 minutes from Checkout Session creation.', 'parameter_invalid_integer', 'expires_at');
    if (expiresAt > now + SESSION_MAX_LIFETIME) throw invalidRequest('The `expires_at` timestamp must be less than 24 hours from Checkout Session creation.', 'parameter_invalid_integer', 'expires_at');
    // API versions since 2026 filter dynamic payment methods with allowed_/excluded_payment_method_types;
    // older ones list them in payment_method_types. Bank debits (us_bank_account) are USD only.
    const allowedKey = p.has('allowed_payment_method_types') ? 'allowed_payment_method_types' : 'payment_method_types';
    const allowed = p.strings(allowedKey) ?? null;
    const excluded = p.strings('excluded_payment_method_types') ?? [];
    for (const [index, method] of [...(allowed ?? []), ...excluded].entries()) {
      if (!SUPPORTED_METHODS.includes(method)) {
        throw invalidRequest(`The payment method type "${method}" is not supported by the sandbox (card, us_bank_account).`, 'payment_method_unactivated', `${allowedKey}[${index}]`);
      }
    }
    if (allowed?.includes('us_bank_account') && checked !== 'usd') {
      throw invalidRequest('The payment method type us_bank_account only supports usd.', 'payment_method_unactivated', allowedKey);
    }
    const methods = (allowed ?? (checked === 'usd' ? ['card', 'us_bank_account'] : ['card'])).filter((m) => !excluded.includes(m));
    if (methods.length === 0) throw invalidRequest('No payment method types are left for this Checkout Session.', 'payment_method_unactivated', 'excluded_payment_method_types');
    const pid = p.object('payment_intent_data');
    pid?.allow(['metadata', 'transfer_group', 'description', 'receipt_email', 'statement_descriptor', 'statement_descriptor_suffix', 'capture_method', 'setup_future_usage']);
    pid?.string('capture_method', { oneOf: ['automatic', 'automatic_async'] });
    const customerCreation = (p.string('customer_creation', { oneOf: ['always', 'if_required'] }) ?? null) as 'always' | 'if_required' | null;
    const email = p.string('customer_email', { max: 800 }) ?? null;
    if (email !== null && !/^[^\s@]+@[^\s@]+$/.test(email)) throw invalidRequest('Invalid email address: ' + email, 'email_invalid', 'customer_email');
    const id = newId(ID_PREFIX.checkoutSession);
    const session = shapes.checkoutSession({
      id, created: now, expiresAt, currency: checked, amountTotal: Number(total), successUrl, cancelUrl, customerEmail: email,
      clientReferenceId: p.string('client_reference_id', { max: 200 }) ?? null, metadata: p.metadata() ?? {},
      locale: p.string('locale') ?? null, paymentMethodTypes: methods, submitType: p.string('submit_type', { oneOf: ['auto', 'book', 'donate', 'pay', 'subscribe'] }) ?? null,
      url: `${baseUrl}/c/pay/${id}`, allowedPaymentMethodTypes: allowed, excludedPaymentMethodTypes: excluded, customerCreation,
    });
    this.store.put(session);
    const privateData: SessionPrivate = {
      baseUrl,
      lineItems,
      paymentIntentData: {
        metadata: pid?.metadata() ?? {},
        transferGroup: pid?.string('transfer_group') ?? null,
        description: pid?.string('description', { max: 1000 }) ?? null,
        receiptEmail: pid?.string('receipt_email') ?? null,
        statementDescriptor: pid?.string('statement_descriptor', { max: 22 }) ?? null,
      },
    };
    this.store.setInternal(id, privateData);
    this.schedule(expiresAt, 'expire_session', id);
    return session;
  }

  lineItemsOf(sessionId: string): StripeObject[] {
    return this.store.getInternal<SessionPrivate>(sessionId)?.lineItems ?? [];
  }

  private lineItem(currency: string, unitAmount: number, quantity: number, name: string, description: string | null, metadata: Record<string, string>, now: number): StripeObject {
    const amount = unitAmount * quantity;
    return {
      id: newId(ID_PREFIX.lineItem),
      object: 'item',
      amount_discount: 0,
      amount_subtotal: amount,
      amount_tax: 0,
      amount_total: amount,
      currency,
      description: name,
      price: {
        id: newId(ID_PREFIX.price), object: 'price', active: false, billing_scheme: 'per_unit', created: now, currency, custom_unit_amount: null,
        livemode: false, lookup_key: null, metadata: {}, nickname: null, product: { id: newId(ID_PREFIX.product), name, description, metadata },
        recurring: null, tax_behavior: 'unspecified', tiers_mode: null, transform_quantity: null, type: 'one_time', unit_amount: unitAmount,
        unit_amount_decimal: String(unitAmount),
      },
      quantity,
    };
  }

  private url(p: Params, key: string): string | null {
    const value = p.string(key, { max: 5000 });
    if (value === undefined) return null;
    if (!URL_PATTERN.test(value)) throw invalidRequest('Not a valid URL', 'url_invalid', key);
    return value;
  }

  private minimumText(currency: string): string {
    return `${formatMajorUnits(minimumChargeAmount(currency), currency)} ${currency}`;
  }

  expireSession(id: string, request: RequestInfo): StripeObject {
    const session = this.find('checkout.session', id, 'session');
    if (session.status !== 'open') {
      throw invalidRequest(`Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a status of "${session.status}".`, undefined, 'session');
    }
    const now = this.clock.now();
    if (session.payment_intent) {
      const previous = this.store.update(session.payment_intent, { status: 'canceled', canceled_at: now, cancellation_reason: 'abandoned' });
      this.events.emit('payment_intent.canceled', this.store.get(session.payment_intent)!, { previous, request });
    }
    this.store.update(id, { status: 'expired', url: null });
    this.events.emit('checkout.session.expired', session, { request });
    return session;
  }

  // ----- customers -----------------------------------------------------------------------------

  createCustomer(email: string | null, name: string | null, request: RequestInfo): StripeObject {
    const created = this.store.put(shapes.customer({ id: newId(ID_PREFIX.customer), created: this.clock.now(), email, name }));
    this.events.emit('customer.created', created, { request });
    return created;
  }

  /** A Customer, or (like Stripe) the `deleted: true` stub of one deleted. */
  retrieveCustomer(id: string): StripeObject {
    return this.find('customer', id, 'customer');
  }

  /**
   * Deletes a Customer for good (Stripe: "Permanently deletes a customer. It cannot be undone."):
   * its data is dropped, only the `deleted: true` stub stays; deleting it again is `resource_missing`.
   * Payments it made keep their own copies (charges' billing_details, sessions' customer_details).
   */
  deleteCustomer(id: string, request: RequestInfo): StripeObject {
    const current = this.find('customer', id, 'customer');
    if (current.deleted === true) throw noSuch('customer', id, 'customer');
    this.billing?.customerDeleting(id, request);
    const stub = shapes.deletedCustomer(id);
    this.store.put(stub);
    this.events.emit('customer.deleted', { ...current }, { request });
    return stub;
  }

  // ----- paying a session (hosted page and control API) ----------------------------------------

  /** Validates what a person typed; throws a card error for input the page would refuse. */
  scenarioFor(input: PaymentInput): PaymentScenario {
    if (input.method === 'bank_debit') {
      const scenario = bankScenario(input.accountNumber);
      if (!scenario) throw new StripeApiError(402, { type: 'invalid_request_error', message: 'Use a test bank account: 000123456789 (succeeds) or 000111111113 (fails).', param: 'account_number' });
      return scenario;
    }
    const scenario = cardScenario(input.number);
    // Like Stripe's own form, a number that is not a test card is refused before any charge exists.
    if (scenario.kind === 'card' && scenario.outcome === 'decline' && scenario.code === 'incorrect_number') throw cardError(scenario.code, scenario.message);
    const now = new Date(this.clock.now() * 1000);
    const year = input.expYear === undefined ? now.getUTCFullYear() + 1 : input.expYear < 100 ? 2000 + input.expYear : input.expYear;
    const month = input.expMonth ?? 12;
    if (!Number.isInteger(month) || month < 1 || month > 12) throw cardError('invalid_expiry_month', "Your card's expiration month is invalid.");
    if (year < now.getUTCFullYear() || (year === now.getUTCFullYear() && month < now.getUTCMonth() + 1)) {
      throw cardError('invalid_expiry_year', "Your card's expiration year is invalid.");
    }
    if (input.cvc !== undefined && !/^\d{3,4}$/.test(input.cvc)) throw cardError('invalid_cvc', "Your card's security code is invalid.");
    return scenario;
  }

  paySession(id: string, input: PaymentInput, request: RequestInfo = AUTOMATIC): PaymentResult {
    const session = this.find('checkout.session', id, 'session');
    if (session.status !== 'open') {
      throw invalidRequest(`This Checkout Session is no longer open (status ${session.status}).`, undefined, 'session', 400);
    }
    if (session.mode !== 'payment') return this.billing!.paySession(session, input, request);
    if (input.method === 'bank_debit' && !session.payment_method_types.includes('us_bank_account')) {
      throw invalidRequest('This Checkout Session does not accept bank debits.', 'payment_method_unactivated', 'payment_method_types');
    }
    let scenario: PaymentScenario;
    try {
      scenario = this.scenarioFor(input);
    } catch (error) {
      if (error instanceof StripeApiError) return { ok: false, error, session };
      throw error;
    }
    const now = this.clock.now();
    const privateData = this.store.getInternal<SessionPrivate>(id)!;
    let pi = session.payment_intent ? this.store.get(session.payment_intent)! : null;
    if (!pi) {
      pi = shapes.paymentIntent({
        id: newId(ID_PREFIX.paymentIntent), created: now, amount: session.amount_total, currency: session.currency,
        description: privateData.paymentIntentData.description, metadata: privateData.paymentIntentData.metadata,
        transferGroup: privateData.paymentIntentData.transferGroup, receiptEmail: privateData.paymentIntentData.receiptEmail,
        paymentMethodTypes: session.payment_method_types, statementDescriptor: privateData.paymentIntentData.statementDescriptor,
      });
      this.store.put(pi);
      this.store.update(id, { payment_intent: pi.id });
      this.events.emit('payment_intent.created', pi, { request });
    }
    const email = input.email || session.customer_email || null;
    const name = input.name || null;
    const paymentMethod = newId(ID_PREFIX.paymentMethod);
    const details = input.method === 'bank_debit'
      ? shapes.bankPaymentMethodDetails({ last4: digitsOnly(input.accountNumber).slice(-4), routingNumber: input.routingNumber || '110000000', fingerprint: fingerprint(input.accountNumber) })
      : shapes.cardPaymentMethodDetails({
        brand: scenario.kind === 'card' ? scenario.brand : 'visa', last4: digitsOnly(input.number).slice(-4), expMonth: input.expMonth ?? 12,
        expYear: normaliseYear(input.expYear, now), fingerprint: fingerprint(input.number), funding: 'credit', country: 'US',
      }, session.amount_total);
    const chargeStatus = scenario.kind === 'bank_debit' ? 'pending' : scenario.outcome === 'success' ? 'succeeded' : 'failed';
    const charge = shapes.charge({
      id: newId(ID_PREFIX.charge), created: now, amount: pi.amount, currency: pi.currency, description: pi.description, metadata: { ...pi.metadata },
      paymentIntent: pi.id, paymentMethod, paymentMethodDetails: details, email, name, transferGroup: pi.transfer_group, status: chargeStatus,
      receiptUrl: '',
    });
    charge.receipt_url = `${privateData.baseUrl}/c/receipts/${charge.id}`;
    const chargePrivate: ChargePrivate = {
      method: scenario.kind === 'bank_debit' ? 'bank_debit' : 'card', sessionId: id,
      availableImmediately: scenario.kind === 'card' && scenario.outcome === 'success' && scenario.availableImmediately === true, transferred: 0,
    };

    if (scenario.kind === 'card' && scenario.outcome === 'decline') {
      charge.failure_code = scenario.code;
      charge.failure_message = scenario.message;
      charge.outcome = {
        advice_code: null, network_advice_code: null, network_decline_code: null, network_status: 'declined_by_network', reason: scenario.declineCode,
        risk_level: 'normal', risk_score: 20, seller_message: 'The bank did not return any further details with this decline.', type: 'issuer_declined',
      };
      this.store.put(charge);
      this.store.setInternal(charge.id, chargePrivate);
      const error = cardError(scenario.code, scenario.message, scenario.declineCode, charge.id);
      const previous = this.store.update(pi.id, {
        latest_charge: charge.id,
        last_payment_error: { ...error.body, charge: charge.id, payment_method: { id: paymentMethod, object: 'payment_method', type: 'card' } },
      });
      this.events.emit('charge.failed', charge, { request });
      this.events.emit('payment_intent.payment_failed', pi, { previous, request });
      return { ok: false, error, session };
    }

    if (scenario.kind === 'bank_debit') chargePrivate.willSucceed = scenario.outcome === 'success';
    this.store.put(charge);
    this.store.setInternal(charge.id, chargePrivate);
    // customer_creation=always: like Stripe, the payment creates a Customer with what was typed, and
    // the session, payment intent and charge name it. if_required (the default for payment mode): none.
    const customerId = session.customer_creation === 'always' ? this.createCustomer(email, name, request).id : null;
    if (customerId) {
      charge.customer = customerId;
      this.store.update(pi.id, { customer: customerId });
    }
    const completed = { status: 'complete', url: null, customer_details: shapes.customerDetails(email, name), ...(customerId ? { customer: customerId } : {}) };
    if (scenario.kind === 'bank_debit') {
      const previous = this.store.update(pi.id, { status: 'processing', latest_charge: charge.id, payment_method: paymentMethod, last_payment_error: null });
      this.store.update(id, completed);
      this.events.emit('charge.pending', charge, { request });
      this.events.emit('payment_intent.processing', pi, { previous, request });
      this.events.emit('checkout.session.completed', session, { request });
      this.schedule(now + ASYNC_SETTLEMENT_SECONDS, 'settle_charge', charge.id);
      return { ok: true, session };
    }

    const previous = this.store.update(pi.id, { status: 'succeeded', amount_received: pi.amount, latest_charge: charge.id, payment_method: paymentMethod, last_payment_error: null });
    this.store.update(id, { ...completed, payment_status: 'paid' });
    this.events.emit('charge.succeeded', charge, { request });
    this.events.emit('payment_intent.succeeded', pi, { previous, request });
    this.events.emit('checkout.session.completed', session, { request });
    // Like Stripe, the balance transaction (and so the fee) arrives after charge.succeeded.
    this.attachOrDelayBalanceTransaction(charge.id, request);
    if (scenario.disputeLater) this.schedule(now + DELAYED_DISPUTE_SECONDS, 'dispute_charge', charge.id);
    return { ok: true, session };
  }

  availableOn(created: number, immediately: boolean): number {
    return immediately ? created : Math.floor(created / DAY) * DAY + SETTLEMENT_DELAY_DAYS * DAY;
  }

  private createBalanceTransaction(input: Omit<shapes.BalanceTransactionInput, 'id' | 'created' | 'availableOn'> & { availableOn?: number }): StripeObject {
    const now = this.clock.now();
    const txn = shapes.balanceTransaction({ ...input, id: newId(ID_PREFIX.balanceTransaction), created: now, availableOn: input.availableOn ?? now });
    if (txn.available_on <= now) txn.status = 'available';
    else this.schedule(txn.available_on, 'balance_available', txn.id);
    return this.store.put(txn);
  }

  /** Control API: the next successful charge gets its balance transaction `seconds` later on the sandbox clock. */
  delayNextBalanceTransaction(seconds: number): void {
    this.balanceTransactionDelay = seconds;
  }

  /**
   * Stripe sometimes attaches the balance transaction well after the payment (then sends another
   * charge.updated); a delay set by the control API reproduces that for the next charge.
   */
  attachOrDelayBalanceTransaction(chargeId: string, request: RequestInfo): void {
    const delay = this.balanceTransactionDelay;
    if (delay === null) return this.attachChargeBalanceTransaction(chargeId, request);
    this.balanceTransactionDelay = null;
    this.schedule(this.clock.now() + delay, 'attach_balance_transaction', chargeId);
  }

  private attachChargeBalanceTransaction(chargeId: string, request: RequestInfo): void {
    const charge = this.store.get(chargeId)!;
    const privateData = this.store.getInternal<ChargePrivate>(chargeId)!;
    // Converted first when the account settles in another currency; the fee is on the settled amount.
    const settled = settle(charge.amount, charge.currency, this.settlementCurrency);
    const amount = BigInt(settled.amount);
    const fee = privateData.method === 'card' ? cardFee(amount, settled.currency) : bankDebitFee(amount, settled.currency);
    const txn = this.createBalanceTransaction({
      amount: settled.amount, fee: Number(fee), feeDetails: feeDetails(fee, settled.currency, 'Stripe processing fees'), currency: settled.currency, exchangeRate: settled.exchangeRate,
      description: charge.description, source: charge.id, type: privateData.method === 'card' ? 'charge' : 'payment', reportingCategory: 'charge',
      availableOn: this.availableOn(this.clock.now(), privateData.availableImmediately),
    });
    const previous = this.store.update(chargeId, { balance_transaction: txn.id });
    this.events.emit('charge.updated', charge, { previous, request });
  }

  private settleBankDebit(chargeId: string): void {
    const charge = this.store.get(chargeId);
    const privateData = this.store.getInternal<ChargePrivate>(chargeId);
    if (!charge || !privateData || charge.status !== 'pending') return;
    const pi = this.store.get(charge.payment_intent)!;
    const session = privateData.sessionId ? this.store.get(privateData.sessionId) : undefined;
    if (privateData.willSucceed) {
      this.store.update(chargeId, { status: 'succeeded', paid: true, amount_captured: charge.amount });
      const previous = this.store.update(pi.id, { status: 'succeeded', amount_received: pi.amount });
      if (session) this.store.update(session.id, { payment_status: 'paid' });
      this.events.emit('charge.succeeded', charge);
      this.events.emit('payment_intent.succeeded', pi, { previous });
      if (session) this.events.emit('checkout.session.async_payment_succeeded', session);
      this.attachOrDelayBalanceTransaction(chargeId, AUTOMATIC);
      return;
    }
    const message = "The customer's account has insufficient funds to cover this payment.";
    this.store.update(chargeId, { status: 'failed', captured: false, failure_code: 'insufficient_funds', failure_message: message });
    const previous = this.store.update(pi.id, {
      status: 'requires_payment_method',
      last_payment_error: { type: 'invalid_request_error', code: 'payment_method_provider_decline', message, charge: chargeId },
    });
    this.events.emit('charge.failed', charge);
    this.events.emit('payment_intent.payment_failed', pi, { previous });
    if (session) this.events.emit('checkout.session.async_payment_failed', session);
  }

  // ----- refunds -------------------------------------------------------------------------------

  createRefund(p: Params, request: RequestInfo): StripeObject {
    p.allow(['charge', 'payment_intent', 'amount', 'reason', 'metadata', 'expand', 'instructions_email', 'refund_application_fee', 'reverse_transfer']);
    const amountParam = p.integer('amount', { min: 1 });
    const reason = p.string('reason', { oneOf: ['duplicate', 'fraudulent', 'requested_by_customer'] }) ?? null;
    const metadata = p.metadata() ?? {};
    let charge: StripeObject;
    if (p.has('charge')) {
      charge = this.find('charge', p.string('charge', { required: true }), 'charge');
    } else if (p.has('payment_intent')) {
      const pi = this.find('payment_intent', p.string('payment_intent', { required: true }), 'payment_intent');
      if (!pi.latest_charge || this.store.get(pi.latest_charge)?.status !== 'succeeded') {
        throw invalidRequest(`This PaymentIntent (${pi.id}) does not have a successful charge to refund.`, 'charge_not_refundable', 'payment_intent');
      }
      charge = this.store.get(pi.latest_charge)!;
    } else {
      throw invalidRequest('One of the following params should be provided for this request: payment_intent or charge.', 'parameter_missing', 'charge');
    }
    if (charge.status !== 'succeeded') throw invalidRequest(`Charge ${charge.id} has not succeeded and cannot be refunded.`, 'charge_not_refundable', 'charge');
    const dispute = this.store.all('dispute', (d) => d.charge === charge.id)[0];
    if (dispute && dispute.status !== 'won') {
      throw invalidRequest(`Charge ${charge.id} has been charged back; cannot issue a refund.`, 'charge_disputed', 'charge');
    }
    const remaining = charge.amount - charge.amount_refunded;
    if (remaining <= 0) throw invalidRequest(`Charge ${charge.id} has already been refunded.`, 'charge_already_refunded', 'charge');
    const amount = amountParam ?? remaining;
    if (amount > remaining) {
      throw invalidRequest(
        `Refund amount (${formatMajorUnits(BigInt(amount), charge.currency)} ${charge.currency}) is greater than unrefunded amount on charge (${formatMajorUnits(BigInt(remaining), charge.currency)} ${charge.currency})`,
        'amount_too_large', 'amount',
      );
    }
    const privateData = this.store.getInternal<ChargePrivate>(charge.id);
    const card = privateData?.method !== 'bank_debit';
    const now = this.clock.now();
    const created = shapes.refund({
      id: newId(ID_PREFIX.refund), created: now, amount, currency: charge.currency, charge: charge.id, paymentIntent: charge.payment_intent, reason, metadata,
      status: card ? 'succeeded' : 'pending', card,
    });
    const settledRefund = settle(-amount, charge.currency, this.settlementCurrency);
    const txn = this.createBalanceTransaction({
      amount: settledRefund.amount, fee: 0, feeDetails: [], currency: settledRefund.currency, exchangeRate: settledRefund.exchangeRate, description: 'REFUND FOR CHARGE', source: created.id, type: 'refund', reportingCategory: 'refund',
    });
    created.balance_transaction = txn.id;
    this.store.put(created);
    const refunded = charge.amount_refunded + amount;
    const previous = this.store.update(charge.id, { amount_refunded: refunded, refunded: refunded === charge.amount });
    this.refreshChargeRefunds(charge.id);
    this.events.emit('refund.created', created, { request });
    this.events.emit('charge.refunded', charge, { previous, request });
    if (!card) this.schedule(now + BANK_REFUND_SECONDS, 'settle_refund', created.id);
    return created;
  }

  private refreshChargeRefunds(chargeId: string): void {
    const refunds = this.store.all('refund', (r) => r.charge === chargeId);
    this.store.update(chargeId, { refunds: shapes.list(`/v1/charges/${chargeId}/refunds`, refunds.slice(0, 10).map((r) => structuredClone(r)), refunds.length > 10) });
  }

  private settleRefund(refundId: string): void {
    const refund = this.store.get(refundId);
    if (!refund || refund.status !== 'pending') return;
    const previous = this.store.update(refundId, { status: 'succeeded' });
    this.refreshChargeRefunds(refund.charge);
    this.events.emit('refund.updated', refund, { previous });
    this.events.emit('charge.refund.updated', refund, { previous });
  }

  // ----- disputes ------------------------------------------------------------------------------

  openDispute(chargeId: string, options: { reason?: string; amount?: number } = {}): StripeObject {
    const charge = this.find('charge', chargeId, 'charge');
    if (charge.status !== 'succeeded') throw invalidRequest(`Charge ${chargeId} has not succeeded; it cannot be disputed.`, undefined, 'charge');
    if (charge.disputed) throw invalidRequest(`Charge ${chargeId} is already disputed.`, 'charge_disputed', 'charge');
    const disputable = charge.amount - charge.amount_refunded;
    const amount = options.amount ?? disputable;
    if (!Number.isInteger(amount) || amount < 1 || amount > disputable) throw invalidRequest(`A dispute on ${chargeId} can be for 1 to ${disputable}.`, 'amount_too_large', 'amount');
    const now = this.clock.now();
    const brand = charge.payment_method_details?.card?.brand ?? 'visa';
    const created = shapes.dispute({
      id: newId(ID_PREFIX.dispute), created: now, amount, currency: charge.currency, charge: chargeId, paymentIntent: charge.payment_intent,
      reason: options.reason ?? 'general', dueBy: now + DISPUTE_RESPONSE_SECONDS, brand,
    });
    const settledDispute = settle(-amount, charge.currency, this.settlementCurrency);
    const fee = disputeFee(settledDispute.currency);
    const txn = this.createBalanceTransaction({
      amount: settledDispute.amount, fee: Number(fee), feeDetails: feeDetails(fee, settledDispute.currency, 'Dispute fee'), currency: settledDispute.currency,
      exchangeRate: settledDispute.exchangeRate,
      description: `Chargeback withdrawal for ${chargeId}`, source: created.id, type: 'adjustment', reportingCategory: 'dispute',
    });
    created.balance_transactions = [structuredClone(txn)];
    this.store.put(created);
    const previous = this.store.update(chargeId, { disputed: true });
    this.events.emit('charge.dispute.created', created);
    this.events.emit('charge.dispute.funds_withdrawn', created);
    this.events.emit('charge.updated', charge, { previous });
    return created;
  }

  closeDispute(id: string, outcome: 'won' | 'lost', request: RequestInfo = AUTOMATIC): StripeObject {
    const found = this.find('dispute', id, 'dispute');
    if (!['needs_response', 'under_review', 'warning_needs_response', 'warning_under_review'].includes(found.status)) {
      throw invalidRequest(`This dispute is already closed (status ${found.status}).`, undefined, 'dispute');
    }
    if (outcome === 'won') {
      // Reinstated in the currency the withdrawal was taken in.
      const settledReversal = settle(found.amount, found.currency, found.balance_transactions[0]?.currency ?? found.currency);
      const fee = disputeFee(settledReversal.currency);
      const txn = this.createBalanceTransaction({
        amount: settledReversal.amount, fee: -Number(fee), feeDetails: feeDetails(-fee, settledReversal.currency, 'Dispute fee refund'), currency: settledReversal.currency,
        exchangeRate: settledReversal.exchangeRate,
        description: `Chargeback reversal for ${found.charge}`, source: id, type: 'adjustment', reportingCategory: 'dispute_reversal',
      });
      const previous = this.store.update(id, { status: 'won', balance_transactions: [...found.balance_transactions, structuredClone(txn)], is_charge_refundable: true });
      this.events.emit('charge.dispute.funds_reinstated', found, { request });
      this.events.emit('charge.dispute.closed', found, { previous, request });
    } else {
      const previous = this.store.update(id, { status: 'lost' });
      this.events.emit('charge.dispute.closed', found, { previous, request });
    }
    return found;
  }

  // ----- connected accounts --------------------------------------------------------------------

  createAccount(p: Params): StripeObject {
    p.allow(['type', 'country', 'email', 'business_type', 'capabilities', 'metadata', 'business_profile', 'controller', 'expand', 'default_currency', 'settings', 'tos_acceptance']);
    const type = p.string('type', { oneOf: ['express', 'standard', 'custom'] });
    if (!type && !p.has('controller')) throw invalidRequest('You must provide `type` or `controller` when creating an account.', 'parameter_missing', 'type');
    const country = (p.string('country') ?? 'US').toUpperCase();
    if (!/^[A-Z]{2}$/.test(country)) throw invalidRequest(`Invalid country: ${country}`, undefined, 'country');
    const businessType = p.string('business_type', { oneOf: ['company', 'government_entity', 'individual', 'non_profit'] }) ?? null;
    const capabilities = p.object('capabilities');
    const requested = capabilities ? Object.keys(capabilities.raw) : ['transfers'];
    for (const name of requested) {
      if (!['transfers', 'card_payments', 'us_bank_account_ach_payments'].includes(name)) throw invalidRequest(`Invalid capability: ${name}`, undefined, `capabilities[${name}]`);
    }
    const email = p.string('email') ?? null;
    const created = shapes.account({
      id: newId(ID_PREFIX.account), created: this.clock.now(), type: type ?? 'express', country, email, businessType,
      businessName: p.object('business_profile')?.string('name') ?? null, metadata: p.metadata() ?? {}, capabilities: requested,
    });
    this.store.put(created);
    return created;
  }

  /** The platform's own account (GET /v1/account), fully enabled. */
  platformAccount(): StripeObject {
    const platform = shapes.account({
      id: PLATFORM_ACCOUNT_ID, created: 1_700_000_000, type: 'standard', country: 'US', email: 'platform@ataa.local', businessType: 'company',
      businessName: 'Ataa (sandbox platform)', metadata: {}, capabilities: ['card_payments', 'transfers'],
    });
    return {
      ...platform, charges_enabled: true, payouts_enabled: true, details_submitted: true, capabilities: { card_payments: 'active', transfers: 'active' },
      requirements: shapes.requirements([], null), controller: { type: 'account' },
    };
  }

  createAccountLink(p: Params, baseUrl: string): StripeObject {
    p.allow(['account', 'type', 'refresh_url', 'return_url', 'collect', 'collection_options', 'expand']);
    const accountId = p.string('account', { required: true });
    const type = p.string('type', { required: true, oneOf: ['account_onboarding', 'account_update'] });
    const refreshUrl = this.url(p, 'refresh_url');
    const returnUrl = this.url(p, 'return_url');
    if (!refreshUrl) throw invalidRequest('Missing required param: refresh_url.', 'parameter_missing', 'refresh_url');
    if (!returnUrl) throw invalidRequest('Missing required param: return_url.', 'parameter_missing', 'return_url');
    this.find('account', accountId, 'account');
    const now = this.clock.now();
    const token = randomBase62(24);
    const link: LinkPrivate = { account: accountId, refreshUrl, returnUrl, expiresAt: now + 300, type };
    this.store.setInternal(`link:${token}`, link);
    return { object: 'account_link', created: now, expires_at: link.expiresAt, url: `${baseUrl}/c/connect/${token}` };
  }

  accountLink(token: string): (LinkPrivate & { expired: boolean }) | null {
    const link = this.store.getInternal<LinkPrivate>(`link:${token}`);
    if (!link) return null;
    return { ...link, expired: link.expiresAt < this.clock.now() };
  }

  /** What finishing Express onboarding does: requirements met, charges and payouts enabled. */
  completeOnboarding(accountId: string, request: RequestInfo = AUTOMATIC): StripeObject {
    const found = this.find('account', accountId, 'account');
    const now = this.clock.now();
    const previous = this.store.update(accountId, {
      details_submitted: true,
      charges_enabled: true,
      payouts_enabled: true,
      capabilities: Object.fromEntries(Object.keys(found.capabilities).map((c) => [c, 'active'])),
      requirements: shapes.requirements([], null),
      tos_acceptance: { date: now, ip: '127.0.0.1', user_agent: 'ataa-stripe-sandbox' },
      business_type: found.business_type ?? 'non_profit',
    });
    if (Object.keys(previous).length > 0) this.events.emit('account.updated', found, { previous, request, account: accountId });
    return found;
  }

  /** Control API: switch an account's payouts or charges off (e.g. Stripe paused it) or on. */
  setAccountFlags(accountId: string, flags: { charges_enabled?: boolean; payouts_enabled?: boolean }): StripeObject {
    const found = this.find('account', accountId, 'account');
    const changes: StripeObject = {};
    if (flags.charges_enabled !== undefined) changes.charges_enabled = flags.charges_enabled;
    if (flags.payouts_enabled !== undefined) changes.payouts_enabled = flags.payouts_enabled;
    const previous = this.store.update(accountId, changes);
    if (Object.keys(previous).length > 0) this.events.emit('account.updated', found, { previous, account: accountId });
    return found;
  }

  // ----- transfers -----------------------------------------------------------------------------

  failNextTransfer(failure: Partial<TransferFailure> = {}): void {
    this.transferFailure = {
      status: failure.status ?? 400,
      type: failure.type ?? (failure.status && failure.status >= 500 ? 'api_error' : 'invalid_request_error'),
      code: failure.code ?? 'transfers_not_allowed',
      message: failure.message ?? 'Transfers to this account are not allowed right now (sandbox: failure injected by the control API).',
    };
  }

  /**
   * The next transfer reversal is refused (default: 400 balance_insufficient, what Stripe answers
   * when the connected account's balance cannot cover it; the sandbox keeps no connected balances).
   */
  failNextTransferReversal(failure: Partial<TransferFailure> = {}): void {
    this.transferReversalFailure = {
      status: failure.status ?? 400,
      type: failure.type ?? (failure.status && failure.status >= 500 ? 'api_error' : 'invalid_request_error'),
      code: failure.code ?? 'balance_insufficient',
      message: failure.message ?? 'The connected account does not have a sufficient balance to reverse this transfer (sandbox: failure injected by the control API).',
    };
  }

  availableBalance(currency: string): number {
    let total = 0;
    for (const txn of this.store.all('balance_transaction', (t) => t.currency === currency && t.status === 'available')) total += txn.net;
    return total;
  }

  createTransfer(p: Params, request: RequestInfo): StripeObject {
    p.allow(['amount', 'currency', 'destination', 'transfer_group', 'description', 'metadata', 'source_transaction', 'expand']);
    const amount = p.integer('amount', { required: true, min: 1, max: 99_999_999_999 });
    const currency = p.currency('currency', { required: true });
    const destinationId = p.string('destination', { required: true });
    const transferGroup = p.string('transfer_group') ?? null;
    const description = p.string('description', { max: 1000 }) ?? null;
    const metadata = p.metadata() ?? {};
    const sourceTransaction = p.string('source_transaction') ?? null;
    const destination = this.store.getOf('account', destinationId);
    if (!destination) throw invalidRequest(`No such destination: '${destinationId}'`, 'resource_missing', 'destination', 400);
    if (destination.capabilities?.transfers !== 'active') {
      throw invalidRequest(
        'Your destination account needs to have at least one of the following capabilities enabled: transfers, crypto_transfers, legacy_payments',
        'insufficient_capabilities_for_transfer', 'destination',
      );
    }
    if (this.transferFailure) {
      const failure = this.transferFailure;
      this.transferFailure = null;
      throw new StripeApiError(failure.status, { type: failure.type, code: failure.code, message: failure.message });
    }
    let sourceCharge: StripeObject | undefined;
    if (sourceTransaction) {
      sourceCharge = this.find('charge', sourceTransaction, 'source_transaction');
      const privateData = this.store.getInternal<ChargePrivate>(sourceCharge.id)!;
      const left = sourceCharge.amount - sourceCharge.amount_refunded - privateData.transferred;
      if (sourceCharge.status !== 'succeeded' || sourceCharge.currency !== currency || amount > left) {
        throw invalidRequest(`The transfer amount exceeds what remains of the source transaction (${left}).`, 'balance_insufficient', 'amount');
      }
      privateData.transferred += amount;
      this.store.setInternal(sourceCharge.id, privateData);
    } else if (this.availableBalance(currency) < amount) {
      throw invalidRequest(
        'You have insufficient available funds in your Stripe account. Try adding funds directly to your available balance by creating Charges using the 4000000000000077 test card.',
        'balance_insufficient', 'amount',
      );
    }
    const created = shapes.transfer({
      id: newId(ID_PREFIX.transfer), created: this.clock.now(), amount, currency, destination: destinationId, destinationPayment: newId(ID_PREFIX.destinationPayment),
      description, metadata, transferGroup, sourceTransaction,
    });
    const txn = this.createBalanceTransaction({
      amount: -amount, fee: 0, feeDetails: [], currency, description, source: created.id, type: 'transfer', reportingCategory: 'transfer',
    });
    created.balance_transaction = txn.id;
    this.store.put(created);
    this.events.emit('transfer.created', created, { request });
    return created;
  }

  createTransferReversal(transferId: string, p: Params, request: RequestInfo): StripeObject {
    p.allow(['amount', 'description', 'metadata', 'refund_application_fee', 'expand']);
    const found = this.find('transfer', transferId, 'id');
    const remaining = found.amount - found.amount_reversed;
    const amount = p.integer('amount', { min: 1 }) ?? remaining;
    const metadata = p.metadata() ?? {};
    if (remaining <= 0) throw invalidRequest(`Transfer ${transferId} has already been fully reversed.`, undefined, 'id');
    if (amount > remaining) throw invalidRequest(`Reversal amount (${amount}) is greater than the amount remaining on the transfer (${remaining}).`, 'amount_too_large', 'amount');
    if (this.transferReversalFailure) {
      const failure = this.transferReversalFailure;
      this.transferReversalFailure = null;
      throw new StripeApiError(failure.status, { type: failure.type, code: failure.code, message: failure.message });
    }
    const reversal = shapes.transferReversal({ id: newId(ID_PREFIX.transferReversal), created: this.clock.now(), amount, currency: found.currency, transfer: transferId, metadata });
    const txn = this.createBalanceTransaction({
      amount, fee: 0, feeDetails: [], currency: found.currency, description: null, source: reversal.id, type: 'transfer_refund', reportingCategory: 'transfer_reversal',
    });
    reversal.balance_transaction = txn.id;
    this.store.put(reversal);
    const reversals = this.store.all('transfer_reversal', (r) => r.transfer === transferId);
    const previous = this.store.update(transferId, {
      amount_reversed: found.amount_reversed + amount,
      reversed: found.amount_reversed + amount === found.amount,
      reversals: shapes.list(`/v1/transfers/${transferId}/reversals`, reversals.slice(0, 10).map((r) => structuredClone(r)), reversals.length > 10),
    });
    this.events.emit('transfer.reversed', found, { previous, request });
    return reversal;
  }

  // ----- balance -------------------------------------------------------------------------------

  balance(): StripeObject {
    const sums = new Map<string, { available: number; pending: number }>();
    for (const txn of this.store.all('balance_transaction')) {
      const entry = sums.get(txn.currency) ?? { available: 0, pending: 0 };
      if (txn.status === 'available') entry.available += txn.net;
      else entry.pending += txn.net;
      sums.set(txn.currency, entry);
    }
    if (sums.size === 0) sums.set('usd', { available: 0, pending: 0 });
    const currencies = [...sums.keys()].sort();
    return {
      object: 'balance',
      available: currencies.map((currency) => ({ amount: sums.get(currency)!.available, currency, source_types: { card: sums.get(currency)!.available } })),
      connect_reserved: currencies.map((currency) => ({ amount: 0, currency })),
      livemode: false,
      pending: currencies.map((currency) => ({ amount: sums.get(currency)!.pending, currency, source_types: { card: sums.get(currency)!.pending } })),
    };
  }
}

function normaliseYear(year: number | undefined, now: number): number {
  if (year === undefined) return new Date(now * 1000).getUTCFullYear() + 1;
  return year < 100 ? 2000 + year : year;
}

export function cardError(code: string, message: string, declineCode?: string, charge?: string): StripeApiError {
  return new StripeApiError(402, {
    type: 'card_error', code, message, ...(declineCode ? { decline_code: declineCode } : {}), ...(charge ? { charge } : {}),
    ...(code.startsWith('invalid_') || code === 'incorrect_number' ? { param: code === 'invalid_cvc' ? 'cvc' : code === 'incorrect_number' ? 'number' : 'exp_year' } : {}),
  });
}
