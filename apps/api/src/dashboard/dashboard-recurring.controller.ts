import { Body, Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, ForbiddenError } from '@ataa/common';
import { CampaignReader, periodDto, RecurringFiguresService, RecurringGiftsService, SERIES_LIST_STATUSES, type Period } from '@ataa/donations';
import { formatMoney, localeFor } from '@ataa/notifications';
import { roleAllows, type PageUser, type Principal } from '@ataa/organizations';
import { csrfTokenValid } from '../campaign-pages/csrf.setup.js';
import { escapeHtml, fillIsolated, fillIsolatedText } from '../http/isolate.js';
import { DASHBOARD_PATH, DashboardContext, FormRefusal, toRefusal, type DashboardOrganization, type PageRequest } from './dashboard-context.js';
import { RECURRING_MESSAGES } from './recurring-messages.js';

const asString = (v: unknown): string | undefined => (typeof v === 'string' ? v.slice(0, 200) : undefined);

/**
 * The organization's recurring gifts (issue 20, item 5), any member, no JavaScript: recurring donors,
 * monthly recurring revenue per currency, churn and failed payments over a period chosen in a GET
 * form, the failed attempts and the series. The same service and rules as
 * `GET /api/v1/orgs/:orgId/recurring/...` (RecurringFiguresController). A wrong period or filter is
 * said on the page (400) and not applied.
 */
@ApiExcludeController()
@Controller('dashboard/o/:organizationId/recurring')
export class DashboardRecurringController {
  constructor(
    private readonly pages: DashboardContext,
    private readonly figures: RecurringFiguresService,
    private readonly recurring: RecurringGiftsService,
    private readonly campaigns: CampaignReader,
  ) {}

  /** The general fund form (owner, admin; the API's PUT .../recurring/general-fund and its rules). */
  @Post('general-fund')
  async setGeneralFund(
    @Param('organizationId') organizationId: string, @Body() body: Record<string, unknown> | undefined, @Req() request: FastifyRequest, @Res() reply: FastifyReply,
  ): Promise<void> {
    const page = await this.pages.page(request, reply);
    if (!page.user) return this.pages.redirect(reply, `${DASHBOARD_PATH}/sign-in`);
    const organization = await this.pages.membership(page.user, organizationId);
    if (!roleAllows(organization.role, ['admin'])) throw new ForbiddenError();
    const chosen = typeof body?.campaignId === 'string' ? body.campaignId.slice(0, 64) : '';
    try {
      if (!(await csrfTokenValid(request))) throw new FormRefusal('csrf', 403);
      await this.recurring.setGeneralFund(principalOf(page.user, organization), chosen || null);
      return this.pages.redirect(reply, `${DASHBOARD_PATH}/o/${organization.id}/recurring?saved=fund`);
    } catch (error) {
      const refusal = toRefusal(error);
      return this.renderPage(page, organization, {}, { status: refusal.status, code: refusal.code });
    }
  }

  @Get()
  async show(@Param('organizationId') organizationId: string, @Query() query: Record<string, unknown>, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const page = await this.pages.page(request, reply);
    if (!page.user) return this.pages.redirect(reply, `${DASHBOARD_PATH}/sign-in`);
    const organization = await this.pages.membership(page.user, organizationId);
    return this.renderPage(page, organization, query, query.saved === 'fund' ? { saved: true } : null);
  }

