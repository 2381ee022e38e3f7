import { createShutdownHandler } from './shutdown.js';

function harness(close: () => Promise<void>, graceMs: number) {
  const info: string[] = [];
  const error: string[] = [];
  const exits: number[] = [];
  let closes = 0;
  const handler = createShutdownHandler({
    graceMs,
    close: () => { closes++; return close(); },
    log: { info: (m) => info.push(m), error: (m) => error.push(m) },
    exit: (code) => exits.push(code),
  });
  return { handler, info, error, exits, closes: () => closes };
}

describe('createShutdownHandler', () => {
  it('lets in-flight work finish, then exits 0', async () => {
    let finishWork!: () => void;
    const work = new Promise<void>((resolve) => (finishWork = resolve));
    const h = harness(() => work, 60_000);
    const stopping = h.handler('SIGTERM');
    await new Promise((resolve) => setImmediate(resolve));
    expect(h.exits).toEqual([]); // still waiting for the work
    finishWork();
    await stopping;
    expect(h.exits).toEqual([0]);
    expect(h.info[0]).toBe('SIGTERM received: no new work is taken; in-flight work has up to 60s (SHUTDOWN_GRACE_SECONDS)');
    expect(h.error).toEqual([]);
  });

  it('exits 1 when the grace period ends before the work does', async () => {
    const h = harness(() => new Promise<void>(() => undefined), 20);
    await h.handler('SIGTERM');
    expect(h.exits).toEqual([1]);
    expect(h.error).toEqual(['in-flight work still running after the 0.02s grace period (SHUTDOWN_GRACE_SECONDS); exiting without it']);
  });

  it('shuts down once: a second signal neither closes again nor cuts the grace period short', async () => {
    let finishWork!: () => void;
    const h = harness(() => new Promise<void>((resolve) => (finishWork = resolve)), 60_000);
    const first = h.handler('SIGINT');
    const second = h.handler('SIGTERM');
    expect(second).toBe(first);
    expect(h.closes()).toBe(1);
    expect(h.exits).toEqual([]);
    finishWork();
    await first;
    expect(h.exits).toEqual([0]);
  });

  it('exits 1 with the reason when closing fails', async () => {
    const h = harness(() => Promise.reject(new Error('redis gone')), 60_000);
    await h.handler('SIGTERM');
    expect(h.exits).toEqual([1]);
    expect(h.error).toEqual(['shutdown failed: redis gone']);
  });
});
