/**
 * Which Redis the platform talks to: one server (REDIS_URL), a Redis Cluster (REDIS_CLUSTER_NODES,
 * or a `redis+cluster://` REDIS_URL) or a master watched by Redis Sentinel (REDIS_SENTINELS with
 * REDIS_SENTINEL_NAME, or a `redis+sentinel://` REDIS_URL). Pure: parsed once at boot by loadConfig,
 * which turns a thrown Error into one configuration line; @ataa/queue builds the clients from it.
 * See docs/redis-cluster.md.
 */

export interface RedisNodeAddress {
  host: string;
  port: number;
}

/** Credentials and TLS of the data nodes (every cluster node, or the master a sentinel names). */
export interface RedisAuth {
  username?: string;
  password?: string;
  tls: boolean;
}

export type RedisTopology =
  | { kind: 'standalone'; url: string }
  | { kind: 'cluster'; nodes: RedisNodeAddress[]; auth: RedisAuth; source: 'REDIS_URL' | 'REDIS_CLUSTER_NODES' }
  | {
      kind: 'sentinel';
      sentinels: RedisNodeAddress[];
      /** The master's name as the sentinels know it. */
      name: string;
      db?: number;
      auth: RedisAuth;
      /** The sentinels' own password, when they have one. */
      sentinelPassword?: string;
      source: 'REDIS_URL' | 'REDIS_SENTINELS';
    };

/** The settings the topology is read from (AppConfig's fields of the same names). */
export interface RedisSettings {
  REDIS_URL: string;
  REDIS_CLUSTER_NODES?: string[];
  REDIS_SENTINELS?: string[];
  REDIS_SENTINEL_NAME?: string;
}

