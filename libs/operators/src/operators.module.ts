import { Module } from '@nestjs/common';
import { PasswordHasher } from '@ataa/organizations';
import { OperatorAccountsService } from './operator-accounts.service.js';
import { OperatorProvisioning } from './operator-provisioning.js';
import { OperatorRepository } from './persistence/operator.repository.js';

/** Operator accounts and console sessions (RateLimiter and AuditService come from the global OrganizationsModule). */
@Module({
  providers: [OperatorRepository, PasswordHasher, OperatorAccountsService, OperatorProvisioning],
  exports: [OperatorAccountsService, OperatorProvisioning],
})
export class OperatorsModule {}
