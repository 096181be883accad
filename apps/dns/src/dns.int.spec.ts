import { execFile, spawnSync } from 'node:child_process';
import { Resolver } from 'node:dns/promises';
import { promisify } from 'node:util';
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureNaiveSchema, NaiveStore, PgDnsBackend } from '@plan-fabric/actors';
import { createLogger, loadConfig } from '@plan-fabric/config';
import { createPool, migrate, uniqueEndpointId } from '@plan-fabric/db';
import { startDnsFace } from './index';

const config = loadConfig();
const logger = createLogger('dns-test', 'error');
const run = promisify(execFile);
const digAvailable = spawnSync('dig', ['-v'], { stdio: 'ignore' }).status === 0;

let pool: Pool;
const registeredIds: string[] = [];

beforeAll(async () => {
  pool = createPool(config, logger, { maxConnections: 3 });
  await migrate(pool, logger);
  await ensureNaiveSchema(pool);
});
afterAll(async () => {
  // The rows this test put in the projection by hand (it has no sequencer): take them out again.
  if (registeredIds.length > 0) await pool?.query('DELETE FROM fabric.endpoints WHERE endpoint_id = ANY($1)', [registeredIds]);
  await pool?.end();
});

function resolverFor(port: number): Resolver {
  const resolver = new Resolver({ timeout: 2_000, tries: 2 });
  resolver.setServers([`127.0.0.1:${port}`]);
  return resolver;
}

/** A registered endpoint as the projector would show it (no plan live yet). */
async function registerInProjection(endpointId: string): Promise<void> {
  registeredIds.push(endpointId);
  await pool.query(
    `INSERT INTO fabric.endpoints (endpoint_id, enactors, quorum, min_valid_plans, max_capacity_drop_percent, registered, last_event_seq)
     VALUES ($1, '["az1"]', 1, 1, 50, true, 1)`,
    [endpointId],
  );
}

