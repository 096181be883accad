import type { Pool } from 'pg';
import type { FabricConfig, Logger } from '@plan-fabric/config';
import { createPool } from '@plan-fabric/db';
import { READER_ROLE } from './dashboard-settings';

/** What the dashboard's connection may do, as Postgres says. */
export interface ReaderRole {
  readonly role: string;
  readonly canReadProjections: boolean;
}

/** A pool that connects as the reader role; nothing else (no migration, no write) goes through it. */
export function createReaderPool(config: FabricConfig, readerDatabaseUrl: string, logger: Logger): Pool {
  return createPool({ ...config, databaseUrl: readerDatabaseUrl }, logger, {
    maxConnections: 5,
    statementTimeoutMs: 10_000,
    applicationName: 'plan-fabric-dashboard',
  });
}

/**
 * Refuses a connection that could change anything in schema fabric: a
 * superuser, or a role with INSERT, UPDATE, DELETE or TRUNCATE on any of its
 * tables or CREATE on the schema. The dashboard must never be able to write
 * the projection it shows, whatever URL it was given.
 */
export async function assertReadOnly(pool: Pool): Promise<ReaderRole> {
  type Row = { role: string; superuser: boolean; writable: string[] | null; can_create: boolean; can_read: boolean };
  let row: Row | undefined;
  try {
    ({ rows: [row] } = await pool.query<Row>(
      `SELECT current_user AS role,
              (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) AS superuser,
              (SELECT array_agg(c.relname::text ORDER BY c.relname) FROM pg_catalog.pg_class c
                 JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = 'fabric' AND c.relkind IN ('r', 'p')
                  AND has_table_privilege(c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE')) AS writable,
              has_schema_privilege('fabric', 'CREATE') AS can_create,
              has_table_privilege('fabric.endpoints', 'SELECT') AS can_read`,
    ));
  } catch (error) {
    const message = (error as Error).message;
    const hint = /role .* does not exist|schema "fabric" does not exist|relation .* does not exist/.test(message)
      ? `the projection or the ${READER_ROLE} role is not there yet: start the projector once (\`npm run fabric -- services\`), it migrates the database`
      : 'is Postgres up? (`npm run fabric -- stack status`)';
    throw new Error(`the dashboard cannot check its database role: ${message} — ${hint}`);
  }
  if (row === undefined) throw new Error('the role check returned no row');
  const writable = row.writable ?? [];
  if (row.superuser || writable.length > 0 || row.can_create) {
    const what = row.superuser ? 'is a superuser' : writable.length > 0 ? `may write fabric.${writable.join(', fabric.')}` : 'may create tables in schema fabric';
    throw new Error(
      `the dashboard connects as '${row.role}', which ${what}; it must connect as the read-only role ${READER_ROLE} ` +
        '(leave DASHBOARD_DATABASE_URL unset to derive it from DATABASE_URL, or point it at a role with SELECT only)',
    );
  }
  if (!row.can_read) {
    throw new Error(`the dashboard connects as '${row.role}', which may not read fabric.endpoints; grant it SELECT (migration 003 does, for ${READER_ROLE})`);
  }
  return { role: row.role, canReadProjections: row.can_read };
}
