import { Controller, Module, Post } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { createLogger } from '@ataa/observability';
import { createTestEnvironment, startTestApi, TestEnvironment } from '@ataa/testing';

/** Fails the way a bug would: an unexpected error carrying something that must never reach a client. */
@Controller('log-probe')
class LogProbeController {
  @Post('boom')
  boom(): never {
    throw new Error('connection to db failed: password=hunter2');
  }
}
@Module({ controllers: [LogProbeController] })
class LogProbeModule {}

type LogLine = Record<string, any>;

/**
 * The API's logs as an operator reads them: one JSON object per line, each request's lines carrying
 * its request id, and a 500's error id leading from the client's problem document to the logged
 * cause. The logger writes into this test instead of standard output.
 */
describe('structured logs', () => {
  let env: TestEnvironment;
  let app: NestFastifyApplication;
  const raw: string[] = [];
  const lines = (): LogLine[] => raw.map((line) => JSON.parse(line));

  beforeAll(async () => {
    env = await createTestEnvironment();
    const logger = createLogger('info', 'api-log-test', { write: (line: string) => void raw.push(line) });
    app = await startTestApi(env.config, { imports: [LogProbeModule], logger });
  });
  afterAll(async () => {
    await app?.close();
    await env?.cleanup();
  });

  it('writes one JSON object per line, each request tagged with its request id', async () => {
    await request(app.getHttpServer()).get('/health/live').set('x-request-id', 'log-test-live-1').expect(200);
    expect(raw.length).toBeGreaterThan(0);
    expect(() => lines()).not.toThrow();
    const mine = lines().filter((l) => l.reqId === 'log-test-live-1');
    expect(mine.length).toBeGreaterThanOrEqual(1);
    const completed = mine.find((l) => l.res?.statusCode === 200);
    expect(completed).toMatchObject({ level: 'info', service: 'api-log-test', reqId: 'log-test-live-1', msg: 'request completed' });
    // One line per request: the completion line carries the request too.
    expect(completed!.req).toMatchObject({ method: 'GET', url: '/health/live' });
    expect(typeof completed!.responseTime).toBe('number');
    expect(mine.filter((l) => l.msg === 'incoming request')).toEqual([]);
    expect(typeof completed!.time).toBe('string');
  });

  it('gives a request without an id a fresh one, echoed to the client and used in the logs', async () => {
    const res = await request(app.getHttpServer()).get('/health/live').expect(200);
    const id = res.headers['x-request-id'];
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(lines().some((l) => l.reqId === id)).toBe(true);
  });

  it('logs a 500 with the error id the client got, its cause and stack, and no credentials', async () => {
    const res = await request(app.getHttpServer())
      .post('/api/v1/log-probe/boom')
      .set('x-request-id', 'log-test-boom-1')
      .set('authorization', 'Bearer do-not-log-this-credential')
      .expect(500);
    expect(res.text).not.toContain('hunter2');
    const errorId = res.body.errorId;
    expect(errorId).toMatch(/^[0-9a-f-]{36}$/);
    const logged = lines().find((l) => l.errorId === errorId);
    expect(logged).toMatchObject({ level: 'error', reqId: 'log-test-boom-1' });
    expect(logged!.err.message).toContain('password=hunter2');
    expect(logged!.err.stack).toContain('LogProbeController');
    expect(raw.join('\n')).not.toContain('do-not-log-this-credential');
  });
});
