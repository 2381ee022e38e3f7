import { BullModule, getQueueToken, Processor, WorkerHost } from '@nestjs/bullmq';
import { INestApplicationContext, Module } from '@nestjs/common';
import { Job, Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { createShutdownHandler } from '@ataa/common';
import { bullConnection } from '@ataa/queue';
import { createTestEnvironment, startTestWorker, TestEnvironment } from '@ataa/testing';
import { closeWorkerApp } from './close-worker-app.js';

const QUEUE = 'shutdown-test';

/** A job that is running when the signal comes: it waits for the test, then still needs the database. */
const gate = {
  started: null as null | (() => void),
  release: null as null | (() => void),
};

@Processor(QUEUE)
class SlowProcessor extends WorkerHost {
  constructor(private readonly dataSource: DataSource) {
    super();
  }

  async process(job: Job<{ n: number }>): Promise<{ n: number; now: string }> {
    await new Promise<void>((resolve) => {
      gate.release = resolve;
      gate.started?.();
    });
    const [row] = await this.dataSource.query(`SELECT $1::int AS n, now()::text AS now`, [job.data.n]);
    return row;
  }
}
@Module({ imports: [BullModule.registerQueue({ name: QUEUE })], providers: [SlowProcessor] })
class SlowJobModule {}

describe('worker shutdown (SIGTERM with SHUTDOWN_GRACE_SECONDS)', () => {
  let env: TestEnvironment;
  let worker: INestApplicationContext;
  let observer: Queue;

  beforeAll(async () => {
    env = await createTestEnvironment();
    observer = new Queue(QUEUE, { connection: bullConnection(env.config.REDIS_URL), prefix: env.config.QUEUE_PREFIX });
  });
  afterAll(async () => {
    gate.release?.();
    await observer?.close();
    await env?.cleanup();
  });

  it('lets the running job finish (database included) before exiting 0', async () => {
    worker = await startTestWorker(env.config, { imports: [SlowJobModule] });
    const started = new Promise<void>((resolve) => (gate.started = resolve));
    const job = await worker.get<Queue>(getQueueToken(QUEUE), { strict: false }).add('slow', { n: 42 });
    await started;

    const exits: number[] = [];
    const log: string[] = [];
    const shutdown = createShutdownHandler({
      graceMs: 60_000,
      close: () => closeWorkerApp(worker),
      log: { info: (m) => log.push(m), error: (m) => log.push(m) },
      exit: (code) => exits.push(code),
    })('SIGTERM');
    // The signal came while the job runs: nothing exits until it is done.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(exits).toEqual([]);
    expect(await (await Job.fromId(observer, job.id!))!.getState()).toBe('active');

    gate.release!();
    await shutdown;
    expect(exits).toEqual([0]);
    const finished = await Job.fromId(observer, job.id!);
    expect(await finished!.getState()).toBe('completed');
    expect(finished!.returnvalue).toMatchObject({ n: 42 });
    expect(log).toEqual([
      'SIGTERM received: no new work is taken; in-flight work has up to 60s (SHUTDOWN_GRACE_SECONDS)',
      'stopped: in-flight work finished',
    ]);
  });

  it('exits 1 once the grace period is over with the job still running', async () => {
    worker = await startTestWorker(env.config, { imports: [SlowJobModule] });
    const started = new Promise<void>((resolve) => (gate.started = resolve));
    const job = await worker.get<Queue>(getQueueToken(QUEUE), { strict: false }).add('stuck', { n: 7 });
    await started;

    const exits: number[] = [];
    const errors: string[] = [];
    let closed: Promise<void> | undefined;
    await createShutdownHandler({
      graceMs: 300,
      close: () => (closed = closeWorkerApp(worker)),
      log: { info: () => undefined, error: (m) => errors.push(m) },
      exit: (code) => exits.push(code),
    })('SIGTERM');
    expect(exits).toEqual([1]);
    expect(errors).toEqual(['in-flight work still running after the 0.3s grace period (SHUTDOWN_GRACE_SECONDS); exiting without it']);
    expect(await (await Job.fromId(observer, job.id!))!.getState()).toBe('active');

    // In production the process is gone now; here the job is let go so the app can close.
    gate.release!();
    await closed;
  });
});