const DEFAULT_PORT = { data: 6379, sentinel: 26379 } as const;
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const MASTER_NAME = /^[A-Za-z0-9._-]{1,128}$/;
const MULTI_HOST_URL = /^(rediss?)\+(cluster|sentinel):\/\/(?:([^@/?#]*)@)?([^/?#]*)(\/[^?#]*)?(?:\?([^#]*))?$/;

/** Reads the topology, or throws an Error whose message (one line) names the variable at fault. */
export function parseRedisTopology(settings: RedisSettings): RedisTopology {
  const clusterNodes = settings.REDIS_CLUSTER_NODES ?? [];
  const sentinels = settings.REDIS_SENTINELS ?? [];
  const url = settings.REDIS_URL.trim();
  if (clusterNodes.length > 0 && sentinels.length > 0) {
    throw new Error('REDIS_CLUSTER_NODES and REDIS_SENTINELS are both set; a deployment uses a Redis Cluster or Sentinel, not both');
  }
  if (sentinels.length === 0 && settings.REDIS_SENTINEL_NAME !== undefined) {
    throw new Error('REDIS_SENTINEL_NAME is set without REDIS_SENTINELS (the sentinels to ask for that master)');
  }
  const multiHost = /^rediss?\+/i.test(url);
  if (multiHost) {
    if (clusterNodes.length > 0 || sentinels.length > 0) {
      const other = clusterNodes.length > 0 ? 'REDIS_CLUSTER_NODES' : 'REDIS_SENTINELS';
      throw new Error(`REDIS_URL ${redactRedisUrl(url)} and ${other} both name the Redis servers; set one of them`);
    }
    return parseMultiHostUrl(url);
  }
  const single = parseSingleUrl(url);
  if (clusterNodes.length > 0) {
    if (single.db !== undefined && single.db !== 0) throw new Error(`REDIS_URL names database ${single.db}, but a Redis Cluster (REDIS_CLUSTER_NODES) has only database 0`);
    return { kind: 'cluster', nodes: clusterNodes.map((entry, i) => parseAddress(entry, 'data', `REDIS_CLUSTER_NODES entry ${i + 1}`)), auth: single.auth, source: 'REDIS_CLUSTER_NODES' };
  }
  if (sentinels.length > 0) {
    const name = settings.REDIS_SENTINEL_NAME;
    if (name === undefined) throw new Error('REDIS_SENTINELS is set without REDIS_SENTINEL_NAME (the name of the master the sentinels watch)');
    if (!MASTER_NAME.test(name)) throw new Error(`REDIS_SENTINEL_NAME must be a master name of letters, digits, ".", "_" or "-" (got ${JSON.stringify(name)})`);
    return {
      kind: 'sentinel',
      sentinels: sentinels.map((entry, i) => parseAddress(entry, 'sentinel', `REDIS_SENTINELS entry ${i + 1}`)),
      name,
      db: single.db,
      auth: single.auth,
      source: 'REDIS_SENTINELS',
    };
  }
  return { kind: 'standalone', url };
}

/** Where the topology points, for log lines and errors: never a password. */
export function describeRedisTopology(topology: RedisTopology): string {
  switch (topology.kind) {
    case 'standalone':
      return redactRedisUrl(topology.url);
    case 'cluster':
      return `Redis Cluster at ${topology.nodes.map(formatAddress).join(',')} (${topology.source})`;
    case 'sentinel':
      return `Redis master "${topology.name}" via the sentinels at ${topology.sentinels.map(formatAddress).join(',')} (${topology.source})`;
  }
}

/** A Redis URL with its password replaced by `***`, for messages. */
export function redactRedisUrl(url: string): string {
  return url.replace(/^([a-z+]+:\/\/[^:@/]*:)[^@/]*@/i, '$1***@');
}

export function formatAddress(address: RedisNodeAddress): string {
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}

function parseSingleUrl(url: string): { auth: RedisAuth; db?: number } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`REDIS_URL must be a redis://, rediss://, redis+cluster:// or redis+sentinel:// URL (got ${JSON.stringify(redactRedisUrl(url))})`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new Error(`REDIS_URL must be a redis://, rediss://, redis+cluster:// or redis+sentinel:// URL (got ${JSON.stringify(redactRedisUrl(url))})`);
  }
  if (!parsed.hostname) throw new Error(`REDIS_URL names no host (got ${JSON.stringify(redactRedisUrl(url))})`);
  const path = parsed.pathname.replace(/^\//, '');
  if (path !== '' && !/^\d{1,2}$/.test(path)) throw new Error(`REDIS_URL's path must be a database number (got ${JSON.stringify(redactRedisUrl(url))})`);
  return {
    auth: { username: parsed.username ? decodeURIComponent(parsed.username) : undefined, password: parsed.password ? decodeURIComponent(parsed.password) : undefined, tls: parsed.protocol === 'rediss:' },
    db: path === '' ? undefined : Number(path),
  };
}

function parseMultiHostUrl(url: string): RedisTopology {
  const shown = JSON.stringify(redactRedisUrl(url));
  const match = MULTI_HOST_URL.exec(url);
  if (!match) throw new Error(`REDIS_URL must be redis+cluster://host:port,host:port or redis+sentinel://host:port,host:port/<master name> (got ${shown})`);
  const [, scheme, kind, userinfo, hostList, rawPath = '', rawQuery = ''] = match;
  const auth = parseUserinfo(userinfo, scheme === 'rediss');
  const entries = hostList.split(',').map((s) => s.trim());
  if (hostList.trim() === '' || entries.some((entry) => entry === '')) throw new Error(`REDIS_URL must list host:port pairs separated by commas after ${scheme}+${kind}:// (got ${shown})`);
  const query = new URLSearchParams(rawQuery);
  const path = rawPath.replace(/^\//, '').replace(/\/$/, '');
  if (kind === 'cluster') {
    const unknown = [...query.keys()];
    if (unknown.length > 0) throw new Error(`REDIS_URL: a redis+cluster:// URL takes no parameters (got ?${unknown[0]}=…)`);
    if (path !== '' && path !== '0') throw new Error(`REDIS_URL names database ${JSON.stringify(path)}, but a Redis Cluster has only database 0 (got ${shown})`);
    return { kind: 'cluster', nodes: entries.map((entry, i) => parseAddress(entry, 'data', `REDIS_URL host ${i + 1}`)), auth, source: 'REDIS_URL' };
  }
  const unknown = [...query.keys()].find((key) => key !== 'sentinelPassword');
  if (unknown !== undefined) throw new Error(`REDIS_URL: a redis+sentinel:// URL takes only ?sentinelPassword= (got ?${unknown}=…)`);
  const [name, db, ...rest] = path === '' ? [] : path.split('/');
  if (name === undefined || !MASTER_NAME.test(decodeURIComponent(name))) {
    throw new Error(`REDIS_URL must name the master after the sentinels: redis+sentinel://host:port,host:port/<master name>[/<db>] (got ${shown})`);
  }
  if (rest.length > 0 || (db !== undefined && !/^\d{1,2}$/.test(db))) throw new Error(`REDIS_URL: after the master name only a database number may follow (got ${shown})`);
  return {
    kind: 'sentinel',
    sentinels: entries.map((entry, i) => parseAddress(entry, 'sentinel', `REDIS_URL host ${i + 1}`)),
    name: decodeURIComponent(name),
    db: db === undefined ? undefined : Number(db),
    auth,
    sentinelPassword: query.get('sentinelPassword') ?? undefined,
    source: 'REDIS_URL',
  };
}

function parseUserinfo(userinfo: string | undefined, tls: boolean): RedisAuth {
  if (!userinfo) return { tls };
  const colon = userinfo.indexOf(':');
  const username = colon < 0 ? userinfo : userinfo.slice(0, colon);
  const password = colon < 0 ? undefined : userinfo.slice(colon + 1);
  try {
    return { username: username ? decodeURIComponent(username) : undefined, password: password ? decodeURIComponent(password) : undefined, tls };
  } catch {
    throw new Error('REDIS_URL: the user or password is not valid percent-encoding');
  }
}

function parseAddress(entry: string, role: keyof typeof DEFAULT_PORT, where: string): RedisNodeAddress {
  const text = entry.trim();
  const bracketed = /^\[([0-9A-Fa-f:.]+)\](?::(\d+))?$/.exec(text);
  const plain = /^([^:[\]]+)(?::(\d+))?$/.exec(text);
  const [host, port] = bracketed ? [bracketed[1], bracketed[2]] : plain ? [plain[1], plain[2]] : [undefined, undefined];
  if (host === undefined || (!bracketed && !HOST.test(host))) throw new Error(`${where} must be host:port (got ${JSON.stringify(text)})`);
  const number = port === undefined ? DEFAULT_PORT[role] : Number(port);
  if (!Number.isInteger(number) || number < 1 || number > 65535) throw new Error(`${where} has a port outside 1–65535 (got ${JSON.stringify(text)})`);
  return { host, port: number };
}
