import { DependencyMisconfiguredError, DependencyUnreachableError, waitFor } from './wait-for.js';

/** A probe that fails `failures` times with ECONNREFUSED, then answers. */
function flakyProbe(failures: number) {
  const probe = { calls: 0, run: async () => {
    probe.calls++;
    if (probe.calls <= failures) throw new Error('ECONNREFUSED');
  } };
  return probe;
}

describe('waitFor', () => {
  it('retries with backoff until the dependency answers, saying what is unreachable each time', async () => {
    const probe = flakyProbe(3);
    const log: string[] = [];
    await waitFor('PostgreSQL at db:5432', probe.run, (m) => log.push(m), { initialDelayMs: 1, maxDelayMs: 4 });
    expect(probe.calls).toBe(4);
    expect(log).toEqual([
      'PostgreSQL at db:5432 is unreachable (ECONNREFUSED); retrying in 0.0s',
      'PostgreSQL at db:5432 is unreachable (ECONNREFUSED); retrying in 0.0s',
      'PostgreSQL at db:5432 is unreachable (ECONNREFUSED); retrying in 0.0s',
      'PostgreSQL at db:5432 is reachable again',
    ]);
  });

  it('gives up at once, without retrying, when the dependency is misconfigured (waiting would not fix it)', async () => {
    const log: string[] = [];
    let attempts = 0;
    const refused = new DependencyMisconfiguredError('Configuration error: REDIS_URL redis://r:6379 is a node of a Redis Cluster; name the cluster with a redis+cluster:// REDIS_URL or REDIS_CLUSTER_NODES');
    await expect(waitFor('Redis at r:6379', async () => {
      attempts += 1;
      throw refused;
    }, (m) => log.push(m))).rejects.toBe(refused);
    expect(attempts).toBe(1);
    expect(log).toEqual([]);
  });

  it('answers at once, without a log line, when the dependency is up', async () => {
    const probe = flakyProbe(0);
    const log: string[] = [];
    await waitFor('Redis', probe.run, (m) => log.push(m), { timeoutMs: 0 });
    expect(probe.calls).toBe(1);
    expect(log).toEqual([]);
  });

  it('gives up after timeoutMs with one clear line naming the dependency and the last reason', async () => {
    const probe = flakyProbe(Infinity);
    const log: string[] = [];
    const error = await waitFor('PostgreSQL at db:5432', probe.run, (m) => log.push(m), { initialDelayMs: 1, maxDelayMs: 2, timeoutMs: 30 })
      .then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(DependencyUnreachableError);
    const message = (error as Error).message;
    expect(message).toMatch(/^PostgreSQL at db:5432 is still unreachable after \d+\.\ds and \d+ attempts \(ECONNREFUSED\); giving up$/);
    expect(message).not.toContain('\n');
    // It did retry before giving up, and every failed attempt but the last was logged.
    expect(probe.calls).toBeGreaterThan(1);
    expect(log).toHaveLength(probe.calls - 1);
  });

  it('stops retrying when aborted, with the probe error', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(waitFor('Redis', async () => { throw new Error('ECONNREFUSED'); }, () => undefined, { signal: controller.signal }))
      .rejects.toThrow('ECONNREFUSED');
  });
});
