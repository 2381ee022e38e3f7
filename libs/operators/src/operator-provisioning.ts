import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { isEmail } from 'class-validator';
import { DomainError } from '@ataa/common';
import { dataSourceOptions } from '@ataa/database';
import { normalizeEmail, passwordProblem, PasswordHasher } from '@ataa/organizations';
import { OperatorRepository, type OperatorAccount } from './persistence/operator.repository.js';

/** What makes an address and a password acceptable for a new operator account (the dashboard's password rule). */
export function operatorAccountProblem(email: string, password: unknown): 'invalid_email' | 'password_too_short' | 'password_too_long' | null {
  if (email.length > 254 || !isEmail(email, { allow_display_name: false, allow_ip_domain: false })) return 'invalid_email';
  return passwordProblem(password);
}

/**
 * Creating and disabling operator accounts. There is deliberately no HTTP route for it: accounts
 * are made by someone with access to the database's configuration (scripts/create-operator.js) or,
 * in development only, by the demo seed (scripts/seed-operator.js).
 */
@Injectable()
export class OperatorProvisioning {
  constructor(
    private readonly operators: OperatorRepository,
    private readonly hasher: PasswordHasher,
  ) {}

  /** A new account; 409 `operator_exists` when the address has one (it is left as it is). */
  async create(emailInput: string, password: string): Promise<OperatorAccount> {
    const email = normalizeEmail(emailInput);
    const problem = operatorAccountProblem(email, password);
    if (problem) throw new DomainError(problem, problem === 'invalid_email' ? 'Enter a valid e-mail address' : 'The password must be 12 to 256 characters', 400);
    const created = await this.operators.insert(email, await this.hasher.hash(password));
    if (!created) throw new DomainError('operator_exists', 'An operator account with this e-mail address already exists', 409);
    return created;
  }

  async find(emailInput: string): Promise<OperatorAccount | null> {
    return this.operators.findByEmail(normalizeEmail(emailInput));
  }

  /** Disables the account and ends its sessions (its audit trail stays); false when there is none. */
  async disable(emailInput: string): Promise<boolean> {
    return this.operators.disable(normalizeEmail(emailInput));
  }
}

/** OperatorProvisioning outside the Nest application (the scripts): its own connection, closed by `close`. */
export async function openOperatorProvisioning(databaseUrl: string): Promise<{ provisioning: OperatorProvisioning; close: () => Promise<void> }> {
  const dataSource = new DataSource(dataSourceOptions(databaseUrl, { migrations: [], logging: false }));
  await dataSource.initialize();
  return { provisioning: new OperatorProvisioning(new OperatorRepository(dataSource), new PasswordHasher()), close: () => dataSource.destroy() };
}
