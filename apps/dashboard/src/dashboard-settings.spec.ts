import { describe, expect, it } from 'vitest';
import { loadConfig } from '@plan-fabric/config';
import { dashboardSettings, readerDatabaseUrl } from './dashboard-settings';

describe('dashboard settings', () => {
  it('reads as fabric_reader on the same server and database as DATABASE_URL, without its password', () => {
    expect(readerDatabaseUrl('postgres://postgres:secret@db.example:5433/fabric?sslmode=require')).toBe(
      'postgres://fabric_reader@db.example:5433/fabric?sslmode=require',
    );
  });

  it('takes DASHBOARD_DATABASE_URL when set, and the caller’s overrides over everything', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres' });
    expect(dashboardSettings(config, {}, {}).readerDatabaseUrl).toBe('postgres://fabric_reader@127.0.0.1:5432/postgres');
    expect(dashboardSettings(config, {}, { DASHBOARD_DATABASE_URL: 'postgres://viewer:pw@h/d' }).readerDatabaseUrl).toBe('postgres://viewer:pw@h/d');
    expect(dashboardSettings(config, { port: 0, host: '::1' }, {})).toMatchObject({ port: 0, host: '::1', operatorId: 'dashboard' });
  });
});
