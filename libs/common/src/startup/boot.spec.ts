import { jest } from '@jest/globals';
import { runMain } from './boot.js';
import { DependencyMisconfiguredError, DependencyUnreachableError } from './wait-for.js';

class FakeConfigError extends Error {}

describe('runMain', () => {
  it('prints one clear line and exits 1 for a configuration error, with no stack trace', async () => {
    const exit = jest.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    const write = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      runMain(async () => {
        throw new FakeConfigError('Configuration error: API_PORT must be an integer number (got "x")');
      }, (e) => e instanceof FakeConfigError);
      await new Promise((resolve) => setImmediate(resolve));
      expect(write).toHaveBeenCalledWith('Configuration error: API_PORT must be an integer number (got "x")\n');
      expect(exit).toHaveBeenCalledWith(1);
    } finally {
      exit.mockRestore();
      write.mockRestore();
    }
  });
});

describe('runMain with a dependency that stayed down', () => {
  it('prints the one line of a DependencyUnreachableError and exits 1', async () => {
    const exit = jest.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    const write = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      runMain(async () => {
        throw new DependencyUnreachableError('PostgreSQL at db:5432 is still unreachable after 60.0s and 9 attempts (ECONNREFUSED); giving up');
      }, () => false);
      await new Promise((resolve) => setImmediate(resolve));
      expect(write).toHaveBeenCalledWith('PostgreSQL at db:5432 is still unreachable after 60.0s and 9 attempts (ECONNREFUSED); giving up\n');
      expect(exit).toHaveBeenCalledWith(1);
    } finally {
      exit.mockRestore();
      write.mockRestore();
    }
  });
});

describe('runMain with a misconfigured dependency', () => {
  it('prints the one line of a DependencyMisconfiguredError and exits 1', async () => {
    const exit = jest.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    const write = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const line = 'Configuration error: REDIS_CLUSTER_NODES names 10.0.0.5:6379, which is not a Redis Cluster node (cluster support is disabled there)';
    try {
      runMain(async () => {
        throw new DependencyMisconfiguredError(line);
      }, () => false);
      await new Promise((resolve) => setImmediate(resolve));
      expect(write).toHaveBeenCalledWith(`${line}\n`);
      expect(exit).toHaveBeenCalledWith(1);
    } finally {
      exit.mockRestore();
      write.mockRestore();
    }
  });
});
