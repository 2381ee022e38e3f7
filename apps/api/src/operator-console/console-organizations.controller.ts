import { Body, Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { NotFoundError } from '@ataa/common';
import { operatorActor, OperatorAccountsService } from '@ataa/operators';
import { AuditService, isUuid } from '@ataa/organizations';
import { PayoutsService, type OrganizationPayoutSettings } from '@ataa/payouts';
import { csrfTokenValid } from '../campaign-pages/csrf.setup.js';
import { FormRefusal, toRefusal } from '../dashboard/dashboard-context.js';
import { fillIsolated, isolateText } from '../http/isolate.js';
import { CONSOLE_PATH, ConsoleContext, type OperatorPage } from './console-context.js';
import { consoleFormat } from './console-format.js';
import { CONSOLE_MESSAGES } from './console-messages.js';

const PAGE_SIZE = 50;
const MAX_PAGE = 1000;
const HISTORY = 10;

/** A threshold as typed: empty is none (an operator approves every payout), else whole minor units. */
export function parseThreshold(typed: unknown): bigint | null {
  const value = typeof typed === 'string' ? typed.trim() : '';
  if (value === '') return null;
  if (!/^\d{1,18}$/.test(value)) throw new FormRefusal('threshold_invalid', 400);
  return BigInt(value);
}

/**
 * Organizations and their payout thresholds. A change goes through PayoutsService.setApprovalThreshold,
 * like PUT /operator/organizations/:id/payout-threshold, with the operator as the audit log's actor.
 */
@ApiExcludeController()
@Controller('console/organizations')
export class ConsoleOrganizationsController {
  constructor(
    private readonly console: ConsoleContext,
    private readonly payouts: PayoutsService,
    private readonly audit: AuditService,
    private readonly operators: OperatorAccountsService,
  ) {}

  @Get()
  async list(@Query('q') q: unknown, @Query('page') pageNumber: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const page = await this.console.operatorPage(request, reply);
    if (!page) return;
    const t = CONSOLE_MESSAGES[page.language];
    const f = consoleFormat(page.language);
    // Invalid filters are ignored (as on the dashboard's lists).
    const search = typeof q === 'string' ? q.trim().slice(0, 100) : '';
    const n = typeof pageNumber === 'string' && /^\d{1,4}$/.test(pageNumber) ? Math.min(Math.max(Number(pageNumber), 1), MAX_PAGE) : 1;
    const { items, more } = await this.payouts.organizationSettings({ q: search || undefined }, { offset: (n - 1) * PAGE_SIZE, limit: PAGE_SIZE });
    const href = (to: number) => `${CONSOLE_PATH}/organizations?${new URLSearchParams({ ...(search ? { q: search } : {}), page: String(to) })}`;
    return this.console.render(page, 'organizations', { title: t.organizationsTitle, section: 'organizations' }, {
      heading: t.organizationsTitle, q: search,
      organizations: items.map((o) => ({
        id: o.id, href: `${CONSOLE_PATH}/organizations/${o.id}`, name: o.name, threshold: this.threshold(page, o),
        payoutsEnabled: o.payoutsEnabled ? t.yes : t.no, awaiting: f.count(o.awaitingApproval),
      })),
      previousHref: n > 1 ? href(n - 1) : null, nextHref: more && n < MAX_PAGE ? href(n + 1) : null,
    });
  }

  @Get(':organizationId')
  async show(@Param('organizationId') organizationId: string, @Query('saved') saved: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const page = await this.console.operatorPage(request, reply);
    if (!page) return;
    const organization = await this.organization(organizationId);
    return this.render(page, organization, 200, { notice: saved === '1' ? CONSOLE_MESSAGES[page.language].thresholdSaved : null, value: organization.approvalThreshold?.toString() ?? '' });
  }

  @Post(':organizationId/threshold')
  async setThreshold(@Param('organizationId') organizationId: string, @Body() body: Record<string, unknown> | undefined, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const page = await this.console.operatorPage(request, reply);
    if (!page) return;
    const organization = await this.organization(organizationId);
    const typed = typeof body?.threshold === 'string' ? body.threshold : '';
    try {
      if (!(await csrfTokenValid(request))) throw new FormRefusal('csrf', 403);
      await this.payouts.setApprovalThreshold(organization.id, parseThreshold(typed), operatorActor(page.operator.operatorId));
    } catch (error) {
      const refusal = toRefusal(error);
      if (refusal.status === 404) throw error;
      return this.render(page, organization, refusal.status, { error: this.console.errorMessage(page.language, refusal.code), value: typed });
    }
    return this.console.redirect(reply, `${CONSOLE_PATH}/organizations/${organization.id}?saved=1`);
  }

  private async organization(organizationId: string): Promise<OrganizationPayoutSettings> {
    if (!isUuid(organizationId)) throw new NotFoundError('Organization');
    return this.payouts.organizationSetting(organizationId);
  }

  private threshold(page: OperatorPage, o: OrganizationPayoutSettings): string {
    const t = CONSOLE_MESSAGES[page.language];
    if (o.approvalThreshold === null) return t.thresholdNone;
    return t.minorUnits.replace('{amount}', consoleFormat(page.language).count(o.approvalThreshold));
  }

  private async render(page: OperatorPage, o: OrganizationPayoutSettings, status: number, form: { notice?: string | null; error?: string; value: string }): Promise<void> {
    const t = CONSOLE_MESSAGES[page.language];
    const f = consoleFormat(page.language);
    const history = (await this.audit.list(o.id, { limit: HISTORY, action: 'payout.threshold_set' })).items;
    const who = await this.operators.describeActors(history.map((h) => h.actor));
    return this.console.render(page, 'organization', { status, title: isolateText(o.name), section: 'organizations' }, {
      notice: form.notice ?? null, error: form.error ?? null, values: { threshold: form.value },
      formAction: `${CONSOLE_PATH}/organizations/${o.id}/threshold`,
      organization: {
        name: o.name, threshold: this.threshold(page, o), payoutsEnabled: o.payoutsEnabled ? t.yes : t.no, stripeAccountId: o.stripeAccountId,
        awaiting: f.count(o.awaitingApproval), created: f.date(o.createdAt), createdIso: f.iso(o.createdAt),
        thresholdExamples: o.approvalThreshold === null ? [] : o.currencies.map((c) =>
          fillIsolated(t.thresholdInCurrency, { currency: c.toUpperCase(), amount: f.money(o.approvalThreshold!, c) })),
      },
      history: history.map((h) => {
        const value = typeof h.details?.threshold === 'string' ? h.details.threshold : null;
        return {
          when: f.date(h.createdAt), whenIso: f.iso(h.createdAt), who: who.get(h.actor) ?? h.actor,
          value: value === null ? t.thresholdNone : t.minorUnits.replace('{amount}', f.count(BigInt(value))),
        };
      }),
    });
  }
}
