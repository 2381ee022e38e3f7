export { OperatorsModule } from './operators.module.js';
export { OperatorAccountsService, type OperatorSession } from './operator-accounts.service.js';
export { OperatorProvisioning, openOperatorProvisioning, operatorAccountProblem } from './operator-provisioning.js';
export { type OperatorAccount, type OperatorIdentity } from './persistence/operator.repository.js';
export {
  OPERATOR_SESSION_TTL_SECONDS, OPERATOR_SESSION_PREFIX, isOperatorSessionToken, operatorActor, operatorLoginSubjects,
} from './domain/operator-session.js';
