import { isOperatorSessionToken, operatorActor, operatorLoginSubjects } from './operator-session.js';

describe('operator sessions', () => {
  it('look up only cookie values shaped like an operator secret (never a dashboard session)', () => {
    expect(isOperatorSessionToken(`ataa_os_${'a'.repeat(43)}`)).toBe(true);
    expect(isOperatorSessionToken(`ataa_ps_${'a'.repeat(43)}`)).toBe(false);
    expect(isOperatorSessionToken(`ataa_os_${'a'.repeat(42)}`)).toBe(false);
    expect(isOperatorSessionToken(undefined)).toBe(false);
  });

  it('name the operator in the audit log and count sign-in failures apart from organization accounts', () => {
    expect(operatorActor('0b1c')).toBe('operator:0b1c');
    expect(operatorLoginSubjects('127.0.0.1', 'h')).toEqual({ perAddressAndEmail: 'operator|127.0.0.1|h', perAccount: 'operator|h' });
  });
});
