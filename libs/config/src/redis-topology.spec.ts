import { ConfigError, loadConfig } from './app-config.js';
import { describeRedisTopology, parseRedisTopology, redactRedisUrl } from './redis-topology.js';

describe('parseRedisTopology: one server, a Redis Cluster or Sentinel', () => {
  it('keeps a redis:// or rediss:// URL as one server', () => {
    expect(parseRedisTopology({ REDIS_URL: 'redis://127.0.0.1:6379' })).toEqual({ kind: 'standalone', url: 'redis://127.0.0.1:6379' });
    expect(parseRedisTopology({ REDIS_URL: 'rediss://:secret@cache.example.org:6380/2' })).toEqual({ kind: 'standalone', url: 'rediss://:secret@cache.example.org:6380/2' });
  });

  it('reads a redis+cluster:// URL: seed nodes, credentials and TLS for every node', () => {
    expect(parseRedisTopology({ REDIS_URL: 'rediss+cluster://ataa:p%40ss@10.0.0.1:7000,10.0.0.2:7001,[::1]:7002,redis-3' })).toEqual({
      kind: 'cluster',
      nodes: [{ host: '10.0.0.1', port: 7000 }, { host: '10.0.0.2', port: 7001 }, { host: '::1', port: 7002 }, { host: 'redis-3', port: 6379 }],
      auth: { username: 'ataa', password: 'p@ss', tls: true },
      source: 'REDIS_URL',
    });
  });

  it('reads REDIS_CLUSTER_NODES, taking user, password and TLS from REDIS_URL', () => {
    expect(parseRedisTopology({ REDIS_URL: 'redis://:secret@ignored:6379', REDIS_CLUSTER_NODES: ['a:7000', 'b:7001'] })).toEqual({
      kind: 'cluster', nodes: [{ host: 'a', port: 7000 }, { host: 'b', port: 7001 }], auth: { username: undefined, password: 'secret', tls: false }, source: 'REDIS_CLUSTER_NODES',
    });
  });

  it('reads a redis+sentinel:// URL: sentinels (default port 26379), master name, database and the sentinels\' password', () => {
    expect(parseRedisTopology({ REDIS_URL: 'redis+sentinel://:master-pw@s1:26379,s2,s3:26380/ataa-main/3?sentinelPassword=s%20pw' })).toEqual({
      kind: 'sentinel',
      sentinels: [{ host: 's1', port: 26379 }, { host: 's2', port: 26379 }, { host: 's3', port: 26380 }],
      name: 'ataa-main',
      db: 3,
      auth: { username: undefined, password: 'master-pw', tls: false },
      sentinelPassword: 's pw',
      source: 'REDIS_URL',
    });
  });

  it('reads REDIS_SENTINELS with REDIS_SENTINEL_NAME', () => {
    expect(parseRedisTopology({ REDIS_URL: 'redis://127.0.0.1:6379/1', REDIS_SENTINELS: ['s1:26379', 's2'], REDIS_SENTINEL_NAME: 'mymaster' })).toMatchObject({
      kind: 'sentinel', sentinels: [{ host: 's1', port: 26379 }, { host: 's2', port: 26379 }], name: 'mymaster', db: 1, source: 'REDIS_SENTINELS',
    });
  });

  it.each([
    [{ REDIS_URL: 'redis+cluster://' }, 'REDIS_URL must list host:port pairs separated by commas after redis+cluster:// (got "redis+cluster://")'],
    [{ REDIS_URL: 'redis+cluster://a:7000,,b:7001' }, 'REDIS_URL must list host:port pairs separated by commas after redis+cluster:// (got "redis+cluster://a:7000,,b:7001")'],
    [{ REDIS_URL: 'redis+cluster://a:70000' }, 'REDIS_URL host 1 has a port outside 1–65535 (got "a:70000")'],
    [{ REDIS_URL: 'redis+cluster://a:7000,b_c:7001' }, 'REDIS_URL host 2 must be host:port (got "b_c:7001")'],
    [{ REDIS_URL: 'redis+cluster://a:7000/2' }, 'REDIS_URL names database "2", but a Redis Cluster has only database 0 (got "redis+cluster://a:7000/2")'],
    [{ REDIS_URL: 'redis+cluster://a:7000?readOnly=1' }, 'REDIS_URL: a redis+cluster:// URL takes no parameters (got ?readOnly=…)'],
    [{ REDIS_URL: 'redis+sentinel://s1:26379' }, 'REDIS_URL must name the master after the sentinels: redis+sentinel://host:port,host:port/<master name>[/<db>] (got "redis+sentinel://s1:26379")'],
    [{ REDIS_URL: 'redis+sentinel://s1/m/x' }, 'REDIS_URL: after the master name only a database number may follow (got "redis+sentinel://s1/m/x")'],
    [{ REDIS_URL: 'redis+shard://a:1' }, 'REDIS_URL must be redis+cluster://host:port,host:port or redis+sentinel://host:port,host:port/<master name> (got "redis+shard://a:1")'],
    [{ REDIS_URL: 'http://a:1' }, 'REDIS_URL must be a redis://, rediss://, redis+cluster:// or redis+sentinel:// URL (got "http://a:1")'],
    [{ REDIS_URL: 'redis://a:1', REDIS_CLUSTER_NODES: ['a:1'], REDIS_SENTINELS: ['s:1'], REDIS_SENTINEL_NAME: 'm' }, 'REDIS_CLUSTER_NODES and REDIS_SENTINELS are both set; a deployment uses a Redis Cluster or Sentinel, not both'],
    [{ REDIS_URL: 'redis+cluster://a:1', REDIS_CLUSTER_NODES: ['b:1'] }, 'REDIS_URL redis+cluster://a:1 and REDIS_CLUSTER_NODES both name the Redis servers; set one of them'],
    [{ REDIS_URL: 'redis://a:1/4', REDIS_CLUSTER_NODES: ['b:1'] }, 'REDIS_URL names database 4, but a Redis Cluster (REDIS_CLUSTER_NODES) has only database 0'],
    [{ REDIS_URL: 'redis://a:1', REDIS_CLUSTER_NODES: ['b:1', 'c'], }, null],
    [{ REDIS_URL: 'redis://a:1', REDIS_CLUSTER_NODES: ['b:port'] }, 'REDIS_CLUSTER_NODES entry 1 must be host:port (got "b:port")'],
    [{ REDIS_URL: 'redis://a:1', REDIS_SENTINELS: ['s:1'] }, 'REDIS_SENTINELS is set without REDIS_SENTINEL_NAME (the name of the master the sentinels watch)'],
    [{ REDIS_URL: 'redis://a:1', REDIS_SENTINEL_NAME: 'm' }, 'REDIS_SENTINEL_NAME is set without REDIS_SENTINELS (the sentinels to ask for that master)'],
    [{ REDIS_URL: 'redis://a:1', REDIS_SENTINELS: ['s:1'], REDIS_SENTINEL_NAME: 'my master' }, 'REDIS_SENTINEL_NAME must be a master name of letters, digits, ".", "_" or "-" (got "my master")'],
  ])('refuses %j with one line naming the setting', (settings, message) => {
    if (message === null) expect(() => parseRedisTopology(settings)).not.toThrow();
    else expect(() => parseRedisTopology(settings)).toThrow(message);
  });

  it('never shows a password in what it says', () => {
    expect(redactRedisUrl('rediss+cluster://user:s3cret@a:7000,b:7001')).toBe('rediss+cluster://user:***@a:7000,b:7001');
    expect(() => parseRedisTopology({ REDIS_URL: 'redis+cluster://:s3cret@a:7000/5' })).toThrow('(got "redis+cluster://:***@a:7000/5")');
    expect(describeRedisTopology(parseRedisTopology({ REDIS_URL: 'redis+cluster://:s3cret@a:7000,b:7001' }))).toBe('Redis Cluster at a:7000,b:7001 (REDIS_URL)');
    expect(describeRedisTopology(parseRedisTopology({ REDIS_URL: 'redis://:s3cret@a:6379', REDIS_SENTINELS: ['s1', 's2:26380'], REDIS_SENTINEL_NAME: 'main' })))
      .toBe('Redis master "main" via the sentinels at s1:26379,s2:26380 (REDIS_SENTINELS)');
  });
});

