import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, type Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, loadConfig } from '@plan-fabric/config';
import { createPool, migrate, readMigrations } from './index';

const logger = createLogger('migrate-test', 'warn');
const base = loadConfig();

/** A database of its own, so the test sees migrations apply from nothing. */
describe('migrate', () => {
  const database = `plan_fabric_test_${randomBytes(4).toString('hex')}`;
  const url = new URL(base.databaseUrl);
  url.pathname = `/${database}`;
  const config = { ...base, databaseUrl: url.toString() };
  const pools: Pool[] = [];
  const pool = () => {
    const created = createPool(config, logger, { maxConnections: 2 });
    pools.push(created);
    return created;
  };

  beforeAll(async () => {
    await admin((client) => client.query(`CREATE DATABASE ${database}`));
  });

  afterAll(async () => {
    await Promise.all(pools.map((p) => p.end()));
    await admin((client) => client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));
  });

  it('applies every migration once, in order, even when two processes start together; a second run does nothing', async () => {
    const files = readMigrations().map((migration) => migration.name);
    expect(files.length).toBeGreaterThanOrEqual(2);
    const [first, second] = await Promise.all([migrate(pool(), logger), migrate(pool(), logger)]);
    // The advisory lock serialises them: one applies everything, the other finds it done.
    expect([...(first ?? []), ...(second ?? [])]).toEqual(files);
    expect(await migrate(pool(), logger)).toEqual([]);
    expect(await migrate(pool(), logger)).toEqual([]);
    const { rows } = await pool().query<{ version: number; name: string }>(
      'SELECT version, name FROM public.plan_fabric_migrations ORDER BY version',
    );
    expect(rows.map((row) => row.name)).toEqual(files);
    const tables = await pool().query<{ name: string }>(
      `SELECT table_schema || '.' || table_name AS name FROM information_schema.tables
       WHERE table_schema IN ('fabric', 'dns') ORDER BY 1`,
    );
    expect(tables.rows.map((row) => row.name).sort()).toEqual([
      'dns.record_sets',
      'dns.write_log',
      'fabric.decisions',
      'fabric.enactor_progress',
      'fabric.endpoints',
      'fabric.events',
      'fabric.plans',
      'fabric.projector_offsets',
    ]);
  });

  it('refuses an applied migration whose text changed, and rolls back a failing one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'migrations-'));
    for (const migration of readMigrations()) writeFileSync(join(dir, migration.name), migration.sql);
    writeFileSync(join(dir, '001_projections.sql'), '-- edited\n' + readMigrations()[0]?.sql);
    await expect(migrate(pool(), logger, dir)).rejects.toThrow(/001_projections.sql.*different content.*add a new NNN_\*\.sql/);

    const bad = mkdtempSync(join(tmpdir(), 'migrations-'));
    for (const migration of readMigrations()) writeFileSync(join(bad, migration.name), migration.sql);
    writeFileSync(join(bad, '900_broken.sql'), 'CREATE TABLE fabric.half_done (x int);\nSELECT no_such_function();');
    await expect(migrate(pool(), logger, bad)).rejects.toThrow(/900_broken.sql failed and was rolled back/);
    const left = await pool().query(`SELECT to_regclass('fabric.half_done') AS t`);
    expect(left.rows[0].t).toBeNull();
    // The lock was released: a normal run still works.
    expect(await migrate(pool(), logger)).toEqual([]);
  });
});

async function admin<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: base.databaseUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
