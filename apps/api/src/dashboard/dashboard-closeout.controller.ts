import { Controller, Get, Param, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, NotFoundError } from '@ataa/common';
import { CampaignsService } from '@ataa/campaigns';
import { CampaignCloseOutService, type CloseOutProgress } from '@ataa/donations';
import { formatMoney, localeFor } from '@ataa/notifications';
import { isUuid } from '@ataa/organizations';
import { FundsService } from '@ataa/payouts';
import { fillIsolated, fillIsolatedText } from '../http/isolate.js';
import { DASHBOARD_PATH, DashboardContext } from './dashboard-context.js';
import { PAYOUT_MESSAGES } from './payout-messages.js';

/**
 * A campaign's close-out as its organization follows it (any member, as GET .../closeout): the
 * decision and why, the refunds made, refused and left out, what remains for payout, and the public
 * report and ledger. Reached from the campaign's page once it ended or was cancelled.
 */
@ApiExcludeController()
@Controller('dashboard/o/:organizationId/campaigns/:campaignId/closeout')
export class DashboardCloseOutController {
  constructor(
    private readonly pages: DashboardContext,
    private readonly campaigns: CampaignsService,
    private readonly closeOut: CampaignCloseOutService,
    private readonly funds: FundsService,
  ) {}

  @Get()
  async show(@Param('organizationId') organizationId: string, @Param('campaignId') campaignId: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const page = await this.pages.page(request, reply);
    if (!page.user) return this.pages.redirect(reply, `${DASHBOARD_PATH}/sign-in`);
    const organization = await this.pages.membership(page.user, organizationId);
    if (!isUuid(campaignId)) throw new NotFoundError('Campaign');
    const campaign = await this.campaigns.getForOrganization(organization.id, campaignId);
    const p = PAYOUT_MESSAGES[page.language];
    const locale = localeFor(page.language);
    let progress: CloseOutProgress | null = null;
    try {
      progress = await this.closeOut.progress(organization.id, campaign.id);
    } catch (error) {
      // Ended or cancelled a moment ago: the worker has not decided yet; the page says so.
      if (!(error instanceof DomainError && error.code === 'closeout_not_started')) throw error;
    }
    const money = (amount: bigint) => formatMoney(amount, campaign.currency, locale);
    const when = new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' });
    const number = new Intl.NumberFormat(locale);
    const keep = progress?.decision === 'keep';
    const funds = keep ? await this.funds.fundsFor(organization.id, campaign.id) : null;
    const slug = encodeURIComponent(campaign.slug);
    const campaignHref = `${DASHBOARD_PATH}/o/${organization.id}/campaigns/${campaign.id}`;
    return this.pages.render(page, 'closeout', { title: fillIsolatedText(p.closeoutTitle, { campaign: campaign.title }), organization, section: 'campaigns' }, {
      p, heading: fillIsolated(p.closeoutTitle, { campaign: campaign.title }),
      waiting: progress ? null : campaign.status === 'ended' || campaign.status === 'cancelled' ? p.closeoutNotStarted : p.closeoutNotEnded,
      progress: progress && {
        status: p.closeoutStatuses[progress.status], statusKey: progress.status, reason: p.reasons[progress.reason],
        goal: money(progress.goalAmount), raised: money(progress.raisedAmount),
        started: when.format(progress.startedAt), startedIso: progress.startedAt.toISOString(),
        finished: progress.finishedAt ? when.format(progress.finishedAt) : null, finishedIso: progress.finishedAt?.toISOString(),
        refunds: progress.decision === 'refund_all' ? {
          total: number.format(progress.total),
          refunded: p.refundedOf.replace('{count}', number.format(progress.refunded)).replace('{amount}', money(progress.refundedAmount)).replace('{total}', money(progress.totalAmount)),
          failed: number.format(progress.failed), failedAny: progress.failed > 0,
          skipped: number.format(progress.skipped), skippedAny: progress.skipped > 0,
          remaining: number.format(Math.max(0, progress.total - progress.refunded - progress.failed - progress.skipped)),
          batches: number.format(progress.batches),
        } : null,
      },
      remainder: progress ? (keep ? p.remainderKeep : p.remainderRefund) : null,
      funds: funds && { available: money(funds.available), pending: money(funds.pending), reserved: money(funds.reserved), paidOut: money(funds.paidOut) },
      payoutsHref: `${DASHBOARD_PATH}/o/${organization.id}/payouts`,
      links: campaign.publishedAt ? { report: `/c/${slug}/report`, ledger: `/c/${slug}/ledger` } : null,
      campaignHref,
    });
  }
}
