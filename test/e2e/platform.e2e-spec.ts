import { Body, Controller, Get, Module, Post } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import net from 'node:net';
import { DataSource } from 'typeorm';
import { IsInt, IsString, Max, MaxLength, Min } from 'class-validator';
import request from 'supertest';
import { createShutdownHandler } from '@ataa/common';
import { baseUrlOf, createTestEnvironment, startTestApi, TestEnvironment } from '@ataa/testing';
import { closeApiApp } from '../../apps/api/src/close-api-app.js';
import { startTcpProxy, TcpProxy } from '../notifications/tcp-proxy.js';

class EchoDto {
  @IsString() @MaxLength(20) name: string;
  @IsInt() @Min(1) @Max(100) count: number;
}

/** A tiny endpoint that exists only in this test, to exercise the global validation and errors. */
@Controller('echo')
class EchoController {
  @Post()
  echo(@Body() body: EchoDto) {
    return { name: body.name, count: body.count, isDto: body instanceof EchoDto };
  }

  @Post('boom')
  boom(): never {
    throw new Error('secret internal detail: db password is hunter2');
  }
}
@Module({ controllers: [EchoController] })
class EchoModule {}

describe('platform basics over HTTP', () => {
  let env: TestEnvironment;
  let app: NestFastifyApplication;

  beforeAll(async () => {
    env = await createTestEnvironment({ BODY_LIMIT_BYTES: '2048' });
    app = await startTestApi(env.config, { imports: [EchoModule] });
  });
  afterAll(async () => {
    await app?.close();
    await env?.cleanup();
  });

  it('GET /health/live answers ok with a request id', async () => {
    const res = await request(app.getHttpServer()).get('/health/live').set('x-request-id', 'req-abc-123').expect(200);
    expect(res.body).toEqual({ status: 'ok' });
    expect(res.headers['x-request-id']).toBe('req-abc-123');
  });

  it('GET /health/ready checks PostgreSQL and Redis', async () => {
    const res = await request(app.getHttpServer()).get('/health/ready').expect(200);
    expect(res.body.status).toBe('ok');
    expect(res.body.info).toMatchObject({ postgres: { status: 'up' }, redis: { status: 'up' } });
  });

  it('GET /metrics serves Prometheus text', async () => {
    await request(app.getHttpServer()).get('/health/live');
    const res = await request(app.getHttpServer()).get('/metrics').expect(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.text).toContain('ataa_http_requests_total');
    expect(res.text).toContain('ataa_process_cpu_user_seconds_total');
  });

  it('counts each request by method, route and status, unmatched ones under one route', async () => {
    const count = (text: string, series: string) => Number(text.split('\n').find((l) => l.startsWith(`${series} `))?.split(' ')[1] ?? 0);
    const before = (await request(app.getHttpServer()).get('/metrics').expect(200)).text;
    await request(app.getHttpServer()).get('/api/v1/meta').expect(200);
    await request(app.getHttpServer()).get('/api/v1/meta').expect(200);
    await request(app.getHttpServer()).get('/no-such-page-for-metrics').expect(404);
    const after = (await request(app.getHttpServer()).get('/metrics').expect(200)).text;
    const meta = 'ataa_http_requests_total{method="GET",route="/api/v1/meta",status="200"}';
    const unmatched = 'ataa_http_requests_total{method="GET",route="unmatched",status="404"}';
    const metaDuration = 'ataa_http_request_duration_seconds_count{method="GET",route="/api/v1/meta"}';
    expect(count(after, meta) - count(before, meta)).toBe(2);
    expect(count(after, unmatched) - count(before, unmatched)).toBe(1);
    expect(count(after, metaDuration) - count(before, metaDuration)).toBe(2);
  });

  it('serves the OpenAPI document and UI at /docs', async () => {
    const doc = await request(app.getHttpServer()).get('/docs/openapi.json').expect(200);
    expect(doc.body.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/health/live', '/health/ready', '/api/v1/echo']));
    const ui = await request(app.getHttpServer()).get('/docs').expect(200);
    expect(ui.text).toContain('swagger');
    // Swagger UI's inline scripts: its pages alone go without our CSP, with the other headers and the request id.
    expect(ui.headers['content-security-policy']).toBeUndefined();
    expect(ui.headers['x-content-type-options']).toBe('nosniff');
    expect(ui.headers['x-request-id']).toBeTruthy();
  });

  it('serves /api/v1/meta and the page stylesheet', async () => {
    expect((await request(app.getHttpServer()).get('/api/v1/meta').expect(200)).body).toEqual({ name: 'ataa', apiVersion: 'v1' });
    const css = await request(app.getHttpServer()).get('/assets/app.css').expect(200);
    expect(css.headers['content-type']).toContain('text/css');
  });

  it('sends security headers', async () => {
    const res = await request(app.getHttpServer()).get('/health/live');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['x-frame-options']).toBeDefined();
    // On every answer, errors included.
    const missing = await request(app.getHttpServer()).get('/api/v1/nope').expect(404);
    expect(missing.headers['x-content-type-options']).toBe('nosniff');
    expect(missing.headers['content-security-policy']).toContain("frame-ancestors 'none'");
  });

  it('validates and transforms input under /api/v1', async () => {
    const res = await request(app.getHttpServer()).post('/api/v1/echo').send({ name: 'ok', count: 3 }).expect(201);
    expect(res.body).toEqual({ name: 'ok', count: 3, isDto: true });
  });

  it.each([
    ['an unknown field (mass assignment)', { name: 'ok', count: 3, isAdmin: true }, /isAdmin should not exist/],
    ['a wrong type', { name: 'ok', count: '3' }, /count/],
    ['a missing field', { count: 3 }, /name/],
    ['a value out of range', { name: 'ok', count: 1000 }, /count/],
    ['an array body', [1, 2], /./],
  ])('rejects %s with a 400 problem', async (_label, body, detail) => {
    const res = await request(app.getHttpServer()).post('/api/v1/echo').send(body as object).expect(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body).toMatchObject({ status: 400, code: 'validation_failed' });
    expect(res.body.detail).toMatch(detail);
  });

  it('answers malformed JSON with 400 malformed_json', async () => {
    const res = await request(app.getHttpServer()).post('/api/v1/echo').set('content-type', 'application/json').send('{"name": ').expect(400);
    expect(res.body).toMatchObject({ code: 'malformed_json' });
  });

  it('answers an oversized body with 413', async () => {
    const res = await request(app.getHttpServer()).post('/api/v1/echo').send({ name: 'x'.repeat(5000), count: 1 }).expect(413);
    expect(res.body).toMatchObject({ status: 413, code: 'payload_too_large' });
  });

  it('answers unknown routes with a 404 problem', async () => {
    const res = await request(app.getHttpServer()).get('/api/v1/nope').expect(404);
    expect(res.body).toMatchObject({ code: 'not_found' });
  });

  it('never leaks internals: a 500 carries only an error id', async () => {
    const res = await request(app.getHttpServer()).post('/api/v1/echo/boom').expect(500);
    expect(res.body).toMatchObject({ status: 500, code: 'internal_error' });
    expect(res.body.errorId).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.text).not.toContain('hunter2');
    expect(res.text).not.toContain('at ');
  });
});

