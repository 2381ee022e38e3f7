/**
 * The sandbox's notion of "now", in Unix seconds: real time plus an offset that tests and demos
 * move forward to settle balances, expire sessions and complete asynchronous payments.
 * Webhook signatures never use this clock (receivers check them against real time).
 */
export class SandboxClock {
  constructor(
    private offsetSeconds = 0,
    private readonly realNowMs: () => number = () => Date.now(),
  ) {}

  /** Set while a test clock's due work runs: objects made then carry the test clock's time. */
  private frozenAt: number | null = null;

  now(): number {
    if (this.frozenAt !== null) return this.frozenAt;
    return Math.floor(this.realNowMs() / 1000) + this.offsetSeconds;
  }

  /**
   * Runs `work` with now() answering `at` (a test clock's frozen time, `test_helpers.test_clocks`):
   * what it creates (invoices, charges, events) is dated on that clock, not the sandbox's.
   */
  runAt<T>(at: number, work: () => T): T {
    const before = this.frozenAt;
    this.frozenAt = at;
    try {
      return work();
    } finally {
      this.frozenAt = before;
    }
  }

  get offset(): number {
    return this.offsetSeconds;
  }

  /** Moves the clock forward (never backwards: objects' timestamps must stay ordered). */
  advance(seconds: number): number {
    if (!Number.isInteger(seconds) || seconds < 0) throw new RangeError('the clock only moves forward by whole seconds');
    this.offsetSeconds += seconds;
    return this.now();
  }

  /**
   * Sets the clock back to `at` (Unix seconds, not after now). Only the engine calls this, after
   * checking that nothing it holds was created after `at` (see SandboxEngine.rewindClock).
   */
  setBack(at: number): number {
    if (!Number.isInteger(at) || at > this.now()) throw new RangeError('the clock is set back to a whole second not after now');
    this.offsetSeconds -= this.now() - at;
    return this.now();
  }
}
