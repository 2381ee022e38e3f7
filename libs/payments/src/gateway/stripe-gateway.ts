import { Inject, Injectable } from '@nestjs/common';
import Stripe from 'stripe';
import { STRIPE_CLIENT } from '../stripe-client.factory.js';

/**
 * The one door to the Stripe API for the rest of the platform (issue 16): services inject this, never
 * the client (`STRIPE_CLIENT` stays inside libs/payments; stripe-client-boundary.spec.ts checks it).
 * Each method is one Stripe call, with Stripe's own parameter and result types, and nothing added:
 * the client's retries, timeouts and errors (`Stripe.errors.*`, see `isStripeError`) pass through.
 *
 * - Every call that makes something (a session, refund, transfer, reversal, account) takes the
 *   caller's idempotency key as a required argument and sends it as Stripe's Idempotency-Key, so
 *   a retried call (by the client, the queue or the caller) answers with the object first made.
 * - Lists return Stripe's `ApiListPromise`: awaited it is the first page, iterated with
 *   `for await` it pages through everything, and `autoPagingToArray({ limit })` collects up to a
 *   bound.
 */
@Injectable()
export class StripeGateway {
  constructor(@Inject(STRIPE_CLIENT) private readonly stripe: Stripe) {}

  // Checkout

  createCheckoutSession(params: Stripe.Checkout.SessionCreateParams, idempotencyKey: string): Promise<Stripe.Checkout.Session> {
    return this.stripe.checkout.sessions.create(params, { idempotencyKey });
  }

  retrieveCheckoutSession(id: string, params?: Stripe.Checkout.SessionRetrieveParams): Promise<Stripe.Checkout.Session> {
    return this.stripe.checkout.sessions.retrieve(id, params);
  }

  /** Fails (StripeInvalidRequestError) when the session is no longer open: complete or expired already. */
  expireCheckoutSession(id: string): Promise<Stripe.Checkout.Session> {
    return this.stripe.checkout.sessions.expire(id);
  }

  // Payments

  retrievePaymentIntent(id: string, params?: Stripe.PaymentIntentRetrieveParams): Promise<Stripe.PaymentIntent> {
    return this.stripe.paymentIntents.retrieve(id, params);
  }

  retrieveCharge(id: string, params?: Stripe.ChargeRetrieveParams): Promise<Stripe.Charge> {
    return this.stripe.charges.retrieve(id, params);
  }

  // Customers

  retrieveCustomer(id: string): Promise<Stripe.Customer | Stripe.DeletedCustomer> {
    return this.stripe.customers.retrieve(id);
  }

  /**
   * Deletes a Customer for good: Stripe drops its name, e-mail, address and phone (what the platform
   * removes when a donor asks to be erased). Deleting it again fails with `resource_missing`
   * (see `isNoSuchResource`). Payments keep their own copies (a Checkout Session's
   * `customer_details`, a charge's `billing_details`): no API call erases those.
   */
  deleteCustomer(id: string): Promise<Stripe.DeletedCustomer> {
    return this.stripe.customers.del(id);
  }

  /** A Customer for a donor's saved card or recurring gift (`test_clock` only against the sandbox or in Stripe's test mode). */
  createCustomer(params: Stripe.CustomerCreateParams, idempotencyKey: string): Promise<Stripe.Customer> {
    return this.stripe.customers.create(params, { idempotencyKey });
  }

  updateCustomer(id: string, params: Stripe.CustomerUpdateParams): Promise<Stripe.Customer> {
    return this.stripe.customers.update(id, params);
  }

  listCustomers(params: Stripe.CustomerListParams): Stripe.ApiListPromise<Stripe.Customer> {
    return this.stripe.customers.list(params);
  }

  // Saved cards: payment methods and setup intents

  retrievePaymentMethod(id: string): Promise<Stripe.PaymentMethod> {
    return this.stripe.paymentMethods.retrieve(id);
  }

  listCustomerPaymentMethods(customerId: string, params?: Stripe.CustomerListPaymentMethodsParams): Stripe.ApiListPromise<Stripe.PaymentMethod> {
    return this.stripe.customers.listPaymentMethods(customerId, params);
  }

