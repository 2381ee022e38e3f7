import { Injectable } from '@nestjs/common';
import { encodeSeriesCursor, figuresPeriod, parseSeriesListQuery, recurringFigures, type Period, type RecurringFigures } from './domain/recurring-figures.js';
import { RecurringGiftsRepository, type OrganizationFailure, type OrganizationSeries } from './persistence/recurring-gifts.repository.js';
import { ScheduledGiftsRepository } from './persistence/scheduled-gifts.repository.js';

/** The most failed attempts one answer lists. */
export const FAILURES_LISTED = 100;

/**
 * What an organization sees of its recurring gifts (issue 20, item 5): the figures (recurring donors,
 * monthly recurring revenue per currency, churn and failed payments over a period), its series and
 * the failed attempts. Every read is scoped to the caller's organization: another organization's
 * series are simply not there.
 */
@Injectable()
export class RecurringFiguresService {
  constructor(private readonly repository: RecurringGiftsRepository, private readonly scheduled: ScheduledGiftsRepository) {}

  /** The period a query names (400 `period_invalid`), for callers that show it before asking. */
  period(query: { from?: unknown; to?: unknown }, now = new Date()): Period {
    return figuresPeriod(query, now);
  }

  async figures(organizationId: string, query: { from?: unknown; to?: unknown }, now = new Date()): Promise<RecurringFigures> {
    const period = figuresPeriod(query, now);
    const [facts, scheduled] = await Promise.all([this.repository.figureFacts(organizationId, period.from), this.scheduled.figureFacts(organizationId, period.from)]);
    return recurringFigures(facts.series, facts.failures, period, scheduled);
  }

  async series(organizationId: string, query: Record<string, unknown>): Promise<{ items: OrganizationSeries[]; nextCursor: string | null }> {
    const parsed = parseSeriesListQuery(query);
    const rows = await this.repository.listForOrganization(organizationId, { ...parsed, limit: parsed.limit + 1 });
    const items = rows.slice(0, parsed.limit);
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > parsed.limit && last ? encodeSeriesCursor(last) : null };
  }

  async failures(organizationId: string, query: { from?: unknown; to?: unknown }, now = new Date()): Promise<{ period: Period; items: OrganizationFailure[] }> {
    const period = figuresPeriod(query, now);
    return { period, items: await this.repository.failuresForOrganization(organizationId, period.from, period.to, FAILURES_LISTED) };
  }
}
