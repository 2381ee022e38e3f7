import { ConfigError, loadConfig } from './app-config.js';

describe('DATABASE_REPLICA_URLS', () => {
  const refusal = (env: Record<string, string>): string => {
    try {
      loadConfig(env);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as Error).message;
    }
    throw new Error('loadConfig accepted it');
  };

  it('is empty by default, and takes comma-separated URLs of the primary\'s database with the lag limit', () => {
    const plain = loadConfig({});
    expect([plain.DATABASE_REPLICA_URLS, plain.REPLICA_MAX_LAG_MS, plain.REPLICA_CHECK_INTERVAL_MS]).toEqual([[], 5000, 1000]);
    const config = loadConfig({
      DATABASE_URL: 'postgres://app:secret@db-primary:5432/ataa',
      DATABASE_REPLICA_URLS: ' postgres://app:secret@db-replica-1:5432/ataa , postgresql://app:secret@db-replica-2/ataa',
      REPLICA_MAX_LAG_MS: '2500',
    });
    expect(config.DATABASE_REPLICA_URLS).toEqual(['postgres://app:secret@db-replica-1:5432/ataa', 'postgresql://app:secret@db-replica-2/ataa']);
    expect(config.REPLICA_MAX_LAG_MS).toBe(2500);
  });

  it('stops the boot with one line naming the wrong entry, its password masked', () => {
    const primary = { DATABASE_URL: 'postgres://app:secret@db-primary:5432/ataa' };
    const cases: [string, string][] = [
      ['postgres://app:secret@db-replica-1/ataa,mysql://app:secret@db-replica-2/ataa', 'entry 2 (mysql://app:***@db-replica-2/ataa) must be a postgres:// URL'],
      ['postgres://app:secret@db-replica-1/ataa,not a url', 'entry 2 (not a url) is not a URL'],
      ['postgres://app:secret@db-replica-1/other', 'entry 1 (postgres://app:***@db-replica-1/other) names database "other", not "ataa" of DATABASE_URL'],
      ['postgres://app:secret@db-replica-1/ataa,postgres://app:secret@db-replica-1:5432/ataa', 'entry 2 (postgres://app:***@db-replica-1:5432/ataa) lists db-replica-1:5432 a second time'],
    ];
    for (const [value, reason] of cases) {
      const message = refusal({ ...primary, DATABASE_REPLICA_URLS: value });
      expect(message).toContain(`Configuration error: DATABASE_REPLICA_URLS ${reason}`);
      expect(message).not.toContain('secret');
      expect(message).not.toContain('\n');
    }
    expect(refusal({ REPLICA_MAX_LAG_MS: '10' })).toBe('Configuration error: REPLICA_MAX_LAG_MS must not be less than 100 (got "10")');
  });
});