  attachPaymentMethod(id: string, params: Stripe.PaymentMethodAttachParams): Promise<Stripe.PaymentMethod> {
    return this.stripe.paymentMethods.attach(id, params);
  }

  detachPaymentMethod(id: string): Promise<Stripe.PaymentMethod> {
    return this.stripe.paymentMethods.detach(id);
  }

  createSetupIntent(params: Stripe.SetupIntentCreateParams, idempotencyKey: string): Promise<Stripe.SetupIntent> {
    return this.stripe.setupIntents.create(params, { idempotencyKey });
  }

  retrieveSetupIntent(id: string, params?: Stripe.SetupIntentRetrieveParams): Promise<Stripe.SetupIntent> {
    return this.stripe.setupIntents.retrieve(id, params);
  }

  /**
   * A payment with a saved card, usually off-session (`off_session: true, confirm: true, customer,
   * payment_method`): a pledge collected at close-out, a scheduled gift. The key makes a retry after
   * an unknown outcome (a timeout after Stripe charged) answer with the same PaymentIntent. A decline
   * or `authentication_required` rejects with `Stripe.errors.StripeCardError`, whose
   * `payment_intent` is left `requires_payment_method` (see `isAuthenticationRequired`).
   */
  createPaymentIntent(params: Stripe.PaymentIntentCreateParams, idempotencyKey: string): Promise<Stripe.PaymentIntent> {
    return this.stripe.paymentIntents.create(params, { idempotencyKey });
  }

  // Products and prices (a Price per amount, currency and interval, or price_data inline)

  createProduct(params: Stripe.ProductCreateParams, idempotencyKey: string): Promise<Stripe.Product> {
    return this.stripe.products.create(params, { idempotencyKey });
  }

  createPrice(params: Stripe.PriceCreateParams, idempotencyKey: string): Promise<Stripe.Price> {
    return this.stripe.prices.create(params, { idempotencyKey });
  }

  retrievePrice(id: string): Promise<Stripe.Price> {
    return this.stripe.prices.retrieve(id);
  }

  // Subscriptions (recurring gifts) and their invoices

  createSubscription(params: Stripe.SubscriptionCreateParams, idempotencyKey: string): Promise<Stripe.Subscription> {
    return this.stripe.subscriptions.create(params, { idempotencyKey });
  }

  retrieveSubscription(id: string, params?: Stripe.SubscriptionRetrieveParams): Promise<Stripe.Subscription> {
    return this.stripe.subscriptions.retrieve(id, params);
  }

  /**
   * Pause (`pause_collection`), end (`cancel_at`, `cancel_at_period_end`), change the amount from the
   * next period (`items` with `price_data` and `proration_behavior: 'none'`), change the card.
   * The key makes a retried update answer as the first did instead of applying it again.
   */
  updateSubscription(id: string, params: Stripe.SubscriptionUpdateParams, idempotencyKey: string): Promise<Stripe.Subscription> {
    return this.stripe.subscriptions.update(id, params, { idempotencyKey });
  }

  /** Ends it now (`customer.subscription.deleted` follows). Fails (StripeInvalidRequestError) when already canceled. */
  cancelSubscription(id: string, params?: Stripe.SubscriptionCancelParams): Promise<Stripe.Subscription> {
    return this.stripe.subscriptions.cancel(id, params);
  }

  listSubscriptions(params: Stripe.SubscriptionListParams): Stripe.ApiListPromise<Stripe.Subscription> {
    return this.stripe.subscriptions.list(params);
  }

  /** With `expand: ['payments']`, which PaymentIntent paid it (`invoice.payments.data[].payment`); invoices carry no charge of their own since the 2025 API versions. */
  retrieveInvoice(id: string, params?: Stripe.InvoiceRetrieveParams): Promise<Stripe.Invoice> {
    return this.stripe.invoices.retrieve(id, params);
  }

  listInvoices(params: Stripe.InvoiceListParams): Stripe.ApiListPromise<Stripe.Invoice> {
    return this.stripe.invoices.list(params);
  }

  /** The payments of an invoice (`{ invoice }`) or of a PaymentIntent (`{ payment: { type: 'payment_intent', payment_intent } }`). */
  listInvoicePayments(params: Stripe.InvoicePaymentListParams): Stripe.ApiListPromise<Stripe.InvoicePayment> {
    return this.stripe.invoicePayments.list(params);
  }

