import pg from 'pg';

/** Connects once and runs `select 1`; throws with a short reason when PostgreSQL is unreachable. */
export async function probePostgres(url: string, timeoutMs = 2000): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  try {
    await client.connect();
    await client.query('select 1');
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new Error(code === '3D000' ? `database does not exist (create it, or run npm start): ${code}` : code ?? (error as Error).message);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** host:port of a database URL, for messages that must not print credentials. */
export function describeDatabaseUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}`;
}
