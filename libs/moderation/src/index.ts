export { ModerationModule } from './moderation.module.js';
export { ModerationService, type ModerationActor, type ReportsPage } from './moderation.service.js';
export type { HeldMessage, HiddenMessage, ModerationCampaign, StoredReport } from './persistence/moderation.repository.js';
export {
  REPORT_REASONS, HIDE_REASONS, HIDE_REASON_LABELS, REPORT_TARGETS, REPORT_STATUSES, isReportReason, isHideReason, checkReport, checkHideReason, checkNote, checkSuspensionReason, holdCause,
  type ReportReason, type HideReason, type ReportTarget, type ReportStatus, type ReportInput, type HoldRules, type HoldCause,
} from './domain/moderation-rules.js';
export * from './dto/moderation.dto.js';
