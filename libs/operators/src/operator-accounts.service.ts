import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { UnauthorizedError } from '@ataa/common';
import { AuditService, generateSecret, hashSecret, normalizeEmail, PasswordHasher, RateLimiter, rateLimitSubject } from '@ataa/organizations';
import { isOperatorSessionToken, OPERATOR_SESSION_PREFIX, OPERATOR_SESSION_TTL_SECONDS, operatorActor, operatorLoginSubjects } from './domain/operator-session.js';
import { OperatorRepository, type OperatorIdentity } from './persistence/operator.repository.js';

/** A console sign-in: the cookie's secret (shown once, stored hashed) and when the session ends. */
export interface OperatorSession {
  cookieToken: string;
  expiresAt: Date;
  operator: OperatorIdentity;
}

const INVALID_CREDENTIALS = () => new UnauthorizedError('invalid_credentials', 'The e-mail or password is incorrect');

/**
 * Operator accounts and console sessions. The credential check is the dashboard's (argon2id through
 * PasswordHasher, a failure point taken from the login limits before the password is checked and
 * given back when it is right), counted apart from organization accounts. Every sign-in and sign-out
 * is in the audit log under `operator:<id>`.
 */
@Injectable()
export class OperatorAccountsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly operators: OperatorRepository,
    private readonly hasher: PasswordHasher,
    private readonly limiter: RateLimiter,
    private readonly audit: AuditService,
  ) {}

  async signIn(input: { email: string; password: string }, ip: string): Promise<OperatorSession> {
    const email = normalizeEmail(input.email);
    const clientIp = rateLimitSubject(ip);
    const subjects = operatorLoginSubjects(clientIp, hashSecret(email));
    const taken = await this.limiter.take([
      { limit: 'loginFailuresPerIpAndEmail', subject: subjects.perAddressAndEmail },
      { limit: 'loginFailuresPerIp', subject: clientIp },
      { limit: 'loginFailuresPerAccount', subject: subjects.perAccount },
    ]);
    const account = await this.operators.findForSignIn(email);
    // A missing or disabled account costs the same argon2 verification as a wrong password.
    const ok = await this.hasher.verify(account && !account.disabledAt ? account.passwordHash : null, input.password);
    if (!account || account.disabledAt || !ok) throw INVALID_CREDENTIALS();
    await taken.giveBack();
    const cookieToken = generateSecret(OPERATOR_SESSION_PREFIX);
    const expiresAt = new Date(Date.now() + OPERATOR_SESSION_TTL_SECONDS * 1000);
    const sessionId = await this.dataSource.transaction(async (m) => {
      const id = await this.operators.openSession(m, account.id, hashSecret(cookieToken), expiresAt);
      await this.audit.record(m, { organizationId: null, actor: operatorActor(account.id), action: 'operator.signed_in', targetType: 'operator', targetId: account.id });
      return id;
    });
    return { cookieToken, expiresAt, operator: { operatorId: account.id, sessionId, email: account.email } };
  }

  /** The operator behind a console cookie, or null when it is unknown, expired, revoked or the account is disabled. */
  async authenticate(cookieToken: unknown): Promise<OperatorIdentity | null> {
    if (!isOperatorSessionToken(cookieToken)) return null;
    return this.operators.identify(hashSecret(cookieToken));
  }

  async signOut(operator: OperatorIdentity): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      if (!(await this.operators.revoke(m, operator.sessionId))) return;
      await this.audit.record(m, { organizationId: null, actor: operatorActor(operator.operatorId), action: 'operator.signed_out', targetType: 'operator', targetId: operator.operatorId });
    });
  }

  /**
   * Audit-log actors as people read them: `operator:<id>` becomes the operator's e-mail address;
   * anything else (`operator` for the bearer-token API, `user:<id>`, `automatic`) is left as it is.
   */
  async describeActors(actors: string[]): Promise<Map<string, string>> {
    const ids = [...new Set(actors.map((a) => /^operator:([0-9a-f-]{36})$/.exec(a)?.[1]).filter((id): id is string => Boolean(id)))];
    const emails = await this.operators.emailsOf(ids);
    return new Map(actors.map((a) => {
      const id = /^operator:([0-9a-f-]{36})$/.exec(a)?.[1];
      return [a, id && emails.has(id) ? emails.get(id)! : a];
    }));
  }
}
