import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuditPageDto, AuditQueryDto, AuditService, AuthGuard, CurrentPrincipal, Roles, type Principal } from '@ataa/organizations';
import { ApiOrgAuth, ApiProblems } from '../organizations/api-docs.js';

@ApiTags('audit')
@Controller('orgs/:orgId/audit-log')
@UseGuards(AuthGuard)
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @Roles('admin')
  @ApiOrgAuth()
  @ApiProblems(400)
  @ApiOperation({ summary: 'Who did what and when, newest first (owner, admin)' })
  @ApiOkResponse({ type: AuditPageDto })
  async list(@CurrentPrincipal() principal: Principal, @Query() query: AuditQueryDto): Promise<AuditPageDto> {
    const page = await this.audit.list(principal.organizationId, {
      cursor: query.cursor, action: query.action, actor: query.actor, limit: query.limit ? Number(query.limit) : 50,
      from: query.from ? new Date(query.from) : undefined, to: query.to ? new Date(query.to) : undefined,
    });
    return {
      items: page.items.map((e) => ({ id: e.id, actor: e.actor, action: e.action, targetType: e.targetType, targetId: e.targetId, details: e.details, createdAt: e.createdAt.toISOString() })),
      nextCursor: page.nextCursor,
    };
  }
}
