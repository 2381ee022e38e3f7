import type pg from 'pg';
import type { DataSource } from 'typeorm';

/**
 * A connection from TypeORM's own pool (the same `pg.Pool`, the same `DATABASE_POOL_SIZE`), for what
 * TypeORM cannot do, such as streaming `COPY … TO STDOUT` with pg-copy-streams. For repositories only.
 * The caller must release it: `release()` once idle again, `release(true)` to drop it instead (a COPY
 * left running, say: pg then destroys the socket, and the server ends the backend).
 */
export async function acquirePgClient(dataSource: DataSource): Promise<pg.PoolClient> {
  return pgPoolOf(dataSource).connect();
}

/**
 * TypeORM's own `pg.Pool` of a connected data source: plain SELECTs on hot public read paths go
 * straight to it (ReadReplicas.primary), without the query runner TypeORM makes, logs and releases per
 * query. For repositories and the read source only.
 */
export function pgPoolOf(dataSource: DataSource): pg.Pool {
  const pool = (dataSource.driver as unknown as { master?: pg.Pool }).master;
  if (!pool || typeof pool.connect !== 'function') throw new Error('a connected PostgreSQL data source is needed');
  return pool;
}
