import { Body, Controller, Get, Param, Patch, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  AuthGuard, CreateOrganizationDto, CurrentPrincipal, CurrentUser, Organization, OrganizationDto, OrganizationsService, Roles,
  UpdateOrganizationDto, UserAuthGuard, type Principal, type Role, type UserPrincipal,
} from '@ataa/organizations';
import { ApiOrgAuth, ApiProblems } from './api-docs.js';

export function toOrganizationDto(organization: Organization, role: Role): OrganizationDto {
  return {
    id: organization.id,
    name: organization.name,
    role,
    country: organization.country ?? null,
    stripeAccountId: organization.stripeAccountId,
    chargesEnabled: organization.chargesEnabled,
    payoutsEnabled: organization.payoutsEnabled,
    detailsSubmitted: organization.detailsSubmitted,
    createdAt: organization.createdAt.toISOString(),
  };
}

@ApiTags('organizations')
@Controller('orgs')
export class OrganizationsController {
  constructor(private readonly organizations: OrganizationsService) {}

  @Post()
  @UseGuards(UserAuthGuard)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Create an organization; the caller becomes its owner' })
  @ApiCreatedResponse({ type: OrganizationDto })
  @ApiProblems(400, 401)
  async create(@CurrentUser() user: UserPrincipal, @Body() body: CreateOrganizationDto): Promise<OrganizationDto> {
    const { organization, role } = await this.organizations.create(user, body);
    return toOrganizationDto(organization, role);
  }

  @Get()
  @UseGuards(UserAuthGuard)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'The organizations the caller belongs to, with the caller\'s role' })
  @ApiOkResponse({ type: [OrganizationDto] })
  @ApiProblems(401)
  async list(@CurrentUser() user: UserPrincipal): Promise<OrganizationDto[]> {
    return (await this.organizations.listForUser(user.userId)).map((o) => toOrganizationDto(o.organization, o.role));
  }

  @Get(':orgId')
  @UseGuards(AuthGuard)
  @Roles('viewer')
  @ApiOrgAuth()
  @ApiOperation({ summary: 'One organization (any member)' })
  @ApiOkResponse({ type: OrganizationDto })
  async get(@CurrentPrincipal() principal: Principal): Promise<OrganizationDto> {
    return toOrganizationDto(await this.organizations.get(principal.organizationId), principal.role);
  }

  @Patch(':orgId')
  @UseGuards(AuthGuard)
  @Roles('owner')
  @ApiOrgAuth()
  @ApiProblems(400)
  @ApiOperation({ summary: 'Change the organization\'s settings (owner)' })
  @ApiOkResponse({ type: OrganizationDto })
  async update(@CurrentPrincipal() principal: Principal, @Param('orgId') _orgId: string, @Body() body: UpdateOrganizationDto): Promise<OrganizationDto> {
    return toOrganizationDto(await this.organizations.update(principal, body), principal.role);
  }
}
