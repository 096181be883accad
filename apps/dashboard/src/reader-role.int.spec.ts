import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, loadConfig } from '@plan-fabric/config';
import { createPool, migrate } from '@plan-fabric/db';
import { assertReadOnly, createReaderPool, dashboardSettings, readerDatabaseUrl, READER_ROLE, startDashboard } from './index';

const config = loadConfig();
const quiet = createLogger('reader-role-test', 'error');
let owner: Pool;
let reader: Pool;

beforeAll(async () => {
  owner = createPool(config, quiet, { maxConnections: 2 });
  await migrate(owner, quiet);
  // Exactly the pool the dashboard makes from its settings.
  reader = createReaderPool(config, dashboardSettings(config, {}, {}).readerDatabaseUrl, quiet);
});

afterAll(async () => {
  await reader?.end();
  await owner?.end();
});

/** The SQLSTATE a statement fails with, or 'ok'. */
async function sqlState(pool: Pool, ...statements: string[]): Promise<string> {
  const client = await pool.connect();
  try {
    for (const statement of statements) await client.query(statement);
    return 'ok';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
    client.release();
  }
}

describe('the read-only role of the dashboard', () => {
  it('is what the dashboard connects as, and it reads every projection table', async () => {
    expect(new URL(readerDatabaseUrl(config.databaseUrl)).username).toBe(READER_ROLE);
    const { rows } = await reader.query<{ role: string }>('SELECT current_user AS role');
    expect(rows[0]?.role).toBe(READER_ROLE);
    for (const table of ['endpoints', 'plans', 'enactor_progress', 'decisions', 'events', 'projector_offsets']) {
      expect(await sqlState(reader, `SELECT count(*) FROM fabric.${table}`)).toBe('ok');
    }
    expect(await assertReadOnly(reader)).toEqual({ role: READER_ROLE, canReadProjections: true });
  });

  it('cannot write: INSERT, UPDATE, DELETE, TRUNCATE and CREATE are refused for lack of privilege, even in a read-write transaction', async () => {
    const writes = [
      `INSERT INTO fabric.projector_offsets (topic, partition, next_offset) VALUES ('reader-test', 0, 0)`,
      `INSERT INTO fabric.decisions (endpoint_id, command_offset, seq, outcome) VALUES ('reader-test', 0, 1, 'accepted')`,
      `UPDATE fabric.endpoints SET last_event_seq = last_event_seq + 1`,
      `UPDATE fabric.plans SET status = 'deleted'`,
      `DELETE FROM fabric.events`,
      `TRUNCATE fabric.enactor_progress`,
      `CREATE TABLE fabric.reader_test (x int)`,
    ];
    for (const write of writes) {
      // By default its transactions are read-only (25006) …
      expect(await sqlState(reader, write), write).toBe('25006');
      // … and with that switched off it still lacks the privilege (42501).
      expect(await sqlState(reader, 'BEGIN READ WRITE', write), write).toBe('42501');
    }
    // Nothing outside schema fabric either (the DNS backend's tables).
    expect(await sqlState(reader, 'SELECT count(*) FROM dns.record_sets')).toBe('42501');
  });

  it('a dashboard given a role that can write refuses to start', async () => {
    await expect(assertReadOnly(owner)).rejects.toThrow(/superuser|may write/);
    const settings = dashboardSettings(config, { port: 0 }, { DASHBOARD_DATABASE_URL: config.databaseUrl });
    expect(settings.readerDatabaseUrl).toBe(config.databaseUrl);
    await expect(startDashboard(config, settings, quiet)).rejects.toThrow(/must connect as the read-only role fabric_reader/);
  });
});
