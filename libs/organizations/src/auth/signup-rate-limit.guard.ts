import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { rateLimitSubject } from '../domain/client-address.js';
import { RateLimiter } from '../rate-limiter.js';

/**
 * Takes a sign-up point per client address (atomically, before validation and before the account
 * is created), so junk requests count too and concurrent sign-ups cannot pass the limit.
 */
@Injectable()
export class SignupRateLimitGuard implements CanActivate {
  constructor(private readonly limiter: RateLimiter) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const ip = rateLimitSubject(context.switchToHttp().getRequest<FastifyRequest>().ip);
    await this.limiter.take([{ limit: 'signupsPerIp', subject: ip }]);
    return true;
  }
}
