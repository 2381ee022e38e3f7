import { SetMetadata } from '@nestjs/common';
import type { Role } from '../domain/roles.js';

export const ROLES_KEY = 'ataa:roles';

/**
 * The roles an organization endpoint allows (see `roleAllows`): owners always; `viewer` means any
 * member; otherwise the listed roles. Without @Roles an AuthGuard route allows owners only.
 */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);
