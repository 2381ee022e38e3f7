export { DonationsModule, DONATION_EVENT_TYPES } from './donations.module.js';
export { CheckoutService, type CheckoutInput, type CheckoutResult } from './checkout.service.js';
export { DonationSyncService, type StripeSnapshot } from './donation-sync.service.js';
export { PendingFeesService, FEE_SWEEP, feeFacts, type FeeSweepResult } from './pending-fees.service.js';
export { RefundsService, type RefundRequest } from './refunds.service.js';
export { FundsRecoveryRegistry, type FundsRecovery } from './funds-recovery.js';
export {
  DonationsQueryService, type DonationListFilter, type PublicGift, type OrganizationSummary, type OrganizationTotals, type DonationHistory, type DonationDispute, type DonationLedgerEntry,
} from './donations-query.service.js';
export { donationCsvHeader, donationCsvLine, DONATION_CSV_COLUMNS, type DonationCsvRow } from './domain/donation-csv.js';
export { DonationReceiptDataSource } from './donation-receipt-data.source.js';
export { CampaignReader, assertAcceptsDonations, type CampaignPageHead, type DonationCampaign, type OrganizationCampaign } from './persistence/campaign-reader.js';
export { type Donation, type DonationRefund } from './persistence/donation.row.js';
export { DONATION_STATUSES, settledStatus, isSettled, nextUnsettledStatus, disputeOutcome, type DonationStatus } from './domain/donation-status.js';
export { refundableAmount, refundRefusal, reservedByRefunds, RESERVING_REFUND_STATUSES, type NotRefundable, type RefundableFacts } from './domain/refundable.js';
export { donationAmount, type AmountRules, type DonationAmount } from './domain/donation-amount.js';
export { CampaignCloseOutModule } from './closeout.module.js';
export { CampaignCloseOutService, CLOSEOUT_REFUND_KEY, CLOSEOUT_ACTOR, CLOSEOUT_JOB_OPTIONS, closeOutJobId, type CloseOutProgress, type CloseOutItem, type CloseOutRun } from './campaign-closeout.service.js';
export { type CloseOutAttention } from './persistence/closeout.repository.js';
export {
  decideCloseOut, planGiftRefund, planItems, tallyItems, nextBatch, closeOutStatus, isDue, mayCloseOut, raisedTowardGoal, itemStatusForRefund, payoutsAllowed,
  type CloseOutDecision, type CloseOutReason, type CloseOutStatus, type CloseOutItemStatus, type CloseOutGift, type GiftRefundPlan, type ItemsTally, type PlannedItem,
} from './domain/closeout.js';
export {
  planSettlement, SettlementMismatchError, type SettlementPlan, type SettlementFacts, type GiftState, type ChargeFact, type RefundFact, type DisputeFact,
  type BalanceTransactionFact, type DonationChange, type IdSource,
} from './domain/settlement.js';
export { routeEvent, EVENT_PLANNED_TYPES, type EventRoute, type EventLinks } from './domain/event-facts.js';
export { PledgesService, PLEDGE_COMPLETION_PURPOSE, type PledgeInput, type PledgeStart, type PledgeRun, type PledgeCompletionView } from './pledges.service.js';
export { type Pledge } from './persistence/pledge.repository.js';
export {
  PLEDGE_STATES, GRACE_DAYS, GRACE_MS, canMove, move, isFinal, pledgedTowardGoal, planPledgeBatch, pledgesOpen, planChargeOutcome, planGrace, mayCompleteNow, pledgeFigures,
  pledgeChargeKey, pledgeSetupKey, pledgeCustomerKey, pledgeCompletionKey, graceEnd, PledgeTransitionError,
  type PledgeState, type PledgeItem, type PledgeAction, type PledgeOutcome, type ChargeAnswer, type ChargePlan, type PledgeFigures,
} from './domain/pledges.js';
export { renderPledgeMail, type PledgeMailKind, type PledgeMail } from './domain/pledge-mail.js';
export { OfflineGiftsService, OFFLINE_GIFT_ROLES, type OfflineGiftInput } from './offline-gifts.service.js';
export { type OfflineGift, type OfflineGiftCampaign } from './persistence/offline-gift.repository.js';
export {
  checkOfflineGift, planOfflineGift, planOfflineGiftVoid, offlineGiftAmount, offlineGiftDate, offlineVoidReason, MAXIMUM_OFFLINE_GIFT, OFFLINE_VOID_REASON_MAX, OFFLINE_REFERENCE_MAX,
  OFFLINE_GIFT_METHODS, type OfflineGiftFacts, type CheckedOfflineGift, type RecordedOfflineGift, type OfflineGiftMethod,
} from './domain/offline-gifts.js';
export { MatchingCardService, MATCHING_EXPIRY_ACTOR, type CardCollectionResult } from './matching-card.service.js';
export { MatchingService, type MatchingOfferInput, type MatchingCollectionInput, type MatchingOfferView } from './matching.service.js';
export { type MatchingOffer, type MatchingCollection } from './persistence/matching.repository.js';
export {
  checkMatchingOffer, planMatching, planCardCollection, planCardReopening, matchOf, inWindow, matchingStatus, MATCHING_RATIO_MAX, type MatchingOfferFacts, type CheckedMatchingOffer, type MatchingOfferState,
  type MatchableGift, type ExistingAccrual, type MatchingStep,
} from './domain/matching.js';
export { CreateMatchingOfferDto, CollectMatchingOfferDto, MatchingOfferDto, MatchingOfferListDto, MatchingCollectionDto, CollectMatchingByCardDto, MatchingCardCollectionDto, toMatchingOfferDto } from './dto/matching-offer.dto.js';
export { CreateOfflineGiftDto, VoidOfflineGiftDto, OfflineGiftDto, OfflineGiftListDto, toOfflineGiftDto } from './dto/offline-gift.dto.js';
export { RecurringGiftsService, RECURRING_EVENT_TYPES, type RecurringCheckoutInput } from './recurring-gifts.service.js';
export { type RecurringGift } from './persistence/recurring-gifts.repository.js';
export {
  recurringTerms, intervalOf, nextRecurringStatus, isFinal as isRecurringFinal, assertLive as assertRecurringLive, reachedLastPayment, stoppedStatus,
  GIFT_FREQUENCIES, RECURRING_INTERVALS, RECURRING_STATUSES, RECURRING_END_REASONS, MAX_PAYMENTS, type GiftFrequency, type RecurringInterval, type RecurringStatus, type RecurringEndReason, type RecurringTerms,
} from './domain/recurring-gift.js';
export { signRecurringLink, verifyRecurringLink, RECURRING_LINK_PURPOSES, type RecurringLinkPurpose } from './domain/recurring-links.js';
export { renderRecurringNotice } from './domain/recurring-notice-mail.js';
export { RecurringFiguresService, FAILURES_LISTED } from './recurring-figures.service.js';
export {
  recurringFigures, figuresPeriod, monthlyRecurringRevenue, churnBasisPoints, liveAt, parseSeriesListQuery, encodeSeriesCursor, SERIES_LIST_STATUSES, SERIES_PAGE,
  MAX_PERIOD_DAYS, DEFAULT_PERIOD_DAYS, type RecurringFigures, type SeriesFact, type FailureFact, type Period, type SeriesListQuery,
} from './domain/recurring-figures.js';
export { type OrganizationSeries, type OrganizationFailure } from './persistence/recurring-gifts.repository.js';
export {
  RecurringFiguresDto, RecurringSeriesDto, RecurringSeriesPageDto, SetGeneralFundDto, GeneralFundDto, toGeneralFundDto, PledgeFiguresDto, toPledgeFiguresDto, RecurringFailureDto, RecurringFailureListDto, RecurringPeriodDto, periodDto, toRecurringFiguresDto, toRecurringSeriesDto, toRecurringFailureDto,
} from './dto/recurring-figures.dto.js';
export { checkGeneralFund, planCloseOutMove, fundOpen, type CloseOutMove, type FundCandidate } from './domain/general-fund.js';
export {
  SCHEDULE_KINDS, MAX_FRIDAYS, RAMADAN_CHARGE_HOUR, FRIDAY_CHARGE_HOUR, checkTimeZone, zoneOffset, zonedInstant, localToday, hijriOf, ramadanLastTenNights, fridays,
  scheduleOccurrences, scheduledChargeKey, dueOccurrences, type ScheduleKind, type Occurrence,
  SCHEDULE_FREQUENCIES, isScheduleFrequency, scheduledFormTerms, defaultTimeZone, OFFERED_TIME_ZONES,
} from './domain/scheduled-series.js';
export { SCHEDULED_LINK_PURPOSES, SCHEDULED_GRACE_DAYS, signScheduledCancelLink, signScheduledPayLink, verifyScheduledLink } from './domain/scheduled-links.js';
export { renderScheduledNotice, scheduleWords, type ScheduledNoticeEvent } from './domain/scheduled-notice-mail.js';
export { ScheduledGiftsService, type ScheduledGiftInput, type ScheduledRun, type ScheduledPayView } from './scheduled-gifts.service.js';
export type { DonorScheduledGift, ScheduledCharge, ScheduledEndReason, ScheduledGift } from './persistence/scheduled-gifts.repository.js';
