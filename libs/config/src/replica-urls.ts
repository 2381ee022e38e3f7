/** At most this many read replicas (each gets a pool of DATABASE_POOL_SIZE connections per process). */
export const MAX_REPLICAS = 16;

/** A database URL as messages show it: the password masked, never printed. */
export function maskDatabaseUrl(text: string): string {
  try {
    const url = new URL(text);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    // Not a URL: mask anything between "://user:" and "@" all the same.
    return text.replace(/(:\/\/[^/:@]*:)[^@/]*@/, '$1***@');
  }
}

/** The database a PostgreSQL URL names (pg's default: the user's name, else "postgres"). */
export function databaseNameOf(url: URL): string {
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  return name || decodeURIComponent(url.username) || 'postgres';
}

/**
 * DATABASE_REPLICA_URLS: comma-separated PostgreSQL URLs of streaming replicas of DATABASE_URL.
 * Throws an Error whose one-line message names the wrong entry (password masked) and says why.
 * A physical replica holds the primary's databases under the same names, so a replica URL naming
 * another database than DATABASE_URL's would read other data: refused here.
 */
export function parseReplicaUrls(text: string, primaryUrl: string): string[] {
  const items = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (items.length > MAX_REPLICAS) throw new Error(`lists ${items.length} replicas; at most ${MAX_REPLICAS}`);
  let primaryDatabase: string | null = null;
  try {
    primaryDatabase = databaseNameOf(new URL(primaryUrl));
  } catch {
    // DATABASE_URL's own check reports it.
  }
  const seen = new Set<string>();
  return items.map((item, i) => {
    const where = `entry ${i + 1} (${maskDatabaseUrl(item)})`;
    let url: URL;
    try {
      url = new URL(item);
    } catch {
      throw new Error(`${where} is not a URL`);
    }
    if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') throw new Error(`${where} must be a postgres:// URL`);
    if (!url.hostname) throw new Error(`${where} has no host`);
    if (url.port && !(Number(url.port) >= 1 && Number(url.port) <= 65535)) throw new Error(`${where} has a bad port`);
    const database = databaseNameOf(url);
    if (primaryDatabase !== null && database !== primaryDatabase) {
      throw new Error(`${where} names database "${database}", not "${primaryDatabase}" of DATABASE_URL (a streaming replica serves the primary's databases under the same names)`);
    }
    const key = `${url.hostname}:${url.port || 5432}`;
    if (seen.has(key)) throw new Error(`${where} lists ${key} a second time`);
    seen.add(key);
    return item;
  });
}
