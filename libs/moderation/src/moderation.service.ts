import { Injectable } from '@nestjs/common';
import { ConflictError, DomainError, NotFoundError } from '@ataa/common';
import { type Queryable, TransactionRunner } from '@ataa/database';
import { AuditService } from '@ataa/organizations';
import { PublicLedgerRedactor } from '@ataa/transparency';
import { checkHideReason, HIDE_REASON_LABELS, checkNote, checkReport, checkSuspensionReason, type HideReason, type ReportStatus } from './domain/moderation-rules.js';
import { HeldMessage, HiddenMessage, ModerationCampaign, ModerationRepository, StoredReport } from './persistence/moderation.repository.js';

/** Who acts: a member or API key of an organization (only its own campaigns), or the operator (any campaign). */
export interface ModerationActor {
  /** `user:<id>`, `api_key:<id>` or `operator`. */
  actor: string;
  /** The caller's organization; null for the operator. */
  organizationId: string | null;
}

export interface ReportsPage {
  items: StoredReport[];
  nextCursor: string | null;
}

const encodeCursor = (r: StoredReport) => Buffer.from(`${r.createdAt.toISOString()}|${r.id}`).toString('base64url');

function decodeCursor(cursor: string | undefined): { at: Date; id: string } | undefined {
  if (!cursor) return undefined;
  const [at, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  const date = new Date(at ?? '');
  if (Number.isNaN(date.getTime()) || !/^[0-9a-f-]{36}$/i.test(id ?? '')) throw new DomainError('invalid_cursor', 'The cursor is not valid', 400, { field: 'cursor' });
  return { at: date, id };
}

/**
 * Reports from visitors, hidden donor-wall messages and campaign suspensions. Every change is
 * recorded in the audit log in the same transaction (who, what, the reason; never a reporter's
 * address, which only the rate limit sees).
 *
 * A hidden message is identified by its campaign and public log index (the donation's public
 * entry); hiding it redacts the message in the public log (value and salt removed, the commitment
 * stays, the entry shows the reason) in the same transaction.
 */
@Injectable()
export class ModerationService {
  constructor(
    private readonly repository: ModerationRepository,
    private readonly transactions: TransactionRunner,
    private readonly audit: AuditService,
    private readonly redactor: PublicLedgerRedactor,
  ) {}

  /**
   * A visitor's report about a message (by log index) or the campaign. 404 for a campaign that is
   * not public or a message that is not a gift of it. The caller rate-limits by address first.
   */
  async report(slug: string, raw: { target: unknown; entryIndex: unknown; reason: unknown; details: unknown }): Promise<{ id: string }> {
    const campaign = await this.repository.publicCampaign(slug);
    if (!campaign) throw new NotFoundError('Campaign', 'campaign_not_found');
    const input = checkReport(raw);
    if (input.entryIndex !== null && !(await this.repository.isGiftEntry(null, campaign.id, input.entryIndex))) {
      throw new NotFoundError('Message', 'message_not_found');
    }
    const id = await this.repository.insertReport({ campaignId: campaign.id, ...input });
    await this.audit.record(null, {
      organizationId: campaign.organizationId, actor: 'visitor', action: 'moderation.report_received', targetType: 'campaign', targetId: campaign.id,
      details: { reportId: id, target: input.target, entryIndex: input.entryIndex, reason: input.reason },
    });
    return { id };
  }

  async listReports(by: ModerationActor, query: { campaignId?: string; status?: ReportStatus; cursor?: string; limit: number }): Promise<ReportsPage> {
    if (query.campaignId && !(await this.repository.campaignOf(query.campaignId, by.organizationId))) throw new NotFoundError('Campaign');
    const rows = await this.repository.listReports({
      organizationId: by.organizationId, campaignId: query.campaignId, status: query.status, before: decodeCursor(query.cursor), limit: query.limit + 1,
    });
    const items = rows.slice(0, query.limit);
    return { items, nextCursor: rows.length > query.limit ? encodeCursor(items[items.length - 1]) : null };
  }

  /**
   * Hides a donor-wall message: records it, marks its open reports acted on and redacts the
   * message in the public log, in one transaction. Hiding again changes nothing and returns the
   * first record (a redaction cannot be undone: the salt is gone).
   */
  async hideMessage(by: ModerationActor, campaignId: string, entryIndex: number, raw: { reason: unknown; note?: unknown }): Promise<{ hidden: HiddenMessage; created: boolean }> {
    if (!Number.isSafeInteger(entryIndex) || entryIndex < 0) throw new NotFoundError('Message', 'message_not_found');
    return this.transactions.run(async (manager) => {
      const campaign = await this.repository.lockCampaign(manager, campaignId, by.organizationId);
      if (!campaign) throw new NotFoundError('Campaign');
      if (!(await this.repository.isGiftEntry(manager, campaign.id, entryIndex))) throw new NotFoundError('Message', 'message_not_found');
      const reason: HideReason = checkHideReason(raw.reason);
      const note = checkNote(raw.note);
      const hidden = await this.repository.insertHidden(manager, { campaignId: campaign.id, entryIndex, reason, note, actor: by.actor });
      if (!hidden) return { hidden: (await this.repository.hiddenMessage(manager, campaign.id, entryIndex))!, created: false };
      const reports = await this.repository.actionOpenReports(manager, campaign.id, entryIndex, by.actor);
      await this.repository.bumpModerationVersion(manager, campaign.id);
      // The message leaves the public log in the same transaction: value and salt removed, the
      // commitment stays (the log still verifies), the entry shows "hidden" and the reason in words.
      const [redacted] = await this.redactor.redact(manager, [{
        campaignId: campaign.id, target: { indexes: [entryIndex] }, fields: ['message'], reason: 'hidden', note: HIDE_REASON_LABELS[campaign.language][reason],
      }]);
      await this.audit.record(manager, {
        organizationId: campaign.organizationId, actor: by.actor, action: 'moderation.message_hidden', targetType: 'campaign', targetId: campaign.id,
        details: { entryIndex, reason, note, reportsActioned: reports, redactedInLog: (redacted?.indexes ?? []).includes(entryIndex) },
      });
      return { hidden, created: true };
    });
  }

  /** Messages the automatic filter held, waiting for release or hiding (oldest first). */
  async listHeld(by: ModerationActor, query: { campaignId?: string; limit: number }): Promise<HeldMessage[]> {
    if (query.campaignId) await this.requireCampaign(by, query.campaignId);
    return this.repository.listHeld({ organizationId: by.organizationId, campaignId: query.campaignId, limit: query.limit });
  }

  /**
   * Lets a held message show on the donor wall. It stays out of the public log: the gift's entry
   * was appended without it and entries are immutable (see docs/moderation.md). 409
   * `message_not_held` when the message was not held (or is already released), `message_hidden`
   * when it was hidden.
   */
  async releaseMessage(by: ModerationActor, campaignId: string, entryIndex: number): Promise<{ campaignId: string; entryIndex: number }> {
    if (!Number.isSafeInteger(entryIndex) || entryIndex < 0) throw new NotFoundError('Message', 'message_not_found');
    return this.transactions.run(async (manager) => {
      const campaign = await this.repository.lockCampaign(manager, campaignId, by.organizationId);
      if (!campaign) throw new NotFoundError('Campaign');
      const gift = await this.repository.lockGiftByEntry(manager, campaign.id, entryIndex);
      if (!gift || !gift.hasMessage) throw new NotFoundError('Message', 'message_not_found');
      if (await this.repository.hiddenMessage(manager, campaign.id, entryIndex)) throw new ConflictError('message_hidden', 'The message was hidden; it cannot be released');
      if (gift.review !== 'held') throw new ConflictError('message_not_held', 'The message is not held for review');
      await this.repository.releaseMessage(manager, gift.id);
      await this.repository.bumpModerationVersion(manager, campaign.id);
      await this.audit.record(manager, {
        organizationId: campaign.organizationId, actor: by.actor, action: 'moderation.message_released', targetType: 'campaign', targetId: campaign.id,
        details: { entryIndex },
      });
      return { campaignId: campaign.id, entryIndex };
    });
  }

  /** Closes an open report without action. 409 `report_not_open` when it was already resolved. */
  async dismissReport(by: ModerationActor, reportId: string): Promise<StoredReport> {
    if (!/^[0-9a-f-]{36}$/i.test(reportId)) throw new NotFoundError('Report', 'report_not_found');
    return this.transactions.run(async (manager) => {
      const report = await this.repository.lockReport(manager, reportId, by.organizationId);
      if (!report) throw new NotFoundError('Report', 'report_not_found');
      if (report.status !== 'open') throw new ConflictError('report_not_open', `The report is already ${report.status}`, { reportStatus: report.status });
      await this.repository.resolveReport(manager, report.id, 'dismissed', by.actor);
      const campaign = await this.repository.campaignOf(report.campaignId, null);
      await this.audit.record(manager, {
        organizationId: campaign?.organizationId ?? null, actor: by.actor, action: 'moderation.report_dismissed', targetType: 'moderation_report', targetId: report.id,
        details: { campaignId: report.campaignId, target: report.target, entryIndex: report.entryIndex, reason: report.reason },
      });
      return { ...report, status: 'dismissed', resolvedAt: new Date(), resolvedBy: by.actor };
    });
  }

  /**
   * The operator suspends a campaign: it takes no gifts (checkout answers 409 `campaign_suspended`)
   * and its page shows the public reason instead of the form. Its lifecycle status, dates and
   * close-out are untouched. A cancelled campaign cannot be suspended (409): it takes no gifts and
   * has no public page. Suspending a suspended campaign replaces the reason.
   */
  async suspend(campaignId: string, rawReason: unknown): Promise<ModerationCampaign> {
    const reason = checkSuspensionReason(rawReason);
    return this.transactions.run(async (manager) => {
      const campaign = await this.repository.lockCampaign(manager, campaignId, null);
      if (!campaign) throw new NotFoundError('Campaign');
      if (campaign.status === 'cancelled') throw new ConflictError('campaign_cancelled', 'A cancelled campaign cannot be suspended', { campaignStatus: campaign.status });
      await this.repository.setSuspension(manager, campaign.id, reason);
      const reports = await this.repository.actionOpenReports(manager, campaign.id, null, 'operator');
      await this.audit.record(manager, {
        organizationId: campaign.organizationId, actor: 'operator', action: 'campaign.suspended', targetType: 'campaign', targetId: campaign.id,
        details: { reason, campaignStatus: campaign.status, reportsActioned: reports, previousReason: campaign.suspensionReason },
      });
      return (await this.repository.lockCampaign(manager, campaign.id, null))!;
    });
  }

  /** Lifts a suspension: the campaign takes gifts again if its status and dates allow. 409 `campaign_not_suspended` otherwise. */
  async unsuspend(campaignId: string): Promise<ModerationCampaign> {
    return this.transactions.run(async (manager) => {
      const campaign = await this.repository.lockCampaign(manager, campaignId, null);
      if (!campaign) throw new NotFoundError('Campaign');
      if (!campaign.suspendedAt) throw new ConflictError('campaign_not_suspended', 'The campaign is not suspended');
      await this.repository.setSuspension(manager, campaign.id, null);
      await this.audit.record(manager, {
        organizationId: campaign.organizationId, actor: 'operator', action: 'campaign.unsuspended', targetType: 'campaign', targetId: campaign.id,
        details: { previousReason: campaign.suspensionReason },
      });
      return (await this.repository.lockCampaign(manager, campaign.id, null))!;
    });
  }

  /** The campaign when the caller may moderate it (its organization's, or any for the operator); 404 otherwise. */
  async requireCampaign(by: Pick<ModerationActor, 'organizationId'>, campaignId: string): Promise<ModerationCampaign> {
    const campaign = /^[0-9a-f-]{36}$/i.test(campaignId) ? await this.repository.campaignOf(campaignId, by.organizationId) : null;
    if (!campaign) throw new NotFoundError('Campaign');
    return campaign;
  }

  /** Hidden messages of a campaign among these public log indexes (donor wall). */
  hiddenAmong(campaignId: string, indexes: readonly number[], db?: Queryable): Promise<Map<number, HiddenMessage>> {
    return this.repository.hiddenAmong(campaignId, indexes, db);
  }
}
