import { Pool, type PoolClient } from 'pg';
import type { FabricConfig, Logger } from '@plan-fabric/config';

export interface PoolOptions {
  /** Most connections the pool opens. */
  readonly maxConnections?: number;
  /** How long to wait for a connection (new or pooled) before failing. */
  readonly connectionTimeoutMs?: number;
  /** Server-side limit for one statement; the server cancels it, so nothing runs on after a timeout. */
  readonly statementTimeoutMs?: number;
  /** A transaction left idle this long is ended by the server (a stalled holder must not keep its locks). */
  readonly idleInTransactionTimeoutMs?: number;
  /** Idle pooled connections are closed after this long. */
  readonly idleTimeoutMs?: number;
  /** Shows in pg_stat_activity. */
  readonly applicationName?: string;
}

/**
 * A bounded pg Pool for config.databaseUrl. The 'error' listener matters: an
 * idle connection the server closes emits 'error' on the pool, and without a
 * listener Node would exit.
 */
export function createPool(config: FabricConfig, logger: Logger, options: PoolOptions = {}): Pool {
  const pool = new Pool({
    connectionString: config.databaseUrl,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 10_000,
    idleTimeoutMillis: options.idleTimeoutMs ?? 30_000,
    // Server-side timeouts (not pg's client-side query_timeout): a client-side timeout leaves the statement running.
    statement_timeout: options.statementTimeoutMs ?? 60_000,
    idle_in_transaction_session_timeout: options.idleInTransactionTimeoutMs ?? 120_000,
    application_name: options.applicationName ?? 'plan-fabric',
  });
  pool.on('error', (error) => {
    logger.error('an idle Postgres connection failed; the pool drops it and opens another when needed', { error });
  });
  return pool;
}

/**
 * Runs `fn` inside BEGIN/COMMIT on ONE checked-out client (pool.query could
 * use a different connection per statement), rolls back on any error, and
 * always releases the client — destroying it if the rollback failed too.
 */
export async function withTransaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  // A checked-out client has no 'error' listener of the pool's; a connection lost between
  // statements would otherwise crash the process. The failure surfaces on the next query.
  let lost: Error | undefined;
  const onError = (error: Error) => {
    lost = error;
  };
  client.on('error', onError);
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    try {
      await client.query('ROLLBACK');
    } catch (rollbackError) {
      broken = rollbackError as Error;
    }
    throw error;
  } finally {
    client.removeListener('error', onError);
    client.release(broken ?? lost);
  }
}
