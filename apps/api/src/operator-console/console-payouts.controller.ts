import { Body, Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { NotFoundError, requireUserText, TEXT_LIMITS } from '@ataa/common';
import { operatorActor, OperatorAccountsService } from '@ataa/operators';
import { isUuid } from '@ataa/organizations';
import { EvidenceService, PayoutsService, type OperatorPayoutView } from '@ataa/payouts';
import { csrfTokenValid } from '../campaign-pages/csrf.setup.js';
import { FormRefusal, toRefusal } from '../dashboard/dashboard-context.js';
import { fillIsolated, fillIsolatedText } from '../http/isolate.js';
import { sendEvidenceFile } from '../payouts/evidence.controller.js';
import { CONSOLE_PATH, ConsoleContext, type OperatorPage } from './console-context.js';
import { consoleFormat } from './console-format.js';
import { CONSOLE_MESSAGES } from './console-messages.js';

type Decision = 'approve' | 'reject';
type Fields = Record<string, unknown>;

/**
 * Payouts waiting for an operator: the queue, one payout, and the two decisions, each behind a
 * confirmation page whose form POSTs with a CSRF token. The decisions are PayoutsService's, as on
 * the REST operator API (POST /operator/payouts/:id/approve|reject), with the operator as the actor
 * (`operator:<id>` in decided_by and the audit log). Deciding twice the same way changes nothing.
 * The payout's page lists its spending evidence, public and operator-only, each file downloadable
 * here (EvidenceService.forOperator*, the one read not scoped to an organization).
 */
@ApiExcludeController()
@Controller('console/payouts')
export class ConsolePayoutsController {
  constructor(
    private readonly console: ConsoleContext,
    private readonly payouts: PayoutsService,
    private readonly operators: OperatorAccountsService,
    private readonly evidence: EvidenceService,
  ) {}

  @Get()
  async list(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const page = await this.console.operatorPage(request, reply);
    if (!page) return;
    const t = CONSOLE_MESSAGES[page.language];
    const f = consoleFormat(page.language);
    const queue = await this.payouts.operatorQueue();
    return this.console.render(page, 'payouts', { title: t.payoutsTitle, section: 'payouts' }, {
      heading: t.payoutsTitle,
      payouts: queue.map((v) => ({
        id: v.payout.id, href: `${CONSOLE_PATH}/payouts/${v.payout.id}`, organization: v.organizationName, campaign: v.campaignTitle,
        amount: f.money(v.payout.amount, v.payout.currency), purpose: v.payout.purpose, requested: f.date(v.payout.createdAt), requestedIso: f.iso(v.payout.createdAt),
      })),
    });
  }

  @Get(':payoutId')
  async show(@Param('payoutId') payoutId: string, @Query('done') done: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const page = await this.console.operatorPage(request, reply);
    if (!page) return;
    const t = CONSOLE_MESSAGES[page.language];
    const notice = done === 'approved' ? t.approvedNotice : done === 'rejected' ? t.rejectedNotice : null;
    return this.showPayout(page, await this.view(payoutId), 200, { notice });
  }

  /** One evidence file of the payout, public or operator-only; an operator-only one's download is audited with the operator. */
  @Get(':payoutId/evidence/:evidenceId')
  async evidenceFile(@Param('payoutId') payoutId: string, @Param('evidenceId') evidenceId: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const page = await this.console.operatorPage(request, reply);
    if (!page) return;
    if (!isUuid(payoutId) || !isUuid(evidenceId)) throw new NotFoundError('Evidence');
    const { evidence, bytes } = await this.evidence.forOperatorFile(operatorActor(page.operator.operatorId), payoutId, evidenceId);
    sendEvidenceFile(reply, evidence, bytes);
  }

  @Get(':payoutId/:decision')
  async confirm(@Param('payoutId') payoutId: string, @Param('decision') decision: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const page = await this.console.operatorPage(request, reply);
    if (!page) return;
    if (decision !== 'approve' && decision !== 'reject') throw new NotFoundError('Page');
    const view = await this.view(payoutId);
    if (view.payout.status !== 'pending_approval') return this.showPayout(page, view, 200, {});
    return this.decisionForm(page, view, decision, 200, null, '');
  }

  @Post(':payoutId/approve')
  async approve(@Param('payoutId') payoutId: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.decide(payoutId, 'approve', {}, request, reply);
  }

  @Post(':payoutId/reject')
  async reject(@Param('payoutId') payoutId: string, @Body() body: Fields | undefined, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.decide(payoutId, 'reject', body ?? {}, request, reply);
  }

  private async decide(payoutId: string, decision: Decision, fields: Fields, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const page = await this.console.operatorPage(request, reply);
    if (!page) return;
    const view = await this.view(payoutId);
    const reason = typeof fields.reason === 'string' ? fields.reason : '';
    const actor = operatorActor(page.operator.operatorId);
    try {
      if (!(await csrfTokenValid(request))) throw new FormRefusal('csrf', 403);
      if (decision === 'approve') {
        await this.payouts.approve(view.payout.id, actor);
      } else {
        if (!reason.trim()) throw new FormRefusal('rejection_reason_required', 400);
        await this.payouts.reject(view.payout.id, requireUserText('reason', reason, { min: 1, max: TEXT_LIMITS.reason, multiline: true }), actor);
      }
    } catch (error) {
      const refusal = toRefusal(error);
      if (refusal.status === 404) throw error;
      if (refusal.code === 'invalid_payout_transition') {
        // A second submit of an approval the worker already took further is the same decision: done.
        const now = await this.view(payoutId);
        const approvedAlready = decision === 'approve' && now.payout.approval === 'operator' && !['rejected', 'cancelled'].includes(now.payout.status);
        if (approvedAlready) return this.console.redirect(reply, `${CONSOLE_PATH}/payouts/${view.payout.id}?done=approved`);
        return this.showPayout(page, now, refusal.status, { error: this.console.errorMessage(page.language, refusal.code) });
      }
      return this.decisionForm(page, view, decision, refusal.status, this.console.errorMessage(page.language, refusal.code), reason);
    }
    return this.console.redirect(reply, `${CONSOLE_PATH}/payouts/${view.payout.id}?done=${decision === 'approve' ? 'approved' : 'rejected'}`);
  }

  private async view(payoutId: string): Promise<OperatorPayoutView> {
    if (!isUuid(payoutId)) throw new NotFoundError('Payout');
    return this.payouts.operatorView(payoutId);
  }

  private async showPayout(page: OperatorPage, view: OperatorPayoutView, status: number, extra: { notice?: string | null; error?: string }): Promise<void> {
    const t = CONSOLE_MESSAGES[page.language];
    const f = consoleFormat(page.language);
    const p = view.payout;
    const amount = f.money(p.amount, p.currency);
    const files = await this.evidence.forOperatorList(p.id);
    const who = await this.operators.describeActors([p.requestedBy, ...(p.decidedBy ? [p.decidedBy] : []), ...files.map((e) => e.createdBy)]);
    const statusLabel = t.payoutStatuses[p.status];
    return this.console.render(page, 'payout', { status, title: fillIsolatedText(t.payoutTitle, { amount }), section: 'payouts' }, {
      heading: fillIsolated(t.payoutTitle, { amount }),
      ...extra,
      payout: {
        statusKey: p.status, status: statusLabel, organization: view.organizationName, organizationHref: `${CONSOLE_PATH}/organizations/${p.organizationId}`,
        campaign: view.campaignTitle, campaignHref: `/c/${encodeURIComponent(view.campaignSlug)}`, amount, purpose: p.purpose, privateNote: p.privateNote,
        requestedBy: who.get(p.requestedBy), requested: f.date(p.createdAt), requestedIso: f.iso(p.createdAt),
        threshold: view.approvalThreshold === null ? t.thresholdNone : f.money(view.approvalThreshold, p.currency),
        decidedBy: p.decidedBy ? who.get(p.decidedBy) : null, decided: p.decidedAt ? f.date(p.decidedAt) : null, decidedIso: p.decidedAt ? f.iso(p.decidedAt) : null,
        rejectionReason: p.rejectionReason, transfer: p.stripeTransferId,
      },
      evidence: files.map((e) => ({
        id: e.id, title: e.title, visibilityKey: e.visibility, visibility: e.visibility === 'public' ? t.evidencePublic : t.evidenceOperator,
        type: e.mediaType, size: f.fileSize(e.bytes), sha256: e.sha256, uploaded: f.date(e.createdAt), uploadedIso: f.iso(e.createdAt), uploadedBy: who.get(e.createdBy),
        href: `${CONSOLE_PATH}/payouts/${p.id}/evidence/${e.id}`,
      })),
      awaiting: p.status === 'pending_approval',
      approveHref: `${CONSOLE_PATH}/payouts/${p.id}/approve`, rejectHref: `${CONSOLE_PATH}/payouts/${p.id}/reject`,
      notAwaiting: fillIsolated(t.notAwaiting, { status: statusLabel }),
    });
  }

  private decisionForm(page: OperatorPage, view: OperatorPayoutView, decision: Decision, status: number, error: string | null, reason: string): Promise<void> {
    const t = CONSOLE_MESSAGES[page.language];
    const f = consoleFormat(page.language);
    const amount = f.money(view.payout.amount, view.payout.currency);
    const heading = decision === 'approve' ? t.approveTitle : t.rejectTitle;
    return this.console.render(page, 'payout-decision', { status, title: heading, section: 'payouts' }, {
      heading, error, values: { reason },
      lead: fillIsolated(decision === 'approve' ? t.approveLead : t.rejectLead, { amount, organization: view.organizationName }),
      formAction: `${CONSOLE_PATH}/payouts/${view.payout.id}/${decision}`, withReason: decision === 'reject', danger: decision === 'reject',
      submit: decision === 'approve' ? t.approveSubmit : t.rejectSubmit, backHref: `${CONSOLE_PATH}/payouts/${view.payout.id}`,
    });
  }
}