describe('the DNS face on Postgres', () => {
  it('answers A and AAAA from dns.record_sets with the plan TTL, follows each new write at once, and knows registered endpoints', async () => {
    const live = uniqueEndpointId('dns');
    const registered = uniqueEndpointId('dnsreg');
    const unknown = uniqueEndpointId('dnsnx');
    const backend = new PgDnsBackend(pool);
    await backend.write(live, { activation: 1, generation: 1, records: [{ address: '192.0.2.11', weight: 2 }, { address: '192.0.2.12', weight: 1 }, { address: '2001:db8::11', weight: 1 }], ttl: 42 }, 'az1');
    await registerInProjection(registered);

    const face = await startDnsFace(config, logger, { port: 0, backend: 'dns' });
    try {
      const resolver = resolverFor(face.address.udpPort);
      const fqdn = `${live}.fabric.internal`;
      expect(await resolver.resolve4(fqdn, { ttl: true })).toEqual([
        { address: '192.0.2.11', ttl: 42 },
        { address: '192.0.2.12', ttl: 42 },
      ]);
      expect(await resolver.resolve6(fqdn, { ttl: true })).toEqual([{ address: '2001:db8::11', ttl: 42 }]);
      // The bare endpoint id answers the same.
      expect(await resolver.resolve4(live)).toEqual(['192.0.2.11', '192.0.2.12']);

      // A new decision reaches the backend: the very next query sees it, with its TTL.
      await backend.write(live, { activation: 2, generation: 3, records: [{ address: '192.0.2.13', weight: 1 }], ttl: 7 }, 'az2');
      expect(await resolver.resolve4(fqdn, { ttl: true })).toEqual([{ address: '192.0.2.13', ttl: 7 }]);
      await expect(resolver.resolve6(fqdn)).rejects.toMatchObject({ code: 'ENODATA' });
      // A stale write is refused by the fence, so DNS does not move back either.
      await backend.write(live, { activation: 1, generation: 2, records: [{ address: '192.0.2.99', weight: 1 }], ttl: 42 }, 'az3');
      expect(await resolver.resolve4(fqdn)).toEqual(['192.0.2.13']);

      await expect(resolver.resolve4(`${registered}.fabric.internal`)).rejects.toMatchObject({ code: 'ENODATA' });
      await expect(resolver.resolve4(`${unknown}.fabric.internal`)).rejects.toMatchObject({ code: 'ENOTFOUND' });
      await expect(resolver.resolve4(`${live}.naive.internal`)).rejects.toMatchObject({ code: 'EREFUSED' });

      // dig is part of the test's tools (.ci/run installs it): a missing dig fails, never skips.
      expect(digAvailable, 'dig is missing: apt-get install bind9-dnsutils').toBe(true);
      {
        const port = String(face.address.udpPort);
        const short = await run('dig', ['@127.0.0.1', '-p', port, fqdn, 'A', '+short', '+norecurse']);
        expect(short.stdout.trim()).toBe('192.0.2.13');
        const full = await run('dig', ['@127.0.0.1', '-p', port, `${unknown}.fabric.internal`, 'A', '+norecurse']);
        expect(full.stdout).toContain('status: NXDOMAIN');
        expect(full.stdout).toMatch(/flags: qr aa;/);
        const tcp = await run('dig', ['@127.0.0.1', '-p', port, fqdn, 'A', '+tcp', '+noall', '+answer']);
        expect(tcp.stdout).toMatch(new RegExp(`^${fqdn}\\.\\s+7\\s+IN\\s+A\\s+192\\.0\\.2\\.13$`, 'm'));
      }
    } finally {
      await face.stop();
    }
  });

  it('serves the naive backend too: records while it has them, an empty answer once the clean-up emptied them', async () => {
    const endpointId = uniqueEndpointId('dnsnaive');
    const store = new NaiveStore(pool);
    const face = await startDnsFace(config, logger, { port: 0, backend: 'naive' });
    try {
      const resolver = resolverFor(face.address.udpPort);
      const fqdn = `${endpointId}.naive.internal`;
      await expect(resolver.resolve4(fqdn)).rejects.toMatchObject({ code: 'ENOTFOUND' });
      await store.proposePlan(endpointId, { generation: 1, records: [{ address: '192.0.2.21', weight: 1 }], ttl: 60 }, 'planner');
      // Known (it has a plan), nothing live yet.
      await expect(resolver.resolve4(fqdn)).rejects.toMatchObject({ code: 'ENODATA' });
      await pool.query(
        `INSERT INTO naive.record_sets (endpoint_id, activation, generation, records, ttl, written_by) VALUES ($1, 1, 1, $2::jsonb, 60, 'az1')`,
        [endpointId, JSON.stringify([{ address: '192.0.2.21', weight: 1 }])],
      );
      expect(await resolver.resolve4(fqdn, { ttl: true })).toEqual([{ address: '192.0.2.21', ttl: 60 }]);
      // What the incident's clean-up did: the live record set emptied.
      await pool.query(`UPDATE naive.record_sets SET records = '[]'::jsonb WHERE endpoint_id = $1`, [endpointId]);
      await expect(resolver.resolve4(fqdn)).rejects.toMatchObject({ code: 'ENODATA' });
    } finally {
      await face.stop();
    }
  });

  it('answers SERVFAIL, not silence and not a stale answer, while Postgres cannot be reached', async () => {
    const unreachable = { ...config, databaseUrl: 'postgres://postgres@127.0.0.1:1/postgres' };
    const face = await startDnsFace(unreachable, logger, { port: 0, backend: 'dns' });
    try {
      await expect(resolverFor(face.address.udpPort).resolve4(`${uniqueEndpointId('dnsdown')}.fabric.internal`)).rejects.toMatchObject({ code: 'ESERVFAIL' });
    } finally {
      await face.stop();
    }
  });
});