  private async renderPage(
    page: PageRequest, organization: DashboardOrganization, query: Record<string, unknown>, fund: { saved: true } | { status: number; code: string } | null,
  ): Promise<void> {
    const t = RECURRING_MESSAGES[page.language];
    const locale = localeFor(page.language);
    const base = `${DASHBOARD_PATH}/o/${organization.id}/recurring`;
    const asked = { from: asString(query.from) || undefined, to: asString(query.to) || undefined };
    const listQuery = { status: asString(query.status) || undefined, cursor: asString(query.cursor) || undefined };
    let refused = false;
    let period: Period;
    try {
      period = this.figures.period(asked);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      refused = true;
      period = this.figures.period({});
    }
    const shown = periodDto(period);
    const [figures, failures, series, current, campaigns] = await Promise.all([
      this.figures.figures(organization.id, shown),
      this.figures.failures(organization.id, shown),
      this.figures.series(organization.id, listQuery).catch((error: unknown) => {
        if (!(error instanceof DomainError)) throw error;
        refused = true;
        return this.figures.series(organization.id, {});
      }),
      this.recurring.generalFund(organization.id),
      this.campaigns.listForOrganization(organization.id, 200),
    ]);
    const fundRefusal = fund && 'code' in fund ? fund : null;
    const currentId = current?.organizationId === organization.id ? current.id : null;
    const canManage = roleAllows(organization.role, ['admin']);
    const number = new Intl.NumberFormat(locale);
    const percent = new Intl.NumberFormat(locale, { style: 'percent', minimumFractionDigits: 2, maximumFractionDigits: 2 });
    const longDate = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' });
    const dayOf = (iso: string) => longDate.format(new Date(`${iso}T00:00:00Z`));
    const status = listQuery.status && (SERIES_LIST_STATUSES as readonly string[]).includes(listQuery.status) ? listQuery.status : '';
    const nextHref = series.nextCursor
      ? `${base}?${new URLSearchParams({ from: shown.from, to: shown.to, ...(status ? { status } : {}), cursor: series.nextCursor }).toString()}`
      : null;
    return this.pages.render(page, 'recurring', { status: fundRefusal?.status ?? (refused ? 400 : 200), title: t.title, organization, section: 'recurring' }, {
      r: t,
      fund: {
        canManage, saved: fund !== null && 'saved' in fund, error: fundRefusal ? t.fundRefused[fundRefusal.code] ?? fundRefusal.code : null,
        action: `${base}/general-fund`,
        choice: current && currentId ? fillIsolated(t.fundMoveTo, { campaign: current.title }) : escapeHtml(t.fundNone),
        options: [
          { value: '', label: t.fundNone, selected: currentId === null },
          ...campaigns.filter((c) => c.status === 'published' || c.id === currentId).map((c) => ({
            value: c.id, label: `${fillIsolatedText(t.fundMoveTo, { campaign: c.title })} (${c.currency.toUpperCase()})`, selected: c.id === currentId,
          })),
        ],
      },
      refused,
      period: { ...shown, sentence: t.periodShown.replace('{from}', dayOf(shown.from)).replace('{to}', dayOf(shown.to)) },
      donors: number.format(figures.recurringDonors),
      seriesCounts: { active: number.format(figures.series.active), pastDue: number.format(figures.series.pastDue), paused: number.format(figures.series.paused) },
      mrr: figures.monthlyRecurringRevenue.map((m) => ({ currency: m.currency.toUpperCase(), amount: formatMoney(m.amount, m.currency, locale), series: number.format(m.series) })),
      churn: {
        ended: number.format(figures.churn.ended), live: number.format(figures.churn.liveAtStart),
        rate: figures.churn.rateBasisPoints === null ? null : percent.format(figures.churn.rateBasisPoints / 10_000),
        reasons: Object.entries(figures.churn.endedByReason).map(([reason, count]) => ({ label: t.reasons[reason] ?? reason, count: number.format(count ?? 0) })),
      },
      failed: {
        attempts: number.format(figures.failedPayments.attempts), series: number.format(figures.failedPayments.series), recovered: number.format(figures.failedPayments.recovered),
        amounts: figures.failedPayments.amounts.map((a) => ({ currency: a.currency.toUpperCase(), amount: formatMoney(a.amount, a.currency, locale) })),
      },
      scheduled: {
        donors: number.format(figures.scheduled.donors), ramadan: number.format(figures.scheduled.active.ramadanLastTen), fridays: number.format(figures.scheduled.active.fridays),
        cancelled: number.format(figures.scheduled.cancelled), paid: number.format(figures.scheduled.paid.occurrences),
        failed: number.format(figures.scheduled.failed.occurrences), recovered: number.format(figures.scheduled.failed.recovered),
        planned: figures.scheduled.stillPlanned.map((p) => ({ currency: p.currency.toUpperCase(), amount: formatMoney(p.amount, p.currency, locale), occurrences: number.format(p.occurrences) })),
      },
      failures: failures.items.map((f) => ({
        when: longDate.format(f.failedAt), iso: new Date(f.failedAt).toISOString(), donor: f.donorName ?? f.donorEmail, email: f.donorEmail, campaign: f.campaignTitle,
        amount: formatMoney(f.amount, f.currency, locale), attempt: number.format(f.attempt),
        outcome: f.recovered ? t.recovered : f.willRetry ? t.retrying : t.gaveUp, recovered: f.recovered,
      })),
      series: series.items.map((s) => ({
        id: s.id, donor: s.donorName ?? s.donorEmail, email: s.donorEmail, anonymous: s.anonymous, campaign: s.campaignTitle,
        amount: formatMoney(s.amount, s.currency, locale), interval: t.intervals[s.interval] ?? s.interval, statusKey: s.status, status: t.statuses[s.status] ?? s.status,
        reason: s.endReason ? t.reasons[s.endReason] ?? s.endReason : null, payments: number.format(s.paymentsCount),
        lastPaid: s.lastPaidAt ? longDate.format(s.lastPaidAt) : '—', started: longDate.format(s.createdAt),
      })),
      statusOptions: [{ value: '', label: t.allStatuses, selected: status === '' }, ...SERIES_LIST_STATUSES.map((s) => ({ value: s, label: t.statuses[s], selected: s === status }))],
      formAction: base,
      nextHref,
    });
  }
}

function principalOf(user: PageUser, organization: DashboardOrganization): Principal {
  return { organizationId: organization.id, role: organization.role, userId: user.userId, apiKeyId: null, actor: user.actor };
}
