import { INestApplicationContext } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { JobProducer } from '@ataa/queue';
import { createTestEnvironment, startTestWorker, TestEnvironment } from '@ataa/testing';

describe('worker application', () => {
  let env: TestEnvironment;
  let worker: INestApplicationContext;

  beforeAll(async () => {
    env = await createTestEnvironment();
    worker = await startTestWorker(env.config);
  });
  afterAll(async () => {
    await worker?.close();
    await env?.cleanup();
  });

  it('boots the same libs as the API without an HTTP server', async () => {
    expect((worker as unknown as { getHttpServer?: unknown }).getHttpServer).toBeUndefined();
    const dataSource = worker.get(DataSource);
    expect(await dataSource.query('select 1 as ok')).toEqual([{ ok: 1 }]);
    expect(worker.get(JobProducer).all().map((q) => q.name)).toContain('notifications');
  });
});
