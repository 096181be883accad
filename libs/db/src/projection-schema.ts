import type { Pool } from 'pg';

/** The schema the projector writes and dashboards read (created by migrations/001_projections.sql). */
export const PROJECTION_SCHEMA = 'fabric';

/** The projection's tables, in the order they are created. */
export const PROJECTION_TABLES = ['endpoints', 'plans', 'enactor_progress', 'decisions', 'events', 'projector_offsets'] as const;

/** Schema names end up in SQL text, never as parameters: only plain lower-case identifiers pass. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function assertSchemaName(schema: string): string {
  if (!SCHEMA_NAME.test(schema)) throw new Error(`'${schema}' is not a schema name this project uses (${SCHEMA_NAME})`);
  return schema;
}

/**
 * Creates `schema` with empty copies of the projection tables (columns,
 * defaults, checks, keys and indexes, as the live fabric tables have them
 * after every migration), for a rebuild that must not touch the live ones.
 * Fails if the schema exists: a rebuild starts from nothing.
 */
export async function createProjectionSchema(pool: Pool, schema: string): Promise<void> {
  assertSchemaName(schema);
  if (schema === PROJECTION_SCHEMA) throw new Error(`refusing to create the live projection schema '${schema}' here; migrations own it`);
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(`CREATE SCHEMA ${schema}`);
    for (const table of PROJECTION_TABLES) {
      await client.query(`CREATE TABLE ${schema}.${table} (LIKE ${PROJECTION_SCHEMA}.${table} INCLUDING ALL)`);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** Drops a schema made by createProjectionSchema, with its tables; never the live one. */
export async function dropProjectionSchema(pool: Pool, schema: string): Promise<void> {
  assertSchemaName(schema);
  if (schema === PROJECTION_SCHEMA) throw new Error(`refusing to drop the live projection schema '${schema}'`);
  await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
}
