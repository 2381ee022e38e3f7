export { createSandbox, type Sandbox, type SandboxOptions } from './sandbox.js';
export { SandboxControlClient, SandboxControlError, type ApiRequestCounts, type PayOptions, type PayResult } from './control-client.js';
export { signPayload } from './webhooks/signature.js';
export { DEFAULT_RETRY_POLICY, type DeliveryAttempt, type DeliveryMode, type RetryPolicy } from './webhooks/webhook-deliverer.js';
export { SANDBOX_API_VERSION } from './core/event-bus.js';
export { ASYNC_SETTLEMENT_SECONDS, DELAYED_DISPUTE_SECONDS, SETTLEMENT_DELAY_DAYS } from './core/engine.js';
export { BANK_FAILURE_ACCOUNT, BANK_SUCCESS_ACCOUNT } from './core/test-cards.js';
export { cardFee, bankDebitFee, disputeFee } from './core/fees.js';
