import { Body, Controller, Get, Param, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { requireUserText, TEXT_LIMITS } from '@ataa/common';
import { CampaignsService } from '@ataa/campaigns';
import { CampaignCloseOutService, DonationsQueryService } from '@ataa/donations';
import { PayoutsService } from '@ataa/payouts';
import { ReconciliationService } from '@ataa/reconciliation';
import { formatMoney, localeFor } from '@ataa/notifications';
import { COUNTRY_CODES, countryName, isCountryCode, OrganizationsService, type PageUser } from '@ataa/organizations';
import { csrfTokenValid } from '../campaign-pages/csrf.setup.js';
import { fillIsolated, fillIsolatedText } from '../http/isolate.js';
import { barChart, dailySeries, periodStarts, seriesStart } from './dashboard-chart.js';
import { DASHBOARD_PATH, DashboardContext, FormRefusal, toRefusal, type PageRequest } from './dashboard-context.js';
import { DASHBOARD_MESSAGES, differencesCount, failedRefundsCount, giftsCount } from './dashboard-messages.js';

const ATTENTION_DAYS = 14;

/**
 * The dashboard's entry, organizations and an organization's home. Every organization page checks
 * membership first (DashboardContext.membership: another organization's page is 404); the figures
 * come from the owning libs (DonationsQueryService.organizationSummary, CampaignsService.endingSoon, and for
 * "needs attention" CampaignCloseOutService, PayoutsService and ReconciliationService).
 */
@ApiExcludeController()
@Controller('dashboard')
export class DashboardHomeController {
  constructor(
    private readonly pages: DashboardContext,
    private readonly organizations: OrganizationsService,
    private readonly donations: DonationsQueryService,
    private readonly campaigns: CampaignsService,
    private readonly closeOuts: CampaignCloseOutService,
    private readonly payouts: PayoutsService,
    private readonly reconciliation: ReconciliationService,
  ) {}

  /** Where a visitor lands: sign-in, creating a first organization, its home, or the list of them. */
  @Get()
  async root(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const page = await this.pages.page(request, reply);
    if (!page.user) return this.pages.redirect(reply, `${DASHBOARD_PATH}/sign-in`);
    const memberships = await this.organizations.listForUser(page.user.userId);
    if (memberships.length === 0) return this.pages.redirect(reply, `${DASHBOARD_PATH}/organizations/new`);
    if (memberships.length === 1) return this.pages.redirect(reply, `${DASHBOARD_PATH}/o/${memberships[0].organization.id}`);
    return this.pages.redirect(reply, `${DASHBOARD_PATH}/organizations`);
  }

  @Get('organizations')
  async list(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const page = await this.pages.page(request, reply);
    if (!page.user) return this.pages.redirect(reply, `${DASHBOARD_PATH}/sign-in`);
    const t = DASHBOARD_MESSAGES[page.language];
    const memberships = await this.organizations.listForUser(page.user.userId);
    return this.pages.render(page, 'organizations', { title: t.chooseOrgTitle }, {
      heading: t.chooseOrgTitle,
      organizations: memberships.map((m) => ({ href: `${DASHBOARD_PATH}/o/${m.organization.id}`, name: m.organization.name, role: t.roles[m.role] })),
    });
  }

  @Get('organizations/new')
  async newOrganization(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const page = await this.pages.page(request, reply);
    if (!page.user) return this.pages.redirect(reply, `${DASHBOARD_PATH}/sign-in`);
    return this.createForm(page, 200, '', null, '');
  }

  @Post('organizations/new')
  async create(@Body() body: Record<string, unknown> | undefined, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const page = await this.pages.page(request, reply);
    if (!page.user) return this.pages.redirect(reply, `${DASHBOARD_PATH}/sign-in`);
    const name = typeof body?.name === 'string' ? body.name : '';
    const country = typeof body?.country === 'string' ? body.country : '';
    try {
      if (!(await csrfTokenValid(request))) throw new FormRefusal('csrf', 403);
      if (!page.user.emailVerified) throw new FormRefusal('email_not_verified', 403);
      let clean: string;
      try {
        clean = requireUserText('name', name, { min: 1, max: TEXT_LIMITS.organizationName });
      } catch {
        throw new FormRefusal(name.trim() ? 'invalid_text' : 'name_required', 400);
      }
      if (country !== '' && !isCountryCode(country)) throw new FormRefusal('invalid_country', 400);
      const created = await this.organizations.create(page.user, { name: clean, country: country || undefined });
      return this.pages.redirect(reply, `${DASHBOARD_PATH}/o/${created.organization.id}`);
    } catch (error) {
      const refusal = toRefusal(error);
      return this.createForm(page, refusal.status, name, this.pages.errorMessage(page.language, refusal.code), country);
    }
  }

  @Get('o/:organizationId')
  async home(@Param('organizationId') organizationId: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const page = await this.pages.page(request, reply);
    if (!page.user) return this.pages.redirect(reply, `${DASHBOARD_PATH}/sign-in`);
    const organization = await this.pages.membership(page.user, organizationId);
    const t = DASHBOARD_MESSAGES[page.language];
    const locale = localeFor(page.language);
    const now = new Date();
    const { weekStart, monthStart } = periodStarts(now);
    const [summary, ending, closeOutFailures, awaitingApproval, differences] = await Promise.all([
      this.donations.organizationSummary(organization.id, { weekStart, monthStart, dailyFrom: seriesStart(now) }),
      this.campaigns.endingSoon(organization.id, now, new Date(now.getTime() + ATTENTION_DAYS * 86_400_000)),
      this.closeOuts.withFailures(organization.id),
      this.payouts.awaitingApprovalFor(organization.id),
      this.reconciliation.openDifferencesFor(organization.id),
    ]);
    const campaignPage = (campaignId: string) => `${DASHBOARD_PATH}/o/${organization.id}/campaigns/${campaignId}`;
    const series = dailySeries(summary.daily, now);
    const chart = barChart(series);
    const dayFormat = new Intl.DateTimeFormat(locale, { month: 'short', day: 'numeric', timeZone: 'UTC' });
    const longDate = new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' });
    const number = new Intl.NumberFormat(locale);
    const total30 = series.reduce((sum, d) => sum + d.gifts, 0);
    const max30 = Math.max(0, ...series.map((d) => d.gifts));
    return this.pages.render(page, 'home', { title: fillIsolatedText(t.homeTitle, { organization: organization.name }), organization, section: 'home' }, {
      heading: fillIsolated(t.homeTitle, { organization: organization.name }),
      totals: summary.totals.map((row) => ({
        currency: row.currency.toUpperCase(),
        week: formatMoney(row.week, row.currency, locale), month: formatMoney(row.month, row.currency, locale), total: formatMoney(row.total, row.currency, locale),
        gifts: giftsCount(page.language, row.gifts, locale),
      })),
      donors: number.format(summary.donors),
      gifts: giftsCount(page.language, summary.totals.reduce((sum, r) => sum + r.gifts, 0), locale),
      chart: {
        ...chart,
        title: t.chartTitle,
        desc: t.chartDesc.replace('{total}', giftsCount(page.language, total30, locale)).replace('{max}', number.format(max30)),
        bars: chart.bars.map((b) => ({ ...b, label: `${dayFormat.format(new Date(`${b.day}T00:00:00Z`))}: ${giftsCount(page.language, b.gifts, locale)}` })),
        ticks: chart.ticks.map((tick) => ({ ...tick, label: number.format(tick.value) })),
        firstDay: dayFormat.format(new Date(`${series[0].day}T00:00:00Z`)),
        lastDay: dayFormat.format(new Date(`${series[series.length - 1].day}T00:00:00Z`)),
        rows: series.filter((d) => d.gifts > 0).map((d) => ({ day: longDate.format(new Date(`${d.day}T00:00:00Z`)), iso: d.day, gifts: number.format(d.gifts) })),
      },
      // What someone should look at: refunds that failed in a close-out, payouts waiting for the operator,
      // differences reconciliation found with Stripe, and campaigns about to end.
      attention: [
        ...closeOutFailures.map((c) => ({ kind: 'closeout-failed', title: c.title, href: campaignPage(c.campaignId), detail: failedRefundsCount(page.language, c.failed, locale) })),
        ...awaitingApproval.map((p) => ({
          kind: 'payout-awaiting-approval', title: t.payoutAwaitsApproval.replace('{amount}', formatMoney(p.amount, p.currency, locale)),
          href: `${DASHBOARD_PATH}/o/${organization.id}/payouts`, detail: null,
        })),
        ...differences.map((d) => ({ kind: 'reconciliation-differences', title: d.title, href: campaignPage(d.campaignId), detail: differencesCount(page.language, d.differences, locale) })),
        ...ending.map((c) => ({
          kind: 'ending-soon', title: c.title, href: `/c/${encodeURIComponent(c.slug)}`,
          detail: t.endingSoon.replace('{date}', longDate.format(c.endsAt!)), iso: c.endsAt!.toISOString(),
        })),
      ],
    });
  }

  private createForm(page: PageRequest & { user: PageUser | null }, status: number, name: string, error: string | null, country: string): Promise<void> {
    const t = DASHBOARD_MESSAGES[page.language];
    const locale = localeFor(page.language);
    // Every country by its name in the page's language (optional: discovery's country filter).
    const countries = COUNTRY_CODES.map((code) => ({ value: code, label: countryName(code, locale), selected: code === country }))
      .sort((a, b) => a.label.localeCompare(b.label, locale));
    return this.pages.render(page, 'create-organization', { status, title: t.createOrgTitle }, {
      heading: t.createOrgTitle, values: { name }, countries, error, verifyFirst: !page.user?.emailVerified,
    });
  }
}
