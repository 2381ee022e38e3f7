import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { rateLimitSubject } from '../domain/client-address.js';
import { AUTH_RATE_LIMITS, RateLimiter, type AuthRateLimits } from '../rate-limiter.js';

/** Counts every sign-up attempt per client address, before validation, so junk requests count too. */
@Injectable()
export class SignupRateLimitGuard implements CanActivate {
  constructor(
    private readonly limiter: RateLimiter,
    @Inject(AUTH_RATE_LIMITS) private readonly limits: AuthRateLimits,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const ip = rateLimitSubject(context.switchToHttp().getRequest<FastifyRequest>().ip);
    await this.limiter.assertUnder('signup', ip, this.limits.signupsPerIp);
    await this.limiter.hit('signup', ip, this.limits.signupsPerIp);
    return true;
  }
}