  /** A short-lived link to Stripe's billing portal where the donor updates the card or cancels. */
  createBillingPortalSession(params: Stripe.BillingPortal.SessionCreateParams): Promise<Stripe.BillingPortal.Session> {
    return this.stripe.billingPortal.sessions.create(params);
  }

  // Refunds and disputes

  createRefund(params: Stripe.RefundCreateParams, idempotencyKey: string): Promise<Stripe.Refund> {
    return this.stripe.refunds.create(params, { idempotencyKey });
  }

  listRefunds(params: Stripe.RefundListParams): Stripe.ApiListPromise<Stripe.Refund> {
    return this.stripe.refunds.list(params);
  }

  listDisputes(params: Stripe.DisputeListParams): Stripe.ApiListPromise<Stripe.Dispute> {
    return this.stripe.disputes.list(params);
  }

  // Transfers to connected accounts (payouts) and their reversals

  createTransfer(params: Stripe.TransferCreateParams, idempotencyKey: string): Promise<Stripe.Transfer> {
    return this.stripe.transfers.create(params, { idempotencyKey });
  }

  retrieveTransfer(id: string): Promise<Stripe.Transfer> {
    return this.stripe.transfers.retrieve(id);
  }

  listTransfers(params: Stripe.TransferListParams): Stripe.ApiListPromise<Stripe.Transfer> {
    return this.stripe.transfers.list(params);
  }

  createTransferReversal(transferId: string, params: Stripe.TransferCreateReversalParams, idempotencyKey: string): Promise<Stripe.TransferReversal> {
    return this.stripe.transfers.createReversal(transferId, params, { idempotencyKey });
  }

  listTransferReversals(transferId: string, params: Stripe.TransferListReversalsParams): Stripe.ApiListPromise<Stripe.TransferReversal> {
    return this.stripe.transfers.listReversals(transferId, params);
  }

  // The platform's balance

  listBalanceTransactions(params: Stripe.BalanceTransactionListParams): Stripe.ApiListPromise<Stripe.BalanceTransaction> {
    return this.stripe.balanceTransactions.list(params);
  }

  retrieveBalanceTransaction(id: string, params?: Stripe.BalanceTransactionRetrieveParams): Promise<Stripe.BalanceTransaction> {
    return this.stripe.balanceTransactions.retrieve(id, params);
  }

  // Connect onboarding

  createAccount(params: Stripe.AccountCreateParams, idempotencyKey: string): Promise<Stripe.Account> {
    return this.stripe.accounts.create(params, { idempotencyKey });
  }

  retrieveAccount(id: string): Promise<Stripe.Account> {
    return this.stripe.accounts.retrieve(id);
  }

  createAccountLink(params: Stripe.AccountLinkCreateParams): Promise<Stripe.AccountLink> {
    return this.stripe.accountLinks.create(params);
  }
}

/** Whether an error is one of the Stripe client's own (an API answer or a connection failure), for callers that hold no client. */
export function isStripeError(error: unknown): error is Stripe.errors.StripeError {
  return error instanceof Stripe.errors.StripeError;
}

/**
 * Whether a payment with a saved card failed because the bank wants the cardholder to authenticate
 * (3-D Secure): the donor must come back on-session (`StripeCardError` with code `authentication_required`).
 */
export function isAuthenticationRequired(error: unknown): error is Stripe.errors.StripeCardError {
  return error instanceof Stripe.errors.StripeCardError && error.code === 'authentication_required';
}

/** Whether a Stripe error says the object does not exist (`resource_missing`), e.g. a Customer deleted already. */
export function isNoSuchResource(error: unknown): boolean {
  return error instanceof Stripe.errors.StripeError && error.code === 'resource_missing';
}

/** Whether Stripe refused a card payment (a decline, authentication required): the error names its PaymentIntent. */
export function isCardError(error: unknown): error is Stripe.errors.StripeCardError {
  return error instanceof Stripe.errors.StripeCardError;
}

/** Whether Stripe refused the request itself (e.g. a saved card or customer that is gone): asking again changes nothing. */
export function isInvalidRequest(error: unknown): error is Stripe.errors.StripeInvalidRequestError {
  return error instanceof Stripe.errors.StripeInvalidRequestError;
}
