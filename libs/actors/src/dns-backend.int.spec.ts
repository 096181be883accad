import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, loadConfig } from '@plan-fabric/config';
import { createPool, migrate } from '@plan-fabric/db';
import { PgDnsBackend, readWriteLog } from './dns-backend';
import { recordsForGeneration } from './plan-records';

const logger = createLogger('dns-backend-int', 'error');
let pool: Pool;
let backend: PgDnsBackend;

beforeAll(async () => {
  pool = createPool(loadConfig(), logger, { applicationName: 'dns-backend-int' });
  await migrate(pool, logger);
  backend = new PgDnsBackend(pool);
});
afterAll(async () => {
  await pool.end();
});

const endpoint = () => `t-dns-${randomUUID().slice(0, 8)}`;
const write = (activation: number, generation = activation) => ({ activation, generation, records: recordsForGeneration(generation), ttl: 60 });

describe('the fenced DNS backend (dns.record_sets)', () => {
  it('accepts a higher activation and refuses a lower one, keeping what it holds', async () => {
    const id = endpoint();
    expect(await backend.write(id, write(1), 'az1')).toEqual({ accepted: true, heldActivation: null });
    expect(await backend.write(id, write(3), 'az2')).toEqual({ accepted: true, heldActivation: 1 });
    expect(await backend.write(id, write(2), 'az3')).toEqual({ accepted: false, heldActivation: 3 });
    expect(await backend.read(id)).toMatchObject({ activation: 3, generation: 3, writtenBy: 'az2', records: recordsForGeneration(3) });
  });

  it('counts a repeated write of the same activation as accepted, without changing the row', async () => {
    const id = endpoint();
    await backend.write(id, write(5), 'az1');
    expect(await backend.write(id, write(5), 'az2')).toEqual({ accepted: true, heldActivation: 5 });
    expect(await backend.read(id)).toMatchObject({ activation: 5, writtenBy: 'az1' });
    // The same activation for another generation is not the same decision.
    expect(await backend.write(id, write(5, 6), 'az3')).toEqual({ accepted: false, heldActivation: 5 });
  });

  it('logs every attempt in dns.write_log with what the backend held when it arrived', async () => {
    const id = endpoint();
    await backend.write(id, write(1), 'az1');
    await backend.write(id, write(2), 'az2');
    await backend.write(id, write(1), 'az1');
    const log = await readWriteLog(pool, 'dns', id);
    expect(log.map(({ activation, accepted, heldActivation, writtenBy }) => ({ activation, accepted, heldActivation, writtenBy }))).toEqual([
      { activation: 1, accepted: true, heldActivation: null, writtenBy: 'az1' },
      { activation: 2, accepted: true, heldActivation: 1, writtenBy: 'az2' },
      { activation: 1, accepted: false, heldActivation: 2, writtenBy: 'az1' },
    ]);
  });

  it('under concurrent writers ends on the highest activation, and never accepts one below what it held', async () => {
    const id = endpoint();
    const activations = Array.from({ length: 40 }, (_, i) => i + 1).sort(() => Math.random() - 0.5);
    await Promise.all(activations.map((activation) => backend.write(id, write(activation), `w${activation}`)));
    expect(await backend.read(id)).toMatchObject({ activation: 40 });
    const log = await readWriteLog(pool, 'dns', id);
    expect(log).toHaveLength(40);
    let held = 0;
    for (const entry of log) {
      expect(entry.heldActivation ?? 0).toBe(held);
      expect(entry.accepted).toBe(entry.activation > held);
      if (entry.accepted) held = entry.activation;
    }
  });

  it('refuses to serve an empty record set', async () => {
    await expect(backend.write(endpoint(), { activation: 1, generation: 1, records: [], ttl: 60 }, 'az1')).rejects.toThrow(/empty record set/);
  });
});