describe('readiness while a dependency is down', () => {
  let env: TestEnvironment;
  let app: NestFastifyApplication;

  beforeAll(async () => {
    env = await createTestEnvironment();
    // Redis on a port where nothing listens: the API still boots (queues reconnect in the background).
    app = await startTestApi(env.configWith({ REDIS_URL: 'redis://127.0.0.1:1' }));
  });
  afterAll(async () => {
    await app?.close();
    await env?.cleanup();
  });

  it('answers 503 on /health/ready naming Redis, while /health/live stays 200', async () => {
    await request(app.getHttpServer()).get('/health/live').expect(200);
    const res = await request(app.getHttpServer()).get('/health/ready').expect(503);
    expect(res.body).toMatchObject({ status: 503, checks: { redis: { status: 'down' }, postgres: { status: 'up' } } });
  });
});

describe('readiness while PostgreSQL is down', () => {
  let env: TestEnvironment;
  let proxy: TcpProxy;
  let app: NestFastifyApplication;

  beforeAll(async () => {
    env = await createTestEnvironment();
    // The API reaches PostgreSQL only through a proxy: it boots against a live database, then the
    // proxy cuts every connection and refuses new ones, which is an outage for this API alone.
    const database = new URL(env.database.url);
    proxy = await startTcpProxy({ host: database.hostname, port: Number(database.port || 5432) });
    database.port = String(proxy.port);
    app = await startTestApi(env.configWith({ DATABASE_URL: database.toString() }));
  });
  afterAll(async () => {
    await proxy?.up(); // let the pool close cleanly
    await app?.close();
    await proxy?.close();
    await env?.cleanup();
  });

  it('answers 503 on /health/ready naming PostgreSQL while it is down, and 200 once it is back', async () => {
    await request(app.getHttpServer()).get('/health/ready').expect(200);

    await proxy.down();
    const res = await request(app.getHttpServer()).get('/health/ready').expect(503);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body).toMatchObject({ status: 503, checks: { postgres: { status: 'down' }, redis: { status: 'up' } } });
    await request(app.getHttpServer()).get('/health/live').expect(200);

    await proxy.up();
    // The pool replaces the connections it lost; no restart is needed.
    let status = 0;
    for (let attempt = 0; attempt < 50 && status !== 200; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 100));
      status = (await request(app.getHttpServer()).get('/health/ready')).status;
    }
    expect(status).toBe(200);
  });
});

