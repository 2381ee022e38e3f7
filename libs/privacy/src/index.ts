export { PrivacyModule } from './privacy.module.js';
export { ErasureService, ErasureLinkRefused, type ErasureRequestView, type ErasureRun } from './erasure.service.js';
export { RecurringGiftsRegistry, type RecurringGiftCanceller } from './recurring-gifts.js';
export {
  ERASURE_STATES, ERASURE_STEPS, canTransition, linkState, nextAction, remainingSteps, retainUntil,
  type ErasureState, type ErasureStep, type ErasureSource, type ErasureNext, type LinkState,
} from './domain/erasure-request.js';
export { deriveErasureKey, signErasureToken, verifyErasureToken, donorEmailHash, normalizeDonorEmail, type TokenCheck } from './domain/erasure-token.js';
export { scrubStripePayload } from './domain/stripe-payload-scrub.js';
export { renderErasureLinkMail, type ErasureLinkMail } from './domain/erasure-link-mail.js';
