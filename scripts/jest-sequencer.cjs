/**
 * Longest test files first, so that the two workers finish together.
 *
 * Jest's own order uses the durations of the previous run, kept in its cache directory; CI starts from a
 * fresh clone with no cache, and Jest then falls back to file size, which put the scale tier (minutes,
 * one file) or a browser file (about a minute each) last: one worker then ran it alone while the other
 * had nothing left. Here a file without a recorded duration gets the typical duration of its tier
 * (a rough figure: only the order matters), larger files of a tier first; a recorded duration, when there
 * is one, wins. The heavy tiers (browser, scale, fuzz) are interleaved with the rest (below). Which
 * tests run is unchanged: only their order.
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

// Files that start Chromium or a cluster of processes: two at a time use the 2 cores; a third
// running beside them slowed the three down (six browser files: 69 s wall with 2 workers, 82 s
// with 3). The other files wait on PostgreSQL, Redis and HTTP for part of their time, which a
// third worker fills (20 e2e files: 142 s with 2 workers, 126 s with 3).
const HEAVY = /\.(scale|fuzz|browser)-spec\.ts$/;
// Of the queue's estimated time, the heavy files' share while both kinds are left: with 3 workers,
// about two of them on heavy files and one on the rest.
const HEAVY_SHARE = 2 / 3;

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
    const longestFirst = [...tests].sort((a, b) => estimates.get(b) - estimates.get(a));
    // Interleaved, each list longest first: the heavy files spread over the run instead of all
    // starting together, the longest of all still early.
    const heavy = longestFirst.filter((test) => HEAVY.test(test.path));
    const light = longestFirst.filter((test) => !HEAVY.test(test.path));
    const order = [];
    let heavyTime = 0;
    let lightTime = 0;
    while (heavy.length > 0 || light.length > 0) {
      const takeHeavy = heavy.length > 0 && (light.length === 0 || heavyTime * (1 - HEAVY_SHARE) <= lightTime * HEAVY_SHARE);
      const test = takeHeavy ? heavy.shift() : light.shift();
      if (takeHeavy) heavyTime += estimates.get(test);
      else lightTime += estimates.get(test);
      order.push(test);
    }
    return order;
  }
}

module.exports = LongestFirstSequencer;
