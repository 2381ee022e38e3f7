/**
 * Longest test files first, so that the two workers finish together.
 *
 * Jest's own order uses the durations of the previous run, kept in its cache directory; CI starts from a
 * fresh clone with no cache, and Jest then falls back to file size, which put the scale tier (minutes,
 * one file) or a browser file (about a minute each) last: one worker then ran it alone while the other
 * had nothing left. Here a file without a recorded duration gets the typical duration of its tier
 * (a rough figure: only the order matters), larger files of a tier first; a recorded duration, when there
 * is one, wins. Which tests run is unchanged: only their order.
 */
const Sequencer = require('@jest/test-sequencer').default;

// Typical seconds per file on CI's 2 cores, by tier (file name suffix).
const TIER_SECONDS = [
  [/\.scale-spec\.ts$/, 240],
  [/\.fuzz-spec\.ts$/, 120],
  [/\.browser-spec\.ts$/, 60],
  [/\.e2e-spec\.ts$/, 15],
  [/\.medium-spec\.ts$/, 8],
];

class LongestFirstSequencer extends Sequencer {
  sort(tests) {
    const estimate = (test) => {
      const known = this.time(test);
      if (known != null) return known;
      const tier = TIER_SECONDS.find(([pattern]) => pattern.test(test.path));
      // Within a tier, a larger file usually runs longer: up to one second more per 10 kB.
      const size = test.context.hasteFS.getSize(test.path) ?? 0;
      return (tier ? tier[1] : 1) * 1000 + size / 10;
    };
    for (const test of tests) test.duration = this.time(test);
    const estimates = new Map(tests.map((test) => [test, estimate(test)]));
    return [...tests].sort((a, b) => estimates.get(b) - estimates.get(a));
  }
}

module.exports = LongestFirstSequencer;
