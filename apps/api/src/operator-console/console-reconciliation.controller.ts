import { Controller, Get, Param, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { NotFoundError } from '@ataa/common';
import { isUuid } from '@ataa/organizations';
import { ReconciliationRepository, type ReconciliationRun, type StoredDifference } from '@ataa/reconciliation';
import { fillIsolatedText } from '../http/isolate.js';
import { CONSOLE_PATH, ConsoleContext } from './console-context.js';
import { consoleFormat } from './console-format.js';
import { CONSOLE_MESSAGES, type ConsoleLanguage } from './console-messages.js';

const LATEST_RUNS = 20;
const OPEN_SHOWN = 200;

/**
 * Reconciliation, read only: the latest runs and the open differences (as GET /operator/reconciliation),
 * one run with the differences it saw or resolved, one difference. A difference is resolved by the next
 * run that finds both sides agreeing (ReconciliationRepository.applyPlan): the lib has no manual resolution.
 */
@ApiExcludeController()
@Controller('console/reconciliation')
export class ConsoleReconciliationController {
  constructor(
    private readonly console: ConsoleContext,
    private readonly repo: ReconciliationRepository,
  ) {}

  @Get()
  async overview(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const page = await this.console.operatorPage(request, reply);
    if (!page) return;
    const t = CONSOLE_MESSAGES[page.language];
    const [runs, open, openCount] = await Promise.all([this.repo.latestRuns(LATEST_RUNS), this.repo.openDifferences(OPEN_SHOWN), this.repo.countOpen()]);
    return this.console.render(page, 'reconciliation', { title: t.reconciliationTitle, section: 'reconciliation' }, {
      heading: t.reconciliationTitle,
      openCount: t.openCount.replace('{count}', consoleFormat(page.language).count(openCount)),
      runs: runs.map((r) => runRow(page.language, r)),
      differences: open.map((d) => differenceRow(page.language, d)),
    });
  }

  @Get('runs/:runId')
  async run(@Param('runId') runId: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const page = await this.console.operatorPage(request, reply);
    if (!page) return;
    const run = isUuid(runId) ? await this.repo.findRun(runId) : null;
    if (!run) throw new NotFoundError('Reconciliation run');
    const t = CONSOLE_MESSAGES[page.language];
    const f = consoleFormat(page.language);
    const differences = await this.repo.differencesOfRun(run.id);
    return this.console.render(page, 'reconciliation-run', { title: `${t.runTitle} ${f.date(run.startedAt)}`, section: 'reconciliation' }, {
      heading: `${t.runTitle}: ${f.date(run.startedAt)}`,
      run: {
        ...runRow(page.language, run),
        finished: run.finishedAt ? f.date(run.finishedAt) : null, finishedIso: run.finishedAt ? f.iso(run.finishedAt) : null,
        window: run.windowStart ? t.windowFrom.replace('{date}', f.date(run.windowStart)) : t.windowAll,
        stripeMovements: f.count(run.stripeMovements), ledgerEntries: f.count(run.ledgerEntries), inFlight: f.count(run.inFlight), error: run.error,
      },
      differences: differences.map((d) => differenceRow(page.language, d)),
    });
  }

  @Get('differences/:differenceId')
  async difference(@Param('differenceId') differenceId: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const page = await this.console.operatorPage(request, reply);
    if (!page) return;
    const d = isUuid(differenceId) ? await this.repo.findDifference(differenceId) : null;
    if (!d) throw new NotFoundError('Difference');
    const t = CONSOLE_MESSAGES[page.language];
    const f = consoleFormat(page.language);
    const kind = t.kinds[d.kind];
    return this.console.render(page, 'reconciliation-difference', { title: fillIsolatedText(t.differenceTitle, { kind }), section: 'reconciliation' }, {
      heading: t.differenceTitle.replace('{kind}', kind),
      difference: {
        ...differenceRow(page.language, d), ledgerKind: d.ledgerKind, ledgerEntryIds: d.ledgerEntryIds, campaignId: d.campaignId,
        firstSeen: f.date(d.firstSeenAt), firstSeenIso: f.iso(d.firstSeenAt), lastSeen: f.date(d.lastSeenAt), lastSeenIso: f.iso(d.lastSeenAt),
        firstRunHref: `${CONSOLE_PATH}/reconciliation/runs/${d.firstRunId}`, lastRunHref: `${CONSOLE_PATH}/reconciliation/runs/${d.lastRunId}`,
        resolved: d.resolvedAt ? f.date(d.resolvedAt) : null, resolvedIso: d.resolvedAt ? f.iso(d.resolvedAt) : null,
        details: JSON.stringify(d.details, null, 2),
      },
    });
  }
}

function runRow(language: ConsoleLanguage, r: ReconciliationRun) {
  const t = CONSOLE_MESSAGES[language];
  const f = consoleFormat(language);
  return {
    id: r.id, href: `${CONSOLE_PATH}/reconciliation/runs/${r.id}`, started: f.date(r.startedAt), startedIso: f.iso(r.startedAt),
    trigger: t.triggers[r.trigger], status: t.runStatuses[r.status], matched: f.count(r.matched), differences: f.count(r.differences),
    newDifferences: f.count(r.newDifferences), resolvedDifferences: f.count(r.resolvedDifferences),
  };
}

function differenceRow(language: ConsoleLanguage, d: StoredDifference) {
  const t = CONSOLE_MESSAGES[language];
  const f = consoleFormat(language);
  return {
    id: d.id, href: `${CONSOLE_PATH}/reconciliation/differences/${d.id}`, kind: t.kinds[d.kind], stripeObjectId: d.stripeObjectId,
    stripeAmount: f.maybeMoney(d.stripeAmount, d.currency, t.none), ledgerAmount: f.maybeMoney(d.ledgerAmount, d.currency, t.none),
    occurred: f.date(d.occurredAt), occurredIso: f.iso(d.occurredAt), state: d.resolvedAt ? t.resolvedAt : t.stillOpen,
  };
}
