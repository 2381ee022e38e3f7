import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Principal, UserPrincipal } from '../domain/roles.js';
import type { AuthenticatedRequest } from './request-credentials.js';

/** The caller as authenticated by AuthGuard for the route's organization. */
export const CurrentPrincipal = createParamDecorator((_data: unknown, ctx: ExecutionContext): Principal => {
  const principal = ctx.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (!principal) throw new Error('CurrentPrincipal used on a route without AuthGuard');
  return principal;
});

/** The signed-in user as authenticated by UserAuthGuard. */
export const CurrentUser = createParamDecorator((_data: unknown, ctx: ExecutionContext): UserPrincipal => {
  const user = ctx.switchToHttp().getRequest<AuthenticatedRequest>().userPrincipal;
  if (!user) throw new Error('CurrentUser used on a route without UserAuthGuard');
  return user;
});
