// STRIPE_CLIENT is not exported: outside this lib, Stripe is called through StripeGateway only.
// createStripeClient is for test support (libs/testing, the sandbox contract tests): see stripe-client-boundary.spec.ts.
export { createStripeClient, STRIPE_API_VERSION, STRIPE_MAX_NETWORK_RETRIES, type StripeClientOverrides } from './stripe-client.factory.js';
export { isAuthenticationRequired, isCardError, isInvalidRequest, isNoSuchResource, isStripeError, StripeGateway } from './gateway/stripe-gateway.js';
export { PaymentsModule } from './payments.module.js';
export { StripeEventsModule } from './stripe-events.module.js'; export { StripeWebhookVerifier, WebhookSignatureError, WEBHOOK_TOLERANCE_SECONDS } from './webhooks/stripe-webhook-verifier.js'; export { StripeEventInbox, type InboxEvent, type InboxEventSummary, type FailedAttempt, type DeadLetterPage } from './inbox/stripe-event-inbox.js'; export { StripeEventDispatcher, type StripeEventHandler, type HandlerOutcome } from './inbox/stripe-event-dispatcher.js';
export * from './dto/stripe-event.dto.js';
