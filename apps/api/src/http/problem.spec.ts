import { BadRequestException, NotFoundException } from '@nestjs/common';
import { DomainError } from '@ataa/common';
import { toProblem } from './problem.js';

describe('toProblem', () => {
  it('keeps a domain error code, status and safe message', () => {
    const { problem, internal } = toProblem(new DomainError('amount_below_minimum', 'Too small', 400, { minimum: '50' }));
    expect(problem).toMatchObject({ status: 400, code: 'amount_below_minimum', detail: 'Too small', minimum: '50' });
    expect(internal).toBeUndefined();
  });

  it("never lets a domain error's details replace the problem's own members (a detail named status made a 500)", () => {
    const { problem } = toProblem(new DomainError('campaign_not_taking_gifts', 'The campaign is closed', 409, { status: 'closed', code: 'x', campaignId: 'c1' }));
    expect(problem).toMatchObject({ status: 409, code: 'campaign_not_taking_gifts', campaignId: 'c1', detail: 'The campaign is closed' });
  });

  it('gives framework HTTP errors a stable code', () => {
    expect(toProblem(new NotFoundException()).problem).toMatchObject({ status: 404, code: 'not_found' });
    expect(toProblem(new BadRequestException()).problem).toMatchObject({ status: 400, code: 'bad_request' });
  });

  it('maps Fastify parser errors to 400 and 413', () => {
    expect(toProblem(Object.assign(new Error('x'), { statusCode: 400, code: 'FST_ERR_CTP_INVALID_JSON_BODY' })).problem.code).toBe('malformed_json');
    expect(toProblem(Object.assign(new Error('x'), { statusCode: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE' })).problem).toMatchObject({ status: 413, code: 'payload_too_large' });
  });

  it('maps the router\'s refusals (a path that is not UTF-8, an over-long parameter) to 400 and 414', () => {
    expect(toProblem(Object.assign(new Error('x'), { statusCode: 400, code: 'FST_ERR_BAD_URL' })).problem).toMatchObject({ status: 400, code: 'malformed_url' });
    expect(toProblem(Object.assign(new Error('x'), { statusCode: 414 })).problem).toMatchObject({ status: 414, code: 'uri_too_long' });
  });

  it('hides internals of unexpected errors behind an error id', () => {
    const { problem, internal } = toProblem(new Error('connection to 10.0.0.5 failed: password authentication'));
    expect(problem.status).toBe(500);
    expect(problem.code).toBe('internal_error');
    expect(problem.errorId).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.stringify(problem)).not.toContain('10.0.0.5');
    expect(internal).toBeInstanceOf(Error);
  });
});
