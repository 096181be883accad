import { randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, loadConfig } from '@plan-fabric/config';
import { createPool, migrate, PROJECTOR_ROLE, projectorDatabaseUrl, READER_ROLE, redactedDatabaseUrl, roleDatabaseUrl } from './index';

/**
 * Postgres keeps each role to its part (migrations 003 and 004): the projector
 * writes the rows of schema fabric and nothing else; the reader (dashboard,
 * API) reads only. Each refusal comes from the real server.
 */
const logger = createLogger('roles-test', 'warn');
const config = loadConfig();
let owner: Pool;
let projector: Pool;
let reader: Pool;
const topic = `roles-test-${randomBytes(4).toString('hex')}.events.e`;

beforeAll(async () => {
  owner = createPool(config, logger, { maxConnections: 2 });
  await migrate(owner, logger);
  projector = createPool({ ...config, databaseUrl: projectorDatabaseUrl(config.databaseUrl, {}) }, logger, { maxConnections: 2 });
  reader = createPool({ ...config, databaseUrl: roleDatabaseUrl(config.databaseUrl, READER_ROLE) }, logger, { maxConnections: 2 });
});

afterAll(async () => {
  await owner?.query('DELETE FROM fabric.projector_offsets WHERE topic = $1', [topic]).catch(() => undefined);
  await Promise.all([owner?.end(), projector?.end(), reader?.end()]);
});

const refusal = (pool: Pool, sql: string) =>
  pool.query(sql).then(
    () => 'allowed',
    (error: Error) => error.message,
  );

describe('the projector role fabric_projector', () => {
  it('connects as itself and writes the rows of the projection tables', async () => {
    const { rows } = await projector.query<{ role: string; superuser: boolean }>(
      'SELECT current_user AS role, (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) AS superuser',
    );
    expect(rows[0]).toEqual({ role: PROJECTOR_ROLE, superuser: false });
    await projector.query('INSERT INTO fabric.projector_offsets (topic, partition, next_offset) VALUES ($1, 0, 0)', [topic]);
    await projector.query('UPDATE fabric.projector_offsets SET next_offset = 7 WHERE topic = $1', [topic]);
    const { rows: offsets } = await projector.query<{ next_offset: string }>('SELECT next_offset FROM fabric.projector_offsets WHERE topic = $1 FOR UPDATE', [topic]);
    expect(Number(offsets[0]?.next_offset)).toBe(7);
  });

  it('may not delete or truncate projection rows', async () => {
    expect(await refusal(projector, `DELETE FROM fabric.events WHERE false`)).toBe('permission denied for table events');
    expect(await refusal(projector, 'TRUNCATE fabric.decisions')).toBe('permission denied for table decisions');
  });

  it('may not change the schema: DROP, ALTER, CREATE in fabric or public, CREATE SCHEMA', async () => {
    expect(await refusal(projector, 'DROP TABLE fabric.events')).toBe('must be owner of table events');
    expect(await refusal(projector, 'ALTER TABLE fabric.plans ADD COLUMN x int')).toBe('must be owner of table plans');
    expect(await refusal(projector, 'DROP SCHEMA fabric CASCADE')).toBe('must be owner of schema fabric');
    expect(await refusal(projector, 'CREATE TABLE fabric.intruder (x int)')).toBe('permission denied for schema fabric');
    expect(await refusal(projector, 'CREATE TABLE public.intruder (x int)')).toBe('permission denied for schema public');
    expect(await refusal(projector, 'CREATE SCHEMA intruder')).toMatch(/^permission denied for database /);
  });

  it('may not touch other schemas: the DNS backend, the migration record; nor grant its rights to others', async () => {
    expect(await refusal(projector, 'SELECT * FROM dns.record_sets LIMIT 1')).toBe('permission denied for schema dns');
    expect(await refusal(projector, "DELETE FROM public.plan_fabric_migrations WHERE version = 4")).toBe('permission denied for table plan_fabric_migrations');
    // Without GRANT OPTION a GRANT only warns ("no privileges were granted") and changes nothing.
    await projector.query(`GRANT INSERT ON fabric.events TO ${READER_ROLE}`);
    const { rows } = await owner.query<{ can: boolean }>(`SELECT has_table_privilege('${READER_ROLE}', 'fabric.events', 'INSERT') AS can`);
    expect(rows[0]?.can).toBe(false);
  });

  it('may not make itself more: no role attributes, no SET ROLE to the owner', async () => {
    expect(await refusal(projector, `ALTER ROLE ${PROJECTOR_ROLE} SUPERUSER`)).toMatch(/^permission denied to alter role|must be superuser/);
    expect(await refusal(projector, 'SET ROLE postgres')).toBe('permission denied to set role "postgres"');
  });
});

describe('the reader role fabric_reader (dashboard, API)', () => {
  it('reads the projection', async () => {
    const { rows } = await reader.query<{ n: string }>('SELECT count(*) AS n FROM fabric.endpoints');
    expect(Number(rows[0]?.n)).toBeGreaterThanOrEqual(0);
  });

  it('may not INSERT into a projection table: its transactions are read-only, and it has no write privilege under them', async () => {
    expect(await refusal(reader, "INSERT INTO fabric.projector_offsets (topic, partition, next_offset) VALUES ('x', 0, 0)")).toBe(
      'cannot execute INSERT in a read-only transaction',
    );
    const client = await reader.connect();
    try {
      await client.query('BEGIN READ WRITE');
      expect(await refusal(client as unknown as Pool, "INSERT INTO fabric.projector_offsets (topic, partition, next_offset) VALUES ('x', 0, 0)")).toBe(
        'permission denied for table projector_offsets',
      );
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });
});

describe('connection strings', () => {
  it('role URLs keep server and database and drop the password; a redacted URL shows none', () => {
    const url = 'postgres://owner:s3cret@db.example:5433/fabric?sslmode=require';
    expect(roleDatabaseUrl(url, PROJECTOR_ROLE)).toBe('postgres://fabric_projector@db.example:5433/fabric?sslmode=require');
    expect(projectorDatabaseUrl(url, { PROJECTOR_DATABASE_URL: 'postgres://p:x@h/d' })).toBe('postgres://p:x@h/d');
    expect(redactedDatabaseUrl(url)).toBe('postgres://owner:***@db.example:5433/fabric?sslmode=require');
    expect(redactedDatabaseUrl('postgres://h/d?password=abc')).not.toContain('abc');
  });
});