/** A request that is in flight when the signal comes: it waits for the test, then still needs the database. */
const slowGate = { entered: null as null | (() => void), release: null as null | (() => void) };

@Controller('slow')
class SlowController {
  constructor(private readonly dataSource: DataSource) {}

  @Get()
  async slow() {
    await new Promise<void>((resolve) => {
      slowGate.release = resolve;
      slowGate.entered?.();
    });
    const [row] = await this.dataSource.query(`SELECT 42 AS answer`);
    return row;
  }
}
@Module({ controllers: [SlowController] })
class SlowModule {}

/** Whether a new TCP connection to the port is accepted. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

describe('API shutdown (SIGTERM with SHUTDOWN_GRACE_SECONDS)', () => {
  let env: TestEnvironment;

  beforeAll(async () => {
    env = await createTestEnvironment();
  });
  afterAll(async () => {
    slowGate.release?.();
    await env?.cleanup();
  });

  async function startSlowRequest() {
    const app = await startTestApi(env.config, { imports: [SlowModule], listen: true });
    const base = await baseUrlOf(app);
    const port = Number(new URL(base).port);
    const entered = new Promise<void>((resolve) => (slowGate.entered = resolve));
    const response = fetch(`${base}/api/v1/slow`);
    await entered;
    return { app, port, response };
  }

  it('stops accepting connections, lets the request in flight finish (database included), then exits 0', async () => {
    const { app, port, response } = await startSlowRequest();
    const exits: number[] = [];
    const shutdown = createShutdownHandler({
      graceMs: 60_000,
      close: () => closeApiApp(app),
      log: { info: () => undefined, error: () => undefined },
      exit: (code) => exits.push(code),
    })('SIGTERM');

    let accepting = true;
    for (let attempt = 0; attempt < 50 && accepting; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 20));
      accepting = await accepts(port);
    }
    expect(accepting).toBe(false);
    expect(exits).toEqual([]);

    slowGate.release!();
    const res = await response;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ answer: 42 });
    await shutdown;
    expect(exits).toEqual([0]);
  });

  it('exits 1 once the grace period is over with the request still in flight', async () => {
    const { app, response } = await startSlowRequest();
    const exits: number[] = [];
    let closed: Promise<void> | undefined;
    await createShutdownHandler({
      graceMs: 300,
      close: () => (closed = closeApiApp(app)),
      log: { info: () => undefined, error: () => undefined },
      exit: (code) => exits.push(code),
    })('SIGTERM');
    expect(exits).toEqual([1]);

    // In production the process is gone now; here the request is let go so the app can close.
    slowGate.release!();
    expect((await response).status).toBe(200);
    await closed;
  });
});
