/**
 * Test tiers (see README): unit (*.spec.ts, no I/O), integration (*.medium-spec.ts, real PostgreSQL
 * and Redis), e2e (*.e2e-spec.ts, apps in-process over HTTP), browser (*.browser-spec.ts, Chromium),
 * fuzz (*.fuzz-spec.ts, requests generated from the OpenAPI document against the real API), scale
 * (*.scale-spec.ts, the platform scaled out on loopback with failover drills, test/scale).
 * NestJS 12 ships as ES modules, so the tests run as ES modules too (node --experimental-vm-modules).
 */
const { pathsToModuleNameMapper } = require('ts-jest');
const { compilerOptions } = require('./tsconfig.json');

const base = {
  rootDir: __dirname,
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json', useESM: true, diagnostics: false }],
    // CommonJS packages that require() an ES-module-only dependency: Node 20 does that natively,
    // Jest's module loader on Node 20 cannot, so these few dependencies are compiled to CommonJS.
    '^.+/node_modules/.+\\.js$': ['ts-jest', { tsconfig: { allowJs: true, module: 'commonjs', target: 'ES2022', esModuleInterop: true }, useESM: true, diagnostics: false }],
  },
  transformIgnorePatterns: ['/node_modules/(?!(content-disposition|cookie)/)'],
  moduleNameMapper: {
    ...pathsToModuleNameMapper(compilerOptions.paths, { prefix: '<rootDir>/' }),
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
};

// Each test file clones its own database from a migrated template (see libs/testing).
const withServices = base;

module.exports = {
  // Three workers on CI's 2 cores: files that wait on PostgreSQL, Redis and HTTP leave a core idle
  // with two (scripts/jest-sequencer.cjs interleaves the CPU-heavy browser and scale files).
  maxWorkers: 3,
  // ES-module test files (vm modules) leave memory behind in a worker; over 200 files one worker ran out
  // of heap ("Jest worker ran out of memory and crashed"). A worker above this after a file is replaced.
  workerIdleMemoryLimit: '1536MB',
  // A global option (Jest ignores it inside projects): hooks that start apps, databases and browsers
  // must not fail at Jest's 5 s default on a busy 2-core machine. Tests never assert timings.
  testTimeout: 60000,
  // Longest files first (scale, fuzz, browser, ...) even on a fresh clone, where Jest has no durations.
  testSequencer: require.resolve('./scripts/jest-sequencer.cjs'),
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,test}/**/*.spec.ts'] },
    { ...withServices, displayName: 'integration', testMatch: ['<rootDir>/{apps,libs,test}/**/*.medium-spec.ts'], testTimeout: 30000 },
    { ...withServices, displayName: 'e2e', testMatch: ['<rootDir>/{apps,libs,test}/**/*.e2e-spec.ts'], testTimeout: 60000 },
    { ...withServices, displayName: 'browser', testMatch: ['<rootDir>/{apps,libs,test}/**/*.browser-spec.ts'], testTimeout: 90000 },
    { ...withServices, displayName: 'fuzz', testMatch: ['<rootDir>/{apps,libs,test}/**/*.fuzz-spec.ts'] },
    // Scale-out (issue 23): its own PostgreSQL, Redis, HAProxy, two APIs and two workers from dist/ (test/scale).
    // `npm test` runs it bounded (SCALE_GIFTS unset: 200 gifts); `npm run test:scale` with 2,000.
    { ...withServices, displayName: 'scale', testMatch: ['<rootDir>/{apps,libs,test}/**/*.scale-spec.ts'], testTimeout: 1_200_000 },
  ],
};
