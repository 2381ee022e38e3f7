import { Foundation1795000000000 } from './1795000000000-foundation.js';
import { Organizations1795000100000 } from './1795000100000-organizations.js';
import { Campaigns1795000100001 } from './1795000100001-campaigns.js';
import { Ledger1795000200000 } from './1795000200000-ledger.js';
import { Donations1795000210000 } from './1795000210000-donations.js';
import { Transparency1795000300000 } from './1795000300000-transparency.js';
import { Notifications1795000400000 } from './1795000400000-notifications.js';
import { Payouts1795000500000 } from './1795000500000-payouts.js';
import { CampaignCloseout1795000600000 } from './1795000600000-campaign-closeout.js';
import { Reconciliation1795000900000 } from './1795000900000-reconciliation.js';
import { ReconciliationRecordedAt1795000960000 } from './1795000960000-reconciliation-recorded-at.js';
import { InvitationEmails1795000990000 } from './1795000990000-invitation-emails.js';
import { InboxDeadLetter1795001000000 } from './1795001000000-inbox-dead-letter.js';
import { CampaignLifecycle1795001100000 } from './1795001100000-campaign-lifecycle.js';
import { FxFeeTotals1795001200000 } from './1795001200000-fx-fee-totals.js';
import { LedgerBalanceSlots1795001300000 } from './1795001300000-ledger-balance-slots.js';
import { SettlementBatches1795001400000 } from './1795001400000-settlement-batches.js';
import { PublicEntryRedaction1795001500000 } from './1795001500000-public-entry-redaction.js';
import { Erasure1795001600000 } from './1795001600000-erasure.js';
import { Moderation1795001700000 } from './1795001700000-moderation.js';
import { PrivacyExportRetention1795001800000 } from './1795001800000-privacy-export-retention.js';
import { FeeSweep1795001900000 } from './1795001900000-fee-sweep.js';
import { DashboardAccounts1795002000000 } from './1795002000000-dashboard-accounts.js';
import { StripeEventsObject1795002100000 } from './1795002100000-stripe-events-object.js';
import { TwoFactor1795002400000 } from './1795002400000-two-factor.js';
import { OperatorAccounts1795002500000 } from './1795002500000-operator-accounts.js';
import { CampaignDiscovery1795002700000 } from './1795002700000-campaign-discovery.js';
import { CampaignEmbedOrigins1795002800000 } from './1795002800000-campaign-embed-origins.js';
import { OrganizationCountry1795003000000 } from './1795003000000-organization-country.js';
import { TransparencyWitnesses1795003300000 } from './1795003300000-transparency-witnesses.js';
import { DonorPage1795003600000 } from './1795003600000-donor-page.js';
import { OfflineGifts1795003800000 } from './1795003800000-offline-gifts.js';
import { RecurringGifts1795003900000 } from './1795003900000-recurring-gifts.js';
import { Pledges1795004000000 } from './1795004000000-pledges.js';
import { CampaignUpdates1795004100000 } from './1795004100000-campaign-updates.js';
import { PartitionGrowingTables1795004400000 } from './1795004400000-partition-growing-tables.js';
import { PublicReconciliation1795004500000 } from './1795004500000-public-reconciliation.js';
import { SpendingEvidence1795004510000 } from './1795004510000-spending-evidence.js';
import { RecurringPaymentFailures1795004600000 } from './1795004600000-recurring-payment-failures.js';
import { RecurringGeneralFund1795004600001 } from './1795004600001-recurring-general-fund.js';
import { ScheduledGifts1795004600002 } from './1795004600002-scheduled-gifts.js';
import { DesignatedFunds1795004700000 } from './1795004700000-designated-funds.js';
import { MatchingGifts1795004710000 } from './1795004710000-matching-gifts.js';
import { ErasureOfflineGifts1795004710001 } from './1795004710001-erasure-offline-gifts.js';
import { ScheduledSeriesCare1795004720000 } from './1795004720000-scheduled-series-care.js';
import { GiftDesignations1795004730000 } from './1795004730000-gift-designations.js';
import { SplitPayouts1795004740000 } from './1795004740000-split-payouts.js';
import { DesignationReport1795004750000 } from './1795004750000-designation-report.js';
import { MatchingCollectionVoids1795004750001 } from './1795004750001-matching-collection-voids.js';
import { MatchingCardCollections1795004770000 } from './1795004770000-matching-card-collections.js';
import { MatchingCardReopenings1795004780000 } from './1795004780000-matching-card-reopenings.js';
import { UpdateImageAlt1795004810000 } from './1795004810000-update-image-alt.js';

/**
 * Every migration, in order. Listed explicitly (not globbed) so that the set applied is exactly
 * what was reviewed, in every runtime (tsc output, jest, the TypeORM CLI).
 */
export const MIGRATIONS = [Foundation1795000000000, Organizations1795000100000, Campaigns1795000100001, Ledger1795000200000, Donations1795000210000, Transparency1795000300000, Notifications1795000400000, Payouts1795000500000, CampaignCloseout1795000600000, Reconciliation1795000900000, ReconciliationRecordedAt1795000960000, InvitationEmails1795000990000, InboxDeadLetter1795001000000, CampaignLifecycle1795001100000, FxFeeTotals1795001200000, LedgerBalanceSlots1795001300000, SettlementBatches1795001400000, PublicEntryRedaction1795001500000, Erasure1795001600000, Moderation1795001700000, PrivacyExportRetention1795001800000, FeeSweep1795001900000, DashboardAccounts1795002000000, StripeEventsObject1795002100000, TwoFactor1795002400000, OperatorAccounts1795002500000, CampaignDiscovery1795002700000, CampaignEmbedOrigins1795002800000, OrganizationCountry1795003000000, TransparencyWitnesses1795003300000, DonorPage1795003600000, OfflineGifts1795003800000, RecurringGifts1795003900000, Pledges1795004000000, CampaignUpdates1795004100000, PartitionGrowingTables1795004400000, PublicReconciliation1795004500000, SpendingEvidence1795004510000, RecurringPaymentFailures1795004600000, RecurringGeneralFund1795004600001, ScheduledGifts1795004600002, DesignatedFunds1795004700000, MatchingGifts1795004710000, ErasureOfflineGifts1795004710001, ScheduledSeriesCare1795004720000, GiftDesignations1795004730000, SplitPayouts1795004740000, DesignationReport1795004750000, MatchingCollectionVoids1795004750001, MatchingCardCollections1795004770000, MatchingCardReopenings1795004780000, UpdateImageAlt1795004810000];
