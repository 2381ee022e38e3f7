import type { FastifyRequest } from 'fastify';
import type { Principal, UserPrincipal } from '../domain/roles.js';

export type AuthenticatedRequest = FastifyRequest & { principal?: Principal; userPrincipal?: UserPrincipal };

/** The bearer token of a request, or null. */
export function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return null;
  const match = /^Bearer\s+([A-Za-z0-9._~+/=-]{1,512})$/i.exec(header.trim());
  return match ? match[1] : null;
}

export function apiKeyHeader(request: FastifyRequest): string | null {
  const value = request.headers['x-api-key'];
  return typeof value === 'string' && value.length > 0 && value.length <= 512 ? value : null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}