describe('loadConfig with a Redis Cluster or Sentinel', () => {
  it('takes the cluster and sentinel variables', () => {
    const config = loadConfig({ REDIS_CLUSTER_NODES: '10.0.0.1:7000, 10.0.0.2:7000' });
    expect(config.REDIS_CLUSTER_NODES).toEqual(['10.0.0.1:7000', '10.0.0.2:7000']);
    expect(loadConfig({ REDIS_URL: 'redis+sentinel://s1,s2/main' }).REDIS_URL).toBe('redis+sentinel://s1,s2/main');
    expect(loadConfig({ REDIS_SENTINELS: 's1,s2', REDIS_SENTINEL_NAME: 'main' })).toMatchObject({ REDIS_SENTINELS: ['s1', 's2'], REDIS_SENTINEL_NAME: 'main' });
  });

  it('stops on a misconfigured cluster or sentinel setting with one line naming it', () => {
    expect(() => loadConfig({ REDIS_URL: 'redis+cluster://10.0.0.1:7000,10.0.0.2:x' })).toThrow(ConfigError);
    expect(() => loadConfig({ REDIS_URL: 'redis+cluster://10.0.0.1:7000,10.0.0.2:x' })).toThrow('Configuration error: REDIS_URL host 2 must be host:port (got "10.0.0.2:x")');
    expect(() => loadConfig({ REDIS_SENTINELS: 's1' })).toThrow('Configuration error: REDIS_SENTINELS is set without REDIS_SENTINEL_NAME (the name of the master the sentinels watch)');
    expect(() => loadConfig({ REDIS_URL: 'memcached://a:1' })).toThrow('Configuration error: REDIS_URL must be a redis://, rediss://, redis+cluster:// or redis+sentinel:// URL (got "memcached://a:1")');
  });
});
