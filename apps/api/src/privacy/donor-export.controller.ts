import { Controller, Get, Query, Res, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsOptional, IsUUID } from 'class-validator';
import type { FastifyReply } from 'fastify';
import { AuditService, AuthGuard, CurrentPrincipal, Roles, type Principal } from '@ataa/organizations';
import { DonorExportService } from '@ataa/privacy';
import { ApiOrgAuth, ApiProblems } from '../organizations/api-docs.js';

export class DonorExportQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Only this campaign\'s donors (another organization\'s campaign is 404)' })
  @IsOptional() @IsUUID() campaignId?: string;
}

@ApiTags('donations')
@Controller('orgs/:orgId')
@UseGuards(AuthGuard)
export class DonorExportController {
  constructor(
    private readonly donors: DonorExportService,
    private readonly audit: AuditService,
  ) {}

  @Get('donors.csv')
  @Roles('admin', 'finance')
  @ApiOrgAuth()
  @ApiProblems(400, 404)
  @ApiProduces('text/csv')
  @ApiOperation({
    summary: 'Export the organization\'s donors as CSV (owner, admin, finance)',
    description: 'One row per donor e-mail address among settled gifts (all campaigns, or `campaignId`): email, name (latest given), gifts, '
      + '`total_<currency>_minor` per currency present (minor units, digits), first_gift_at, last_gift_at, and the choices made at checkout: '
      + '`name_shown_publicly` (the latest gift\'s choice), `named_gifts`, `public_messages`. The platform asks for no marketing opt-in. '
      + 'Donors whose data was erased are not listed. Text is guarded against spreadsheet formulas.',
  })
  @ApiOkResponse({ description: 'One CSV row per donor', content: { 'text/csv': { schema: { type: 'string' } } } })
  async csv(@CurrentPrincipal() principal: Principal, @Query() query: DonorExportQueryDto, @Res() reply: FastifyReply): Promise<void> {
    const { csv, rows } = await this.donors.csv(principal.organizationId, query.campaignId);
    await this.audit.record(null, {
      organizationId: principal.organizationId, actor: principal.actor, action: 'donors.exported', targetType: query.campaignId ? 'campaign' : 'organization',
      targetId: query.campaignId ?? principal.organizationId, details: { rows },
    });
    void reply.status(200)
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="donors${query.campaignId ? `-${query.campaignId}` : ''}.csv"`)
      .header('cache-control', 'no-store');
    return reply.send(csv);
  }
}
