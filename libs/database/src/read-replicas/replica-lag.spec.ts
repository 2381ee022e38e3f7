import { isUnavailableError, parseLsn, WalSamples } from './replica-lag.js';

describe('replica lag from WAL positions', () => {
  it('reads pg_lsn text as bytes', () => {
    expect(parseLsn('0/0')).toBe(0n);
    expect(parseLsn('16/B374D848')).toBe(0x16n * 2n ** 32n + 0xb374d848n);
    expect(() => parseLsn('16-B374')).toThrow('not a WAL position');
  });

  it('is the age of the oldest primary position the replica has not replayed', () => {
    const samples = new WalSamples(10_000);
    expect(samples.lagMs(100n, 0)).toBeNull();
    // The primary at 100 (t=0), 100 again (idle: the first time is kept), 250 (t=2000), 400 (t=3000).
    samples.add(0, 100n);
    samples.add(1000, 100n);
    samples.add(2000, 250n);
    samples.add(3000, 400n);
    expect(samples.size).toBe(3);
    // Caught up with everything sampled: no lag, however long ago the last write was.
    expect(samples.lagMs(400n, 9000)).toBe(0);
    // Replayed up to 260: it misses what came after the t=2000 sample, first seen at t=3000 → 3500 − 3000.
    expect(samples.lagMs(260n, 3500)).toBe(500);
    // Stuck at 100 (replay paused, or cut off from the primary): behind since t=2000, growing.
    expect(samples.lagMs(100n, 3500)).toBe(1500);
    expect(samples.lagMs(100n, 7000)).toBe(5000);
    // Nothing replayed at all: as old as the oldest sample.
    expect(samples.lagMs(null, 3500)).toBe(3500);
  });

  it('forgets samples older than its window but the newest', () => {
    const samples = new WalSamples(1000);
    samples.add(0, 1n);
    samples.add(500, 2n);
    samples.add(5000, 3n);
    expect(samples.size).toBe(1);
    // Stuck at 1: behind at least since the oldest sample kept (t=5000).
    expect(samples.lagMs(1n, 6000)).toBe(1000);
  });

  it('tells an unavailable server from a wrong query', () => {
    expect(isUnavailableError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5441'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isUnavailableError(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }))).toBe(true);
    expect(isUnavailableError(Object.assign(new Error('canceling statement due to conflict with recovery'), { code: '40001' }))).toBe(true);
    expect(isUnavailableError(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isUnavailableError(Object.assign(new Error('syntax error at or near "SELEC"'), { code: '42601' }))).toBe(false);
    expect(isUnavailableError(Object.assign(new Error('invalid input syntax for type uuid'), { code: '22P02' }))).toBe(false);
  });
});
