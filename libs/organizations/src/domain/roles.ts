export const ROLES = ['owner', 'admin', 'finance', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/** Roles an API key may carry: keys are for programs, and programs never manage members or settings. */
export const API_KEY_ROLES = ['admin', 'finance', 'viewer'] as const;
export type ApiKeyRole = (typeof API_KEY_ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/**
 * Whether a member with `role` may use an endpoint that lists `allowed` roles.
 * - `owner` may do everything;
 * - listing `viewer` means "any member" (reads: owner > admin > finance > viewer);
 * - otherwise the role must be listed (admin manages campaigns, finance handles refunds and
 *   payouts: neither implies the other).
 */
export function roleAllows(role: Role, allowed: readonly Role[]): boolean {
  if (allowed.length === 0) return true;
  return role === 'owner' || allowed.includes('viewer') || allowed.includes(role);
}

/** Who is calling, once authenticated for an organization. */
export interface Principal {
  organizationId: string;
  role: Role;
  userId: string | null;
  apiKeyId: string | null;
  /** For the audit log: `user:<id>` or `api_key:<id>`. */
  actor: string;
}

/** A signed-in user (routes outside an organization: sign-out, invitations, creating an organization). */
export interface UserPrincipal {
  userId: string;
  sessionId: string;
  email: string;
  displayName?: string | null;
  actor: string;
}
