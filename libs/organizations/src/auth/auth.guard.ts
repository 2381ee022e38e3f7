import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ForbiddenError, NotFoundError, UnauthorizedError } from '@ataa/common';
import { ApiKeysService } from '../api-keys.service.js';
import { AuthService } from '../auth.service.js';
import { roleAllows, type Principal, type Role } from '../domain/roles.js';
import { MembersService } from '../members.service.js';
import { apiKeyHeader, AuthenticatedRequest, bearerToken, isUuid } from './request-credentials.js';
import { ROLES_KEY } from './roles.decorator.js';

/**
 * Guards `/orgs/:orgId/...` routes: authenticates a user (bearer access token) or an organization
 * API key (`x-api-key`), then requires membership of `:orgId`. Not a member, or no such
 * organization: 404 (a 403 would confirm the organization exists). Role too low: 403 `forbidden_role`.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
    private readonly apiKeys: ApiKeysService,
    private readonly members: MembersService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const orgId = (request.params as Record<string, string> | undefined)?.orgId;
    const principal = await this.authenticate(request, orgId);
    const allowed = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, [context.getHandler(), context.getClass()]) ?? ['owner'];
    if (!roleAllows(principal.role, allowed)) {
      throw new ForbiddenError('forbidden_role', `This action needs one of the roles: ${['owner', ...allowed.filter((r) => r !== 'owner')].join(', ')}`);
    }
    request.principal = principal;
    return true;
  }

  private async authenticate(request: AuthenticatedRequest, orgId: string | undefined): Promise<Principal> {
    const key = apiKeyHeader(request);
    const token = bearerToken(request);
    if (key) {
      const apiKey = await this.apiKeys.authenticate(key);
      if (!apiKey) throw new UnauthorizedError('unauthorized', 'The API key is invalid or revoked');
      if (!isUuid(orgId) || apiKey.organizationId !== orgId) throw new NotFoundError('Organization');
      return { organizationId: orgId, role: apiKey.role, userId: null, apiKeyId: apiKey.id, actor: `api_key:${apiKey.id}` };
    }
    if (!token) throw new UnauthorizedError();
    const user = await this.auth.authenticateAccessToken(token);
    if (!user) throw new UnauthorizedError('invalid_token', 'The access token is invalid or expired');
    request.userPrincipal = user;
    if (!isUuid(orgId)) throw new NotFoundError('Organization');
    const membership = await this.members.findMembership(orgId, user.userId);
    if (!membership) throw new NotFoundError('Organization');
    return { organizationId: orgId, role: membership.role, userId: user.userId, apiKeyId: null, actor: user.actor };
  }
}

/** Routes for a signed-in user outside any organization (bearer access token only). */
@Injectable()
export class UserAuthGuard implements CanActivate {
  constructor(private readonly auth: AuthService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const token = bearerToken(request);
    if (!token) throw new UnauthorizedError();
    const user = await this.auth.authenticateAccessToken(token);
    if (!user) throw new UnauthorizedError('invalid_token', 'The access token is invalid or expired');
    request.userPrincipal = user;
    return true;
  }
}
