import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { jest } from '@jest/globals';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createTestEnvironment, startTestApi, TestEnvironment } from '@ataa/testing';
import { insertCampaign } from '../transparency/support.js';

/**
 * A report flood is rate-limited per client address (real PostgreSQL and Redis): every attempt
 * counts, valid or not; the limit is taken atomically before the work, so concurrent attempts let
 * exactly the limit through; the refusal is a 429 page with the code; other addresses go on.
 */
jest.setTimeout(60_000);

describe('report rate limit per client address', () => {
  let env: TestEnvironment;
  let app: NestFastifyApplication;
  const slug = 'flooded-campaign';

  beforeAll(async () => {
    env = await createTestEnvironment();
    app = await startTestApi(env.configWith({ REPORTS_PER_ADDRESS: '3', REPORT_WINDOW_SECONDS: '600' }));
    await insertCampaign(env.database.url, { slug, language: 'ar', title: 'حملة' });
  });
  afterAll(async () => {
    await app?.close();
    await env?.cleanup();
  });

  /** A visitor at `address` with the report form's CSRF cookie and token. */
  async function visitor(address: string) {
    const agent = request.agent(app.getHttpServer());
    const form = await agent.get(`/c/${slug}/flag`).set('x-forwarded-for', address).expect(200);
    const token = /name="_csrf" value="([^"]+)"/.exec(form.text)?.[1] ?? '';
    return (fields: Record<string, string> = {}) => agent.post(`/c/${slug}/flag`).set('x-forwarded-for', address).type('form')
      .send({ _csrf: token, target: 'campaign', reason: 'spam', ...fields });
  }
  const stored = async () => (await app.get(DataSource).query(`SELECT count(*)::int AS n FROM moderation_reports`))[0].n as number;

  it('lets exactly the limit through from one address, refuses the rest with 429 rate_limited, and leaves other addresses alone', async () => {
    const flood = await visitor('203.0.113.9');
    // An invalid attempt counts too.
    expect((await flood({ reason: 'nonsense' })).status).toBe(400);
    const answers = await Promise.all(Array.from({ length: 8 }, () => flood()));
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 429, 429, 429, 429, 429, 429]);
    const refused = answers.find((r) => r.status === 429)!;
    expect(refused.text).toContain('data-code="rate_limited"');
    expect(refused.text).toContain('بلاغات كثيرة من اتصالك');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(await stored()).toBe(2);

    const neighbour = await visitor('203.0.113.10');
    expect((await neighbour()).status).toBe(200);
    expect(await stored()).toBe(3);
  });
});
