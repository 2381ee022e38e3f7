import { PeriodicTask } from './periodic-task.js';

describe('PeriodicTask', () => {
  it('never runs two passes at once: a second call joins the running pass', async () => {
    let started = 0;
    let release!: () => void;
    const task = new PeriodicTask(async () => {
      started++;
      await new Promise<void>((resolve) => (release = resolve));
      return started;
    }, () => undefined);
    const first = task.runOnce();
    const second = task.runOnce();
    expect(task.isRunning).toBe(true);
    release();
    expect(await first).toBe(1);
    expect(await second).toBe(1);
    expect(started).toBe(1);
    expect(task.isRunning).toBe(false);
    expect(await task.runOnce(async () => 42)).toBe(42);
  });

  it('stop waits for the pass in progress and hands escaped errors to onError', async () => {
    const errors: string[] = [];
    let finished = false;
    const task = new PeriodicTask(async () => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      finished = true;
      throw new Error('PostgreSQL unavailable');
    }, (error) => errors.push(error.message));
    task.start(10_000);
    await task.stop();
    expect(finished).toBe(true);
    await new Promise((resolve) => setImmediate(resolve));
    expect(errors).toEqual(['PostgreSQL unavailable']);
  });
});
