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

/** Whether a Stripe error says the object does not exist (`resource_missing`), e.g. a Customer deleted already. */
export function isNoSuchResource(error: unknown): boolean {
  return error instanceof Stripe.errors.StripeError && error.code === 'resource_missing';
}
