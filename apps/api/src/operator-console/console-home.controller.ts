import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PayoutsService } from '@ataa/payouts';
import { ReconciliationRepository } from '@ataa/reconciliation';
import { CONSOLE_PATH, ConsoleContext } from './console-context.js';
import { consoleFormat } from './console-format.js';
import { CONSOLE_MESSAGES } from './console-messages.js';

/** The console's home: what waits for an operator (counts from the owning libs) and the way to the queue dashboard. */
@ApiExcludeController()
@Controller('console')
export class ConsoleHomeController {
  constructor(
    private readonly console: ConsoleContext,
    private readonly payouts: PayoutsService,
    private readonly reconciliation: ReconciliationRepository,
  ) {}

  @Get()
  async home(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const page = await this.console.operatorPage(request, reply);
    if (!page) return;
    const t = CONSOLE_MESSAGES[page.language];
    const f = consoleFormat(page.language);
    const [awaiting, open, [last]] = await Promise.all([this.payouts.countAwaitingApproval(), this.reconciliation.countOpen(), this.reconciliation.latestRuns(1)]);
    return this.console.render(page, 'home', { title: t.homeTitle, section: 'home' }, {
      heading: t.homeTitle, awaiting: f.count(awaiting), openDifferences: f.count(open),
      lastRun: last ? { href: `${CONSOLE_PATH}/reconciliation/runs/${last.id}`, started: f.date(last.startedAt), startedIso: f.iso(last.startedAt), status: t.runStatuses[last.status] } : null,
    });
  }
}
