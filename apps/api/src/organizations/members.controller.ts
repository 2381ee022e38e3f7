import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  AcceptInvitationDto, AuthGuard, ChangeRoleDto, CreatedInvitationDto, CreateInvitationDto, CurrentPrincipal, CurrentUser, IdParamPipe,
  Invitation, InvitationDto, MemberDto, MembersService, MembershipDto, MemberView, Roles, UserAuthGuard, type Principal, type UserPrincipal,
} from '@ataa/organizations';
import { ApiOrgAuth, ApiProblems } from './api-docs.js';

const toMemberDto = (m: MemberView): MemberDto => ({ ...m, createdAt: m.createdAt.toISOString() });

function toInvitationDto(invitation: Invitation): InvitationDto {
  const status = invitation.acceptedAt ? 'accepted' : invitation.revokedAt ? 'revoked' : invitation.expiresAt <= new Date() ? 'expired' : 'pending';
  return { id: invitation.id, email: invitation.email, role: invitation.role, status, expiresAt: invitation.expiresAt.toISOString(), createdAt: invitation.createdAt.toISOString() };
}

@ApiTags('members')
@Controller('orgs/:orgId')
@UseGuards(AuthGuard)
export class MembersController {
  constructor(private readonly members: MembersService) {}

  @Get('members')
  @Roles('viewer')
  @ApiOrgAuth()
  @ApiOperation({ summary: 'Members and their roles (any member)' })
  @ApiOkResponse({ type: [MemberDto] })
  async list(@CurrentPrincipal() principal: Principal): Promise<MemberDto[]> {
    return (await this.members.list(principal.organizationId)).map(toMemberDto);
  }

  @Patch('members/:membershipId')
  @Roles('owner')
  @ApiOrgAuth()
  @ApiProblems(400, 409)
  @ApiOperation({ summary: 'Change a member\'s role (owner); the last owner cannot be demoted' })
  @ApiOkResponse({ type: MemberDto })
  async changeRole(@CurrentPrincipal() principal: Principal, @Param('membershipId', IdParamPipe) membershipId: string, @Body() body: ChangeRoleDto): Promise<MemberDto> {
    return toMemberDto(await this.members.changeRole(principal, membershipId, body.role));
  }

  @Delete('members/:membershipId')
  @HttpCode(204)
  @Roles('owner')
  @ApiOrgAuth()
  @ApiProblems(409)
  @ApiOperation({ summary: 'Remove a member (owner); the last owner cannot be removed' })
  @ApiNoContentResponse()
  async remove(@CurrentPrincipal() principal: Principal, @Param('membershipId', IdParamPipe) membershipId: string): Promise<void> {
    await this.members.remove(principal, membershipId);
  }

  @Post('invitations')
  @Roles('owner')
  @ApiOrgAuth()
  @ApiProblems(400, 409)
  @ApiOperation({
    summary: 'Invite someone by e-mail with a role (owner)',
    description: 'The invitee is e-mailed (in `language`, English by default) a link to `<PUBLIC_BASE_URL>/invitations/accept?token=...` '
      + 'with the organization, the inviter, the role and the expiry; the e-mail is written with the invitation and sent by the worker. '
      + 'The response also carries the single-use token, once, so the owner can pass it on another way and API clients can script it. '
      + 'The invitee accepts with `POST /invitations/accept`, signed in with the invited e-mail.',
  })
  @ApiCreatedResponse({ type: CreatedInvitationDto })
  async invite(@CurrentPrincipal() principal: Principal, @Body() body: CreateInvitationDto): Promise<CreatedInvitationDto> {
    const { invitation, token } = await this.members.invite(principal, body);
    return { ...toInvitationDto(invitation), token };
  }

  @Get('invitations')
  @Roles('owner')
  @ApiOrgAuth()
  @ApiOperation({ summary: 'Invitations of the organization (owner)' })
  @ApiOkResponse({ type: [InvitationDto] })
  async listInvitations(@CurrentPrincipal() principal: Principal): Promise<InvitationDto[]> {
    return (await this.members.listInvitations(principal.organizationId)).map(toInvitationDto);
  }

  @Delete('invitations/:invitationId')
  @HttpCode(204)
  @Roles('owner')
  @ApiOrgAuth()
  @ApiProblems(409)
  @ApiOperation({ summary: 'Revoke a pending invitation (owner)' })
  @ApiNoContentResponse()
  async revoke(@CurrentPrincipal() principal: Principal, @Param('invitationId', IdParamPipe) invitationId: string): Promise<void> {
    await this.members.revokeInvitation(principal, invitationId);
  }
}

@ApiTags('members')
@Controller('invitations')
export class InvitationsController {
  constructor(private readonly members: MembersService) {}

  @Post('accept')
  @HttpCode(200)
  @UseGuards(UserAuthGuard)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Accept an invitation with its token (signed in with the invited e-mail)' })
  @ApiOkResponse({ type: MembershipDto })
  @ApiProblems(400, 401, 404, 409)
  async accept(@CurrentUser() user: UserPrincipal, @Body() body: AcceptInvitationDto): Promise<MembershipDto> {
    const membership = await this.members.accept(user, body.token);
    return { id: membership.id, organizationId: membership.organizationId, role: membership.role };
  }
}
