import pg from 'pg';
import { ConfigError } from '@ataa/config';
import { describeDatabaseUrl } from '../probe.js';

/** What identifies a PostgreSQL cluster (its WAL): a streaming replica has its primary's. */
export const IDENTITY_SQL = `SELECT (SELECT system_identifier FROM pg_control_system())::text AS system_identifier, pg_is_in_recovery() AS in_recovery`;

export interface ReplicaIdentity {
  systemIdentifier: string;
  inRecovery: boolean;
}

/**
 * Why a server is not a replica of the primary whose system identifier is `primaryIdentifier`, or
 * null when it is one: it must be in recovery (a standby) and share the primary's system identifier
 * (pg_basebackup copies it; any other cluster, a primary of another database included, has its own).
 */
export function whyNotAReplica(found: ReplicaIdentity, primaryIdentifier: string): string | null {
  if (found.systemIdentifier !== primaryIdentifier) {
    return `is not a replica of DATABASE_URL: its system identifier is ${found.systemIdentifier}, the primary's ${primaryIdentifier} (another PostgreSQL cluster)`;
  }
  if (!found.inRecovery) return 'is not in recovery: it is a primary (promoted, or DATABASE_URL itself), not a read replica';
  return null;
}

/** Connection failures that a replica being down or starting explains (the process starts; the replica is used once it answers). */
const TRANSIENT = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', '57P03', '57P01', '08006', '08001']);

async function identityOf(url: string, timeoutMs: number): Promise<ReplicaIdentity> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs, application_name: 'ataa-replica-check' });
  try {
    await client.connect();
    const { rows } = await client.query(IDENTITY_SQL);
    return { systemIdentifier: rows[0].system_identifier, inRecovery: rows[0].in_recovery };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * The boot check of DATABASE_REPLICA_URLS (the API and the worker run it after the primary answers).
 * A replica that answers but is not a replica of DATABASE_URL (another cluster, not in recovery), or
 * whose database, user or password is wrong, or whose host does not exist, stops the process: a
 * ConfigError with one line naming it. One that does not answer (down, starting) is only reported
 * back: the process starts, and reads go to the primary until the replica answers and passes the
 * same identity check (ReadReplicas runs it on every health check).
 */
export async function verifyReadReplicas(primaryUrl: string, replicaUrls: readonly string[], timeoutMs = 3000): Promise<{ unreachable: string[] }> {
  if (replicaUrls.length === 0) return { unreachable: [] };
  const primary = await identityOf(primaryUrl, timeoutMs);
  const unreachable: string[] = [];
  for (const url of replicaUrls) {
    const name = describeDatabaseUrl(url);
    let found: ReplicaIdentity;
    try {
      found = await identityOf(url, timeoutMs);
    } catch (error) {
      const code = (error as { code?: string }).code;
      const message = (error as Error).message ?? String(error);
      if ((code !== undefined && TRANSIENT.has(code)) || /timeout|Connection terminated/i.test(message)) {
        unreachable.push(`${name} (${code ?? message})`);
        continue;
      }
      const reason = code === '3D000' ? 'its database does not exist'
        : code === '28P01' || code === '28000' ? 'refuses the credentials'
          : code === 'ENOTFOUND' ? 'has a host name that does not resolve'
            : `cannot be used (${code ?? message})`;
      throw new ConfigError(`Configuration error: DATABASE_REPLICA_URLS: ${name} ${reason}`);
    }
    const why = whyNotAReplica(found, primary.systemIdentifier);
    if (why !== null) throw new ConfigError(`Configuration error: DATABASE_REPLICA_URLS: ${name} ${why}`);
  }
  return { unreachable };
}
