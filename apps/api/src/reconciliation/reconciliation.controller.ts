import { Body, Controller, Get, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { OperatorGuard } from '@ataa/organizations';
import {
  ReconciliationOverviewDto, ReconciliationRepository, ReconciliationRunDto, ReconciliationService, StartReconciliationRunDto, toDifferenceDto, toRunDto,
} from '@ataa/reconciliation';
import { ApiProblems } from '../organizations/api-docs.js';

const LATEST_RUNS = 10;
const OPEN_SHOWN = 500;

/** Platform operator: reconciliation of the ledger with Stripe (outside /api/v1 like every operator route, bearer OPERATOR_TOKEN). */
@ApiTags('operator')
@Controller('operator/reconciliation')
@UseGuards(OperatorGuard)
export class ReconciliationController {
  constructor(
    private readonly reconciliation: ReconciliationService,
    private readonly repo: ReconciliationRepository,
  ) {}

  @Get()
  @ApiBearerAuth()
  @ApiProblems(401)
  @ApiOperation({ summary: 'Latest reconciliation runs and the open differences between the ledger and Stripe (operator only)' })
  @ApiOkResponse({ type: ReconciliationOverviewDto })
  async overview(): Promise<ReconciliationOverviewDto> {
    const [runs, open, openCount] = await Promise.all([this.repo.latestRuns(LATEST_RUNS), this.repo.openDifferences(OPEN_SHOWN), this.repo.countOpen()]);
    return { runs: runs.map(toRunDto), openCount, openDifferences: open.map(toDifferenceDto) };
  }

  @Post('runs')
  @HttpCode(201)
  @ApiBearerAuth()
  @ApiProblems(400, 401, 409)
  @ApiOperation({
    summary: 'Reconcile now and answer the finished run (operator only)',
    description: '409 `reconciliation_running` while another run (scheduled or requested) is in progress.',
  })
  @ApiCreatedResponse({ type: ReconciliationRunDto })
  async runNow(@Body() body: StartReconciliationRunDto = {}): Promise<ReconciliationRunDto> {
    const since = body?.since ? new Date(body.since) : undefined;
    return toRunDto(await this.reconciliation.run({ trigger: 'operator', ...(since ? { since } : {}) }));
  }
}
