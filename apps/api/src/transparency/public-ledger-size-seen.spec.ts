import type { FastifyRequest } from 'fastify';
import { sizeSeen } from './public-ledger.http.js';

const request = (ifNoneMatch?: string) => ({ headers: ifNoneMatch === undefined ? {} : { 'if-none-match': ifNoneMatch } }) as unknown as FastifyRequest;

describe('the log size a request shows its client has seen', () => {
  it('is the largest size among the ETags it revalidates (weak or strong) and the sizes its query names', () => {
    expect(sizeSeen(request())).toBe(0);
    expect(sizeSeen(request('"12-AbC_d"'))).toBe(12);
    expect(sizeSeen(request('W/"7-x", "15-y" , "9-z"'))).toBe(15);
    expect(sizeSeen(request('"3-x"'), [0, 20, 4])).toBe(20);
  });

  it('ignores tags that are not the public ledger\'s', () => {
    expect(sizeSeen(request('*'))).toBe(0);
    expect(sizeSeen(request('"AbCdEf"'))).toBe(0);
    expect(sizeSeen(request('"-3-x"'))).toBe(0);
    expect(sizeSeen(request(`"${'9'.repeat(20)}-x"`))).toBe(0);
  });
});
