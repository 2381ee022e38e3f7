import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '@ataa/config';
import { UnauthorizedError } from '@ataa/common';
import { constantTimeEquals } from '../domain/tokens.js';
import { bearerToken, type AuthenticatedRequest } from './request-credentials.js';

/** The platform operator: `Authorization: Bearer <OPERATOR_TOKEN>`. Compared in constant time. */
@Injectable()
export class OperatorGuard implements CanActivate {
  constructor(@Inject(AppConfig) private readonly config: AppConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const token = bearerToken(request);
    const expected = this.config.OPERATOR_TOKEN;
    if (!token || !expected || !constantTimeEquals(token, expected)) {
      throw new UnauthorizedError('unauthorized', 'Operator credentials are required');
    }
    return true;
  }
}
