import { createHash } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, loadConfig } from '@plan-fabric/config';
import { createPool, endpointView, exampleEventLog, migrate, uniqueEndpointId } from '@plan-fabric/db';
import { CommandPublisher, createKafka, topicNames } from '@plan-fabric/kafka';
import { eventually } from '@plan-fabric/testing';
import { SIM_AUTHORITY } from '@plan-fabric/domain';
import {
  AUDIT_LIMITS,
  auditEndpoints,
  auditPassed,
  auditStateAt,
  formatAuditDetails,
  formatAuditTable,
  readEndpointLogs,
  viewOf,
  type AuditContext,
  type EndpointAudit,
} from './index';
import { ChildServices } from './testing/child-services';
import { copyEndpointLogs } from './testing/copy-logs';
import { removeRecord, replaceIn, swapRecords } from './testing/tamper';

/**
 * The audit against real Kafka and Postgres. One endpoint's commands (the
 * example log: every kind of outcome) are decided by the real sequencer and
 * projected by the real projector, run as child processes; that endpoint
 * audits clean. Then COPIES of its logs, each tampered with in one way, are
 * written to topics under another prefix, and each copy's audit fails the
 * matching check at the right place. The projection tamper edits a row of
 * this test's own endpoint.
 */
const config = loadConfig();
const logger = createLogger('audit-test', 'warn');
const endpointId = uniqueEndpointId('audit');
const example = exampleEventLog(endpointId);
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
let kafka: Kafka;
let admin: Admin;
let pool: Pool;
let copies = 0;

const contextFor = (prefix: string): AuditContext => ({ kafka, admin, pool, prefix, names: topicNames(prefix), logger, authority: SIM_AUTHORITY });
const audit = async (prefix: string, projection: boolean, progress?: (line: string) => void): Promise<EndpointAudit> => {
  const { audits } = await auditEndpoints(contextFor(prefix), [endpointId], { projection, keepSchema: false, progress });
  return audits[0] as EndpointAudit;
};
/** A tampered copy of the endpoint's logs under a fresh prefix; returns that prefix. */
const tamperedCopy = async (tamper: Parameters<typeof copyEndpointLogs>[5]): Promise<string> => {
  const prefix = `${config.topicPrefix}-copy${++copies}`;
  await copyEndpointLogs(kafka, admin, config, endpointId, prefix, tamper);
  return prefix;
};

beforeAll(async () => {
  kafka = createKafka(config, 'audit-test', logger);
  admin = kafka.admin();
  await admin.connect();
  pool = createPool(config, logger, { maxConnections: 4 });
  await migrate(pool, logger);

  const publisher = new CommandPublisher(kafka, config);
  await publisher.connect();
  try {
    for (const record of example.commands) await publisher.publishRaw(endpointId, record.value as string);
  } finally {
    await publisher.disconnect();
  }
  const services = ChildServices.start({ FABRIC_ENDPOINTS: `^${endpointId}$`, LOG_LEVEL: 'warn', FABRIC_METRICS_PORT: '' });
  try {
    await eventually(async () => (await endpointView(pool, endpointId))?.lastEventSeq === example.events.length, 150_000, 'the services to decide and project every command').catch(
      (error: Error) => {
        throw new Error(`${error.message}\n${services.describe()}`);
      },
    );
  } finally {
    await services.stop();
  }
}, 240_000);

afterAll(async () => {
  await admin?.disconnect();
  await pool?.end();
});

describe('fabric audit on what the real sequencer and projector wrote', () => {
  it('a clean endpoint audits clean: replay byte for byte, chain, seq, projection rebuilt and equal', async () => {
    const progress: string[] = [];
    const result = await auditEndpoints(contextFor(config.topicPrefix), [endpointId], {
      projection: true,
      keepSchema: false,
      limits: { ...AUDIT_LIMITS, progressEvery: 5 },
      progress: (line) => progress.push(line),
    });
    const clean = result.audits[0] as EndpointAudit;
    expect(clean).toMatchObject({ commandRecords: 22, eventRecords: 22, sequencerOffset: 22 });
    expect(clean.replay).toMatchObject({ ok: true, decided: 22, pending: 0, decidedEnd: { offset: 22, from: 'sequencer offset' } });
    expect(clean.chain).toEqual({ ok: true, links: 22, firstBreak: null });
    expect(clean.sequence.ok).toBe(true);
    expect(clean.projection).toMatchObject({ ok: true, liveSeq: 22, comparedSeq: 22, difference: null, problem: null, note: null });
    expect(auditPassed(clean)).toBe(true);
    // The sequencer wrote exactly what the domain decides, hash chain included.
    const logs = await readEndpointLogs(contextFor(config.topicPrefix), endpointId, AUDIT_LIMITS, () => undefined);
    expect(logs.events.map((record) => record.value)).toEqual(example.records.map((record) => record.value));
    // Long runs show progress: reading, replaying, verifying and rebuilding.
    expect(progress).toEqual(
      expect.arrayContaining([
        `audit ${endpointId}: 5/22 command records replayed`,
        `audit ${endpointId}: 20/22 chain links verified`,
        `audit ${endpointId}: 10/22 events rebuilt into ${result.schema}`,
      ]),
    );
    // The rebuild schema is dropped afterwards.
    const { rows } = await pool.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [result.schema]);
    expect(rows).toHaveLength(0);
  });

  it('the state as of any event seq', async () => {
    const at = await auditStateAt(contextFor(config.topicPrefix), endpointId, 11, AUDIT_LIMITS, () => undefined);
    expect(at.event).toMatchObject({ seq: 11, type: 'PlanDeleted', data: { generation: 1 } });
    expect(viewOf(at.state)).toMatchObject({ active: { generation: 2, activation: 2 }, validGenerations: [2], deletedGenerations: [1] });
    expect(at.chain).toMatchObject({ ok: true, links: 11 });
    await expect(auditStateAt(contextFor(config.topicPrefix), endpointId, 23, AUDIT_LIMITS, () => undefined)).rejects.toThrow(/has 22 events/);
  });
});

describe('fabric audit on tampered copies of the logs', () => {
  const original = (index: number) => example.records[index]?.value as string;

  it('an untampered copy audits clean', async () => {
    const result = await audit(await tamperedCopy({}), false);
    expect(auditPassed(result)).toBe(true);
    expect(result.sequencerOffset).toBe(22);
  });

  it('an edited event: replay diverges at it, the hash chain breaks at the next', async () => {
    const prefix = await tamperedCopy({ events: (records) => replaceIn(records, 5, '"enactorId":"az-b"', '"enactorId":"az-c"') });
    const result = await audit(prefix, true);
    expect(result.replay.divergence).toMatchObject({ seq: 6, commandOffset: 5, expected: original(5), found: original(5).replace('az-b', 'az-c') });
    expect(result.chain.firstBreak).toMatchObject({ seq: 7, expected: sha256(original(5).replace('az-b', 'az-c')), found: sha256(original(5)) });
    expect(result.sequence.ok).toBe(true);
    // The projector's own checks refuse to rebuild from it.
    expect(result.projection?.problem).toMatch(/the rebuild refused the event log: .*I5 one outcome per record, in order broken .* seq 7: prevHash/);
    expect(auditPassed(result)).toBe(false);
    process.stdout.write(`\n${formatAuditTable([result])}\n${formatAuditDetails([result])}\n`);
  });

  it('two events reordered: replay diverges at the first, the chain and the seq break there', async () => {
    const result = await audit(await tamperedCopy({ events: (records) => swapRecords(records, 7, 8) }), false);
    expect(result.replay.divergence).toMatchObject({ seq: 8, commandOffset: 7, expected: original(7), found: original(8) });
    expect(result.chain.firstBreak).toMatchObject({ seq: 9, expected: sha256(original(6)), found: sha256(original(7)) });
    expect(result.sequence.firstGap).toMatchObject({ expected: 8, found: 9 });
  });

  it('an event removed: replay diverges at its place, the chain and the seq break at the next', async () => {
    const result = await audit(await tamperedCopy({ events: (records) => removeRecord(records, 10) }), false);
    expect(result.replay.divergence).toMatchObject({ seq: 11, commandOffset: 10, expected: original(10), found: original(11) });
    expect(result.chain.firstBreak).toMatchObject({ seq: 12, expected: sha256(original(9)), found: sha256(original(10)) });
    expect(result.sequence.firstGap).toMatchObject({ expected: 11, found: 12 });
  });

  it('the last event removed: the sequencer offset says it was decided, the replay misses it', async () => {
    const result = await audit(await tamperedCopy({ events: (records) => removeRecord(records, 21) }), false);
    expect(result.replay.divergence).toMatchObject({ seq: 22, commandOffset: 21, expected: original(21), found: null, eventOffset: null });
    expect(result.chain.ok && result.sequence.ok).toBe(true);
  });

  it('an edited command record: replay diverges at its outcome, the event log itself is intact', async () => {
    const prefix = await tamperedCopy({ commands: (records) => replaceIn(records, 3, '"id":"az-a"', '"id":"az-b"') });
    const result = await audit(prefix, false);
    expect(result.replay.divergence).toMatchObject({ seq: 4, commandOffset: 3, found: original(3) });
    expect(result.replay.divergence?.expected).toContain('"reason":"NOT_AUTHENTICATED"');
    expect(result.chain.ok && result.sequence.ok).toBe(true);
  });

  it('an edited projection row: the rebuild differs from the live table at that row and column', async () => {
    await pool.query(`UPDATE fabric.plans SET status = 'fallback' WHERE endpoint_id = $1 AND generation = 2`, [endpointId]);
    const result = await audit(config.topicPrefix, true);
    expect(result.projection).toMatchObject({
      ok: false,
      difference: { table: 'plans', key: 'generation=2', column: 'status', expected: '"active"', found: '"fallback"' },
    });
    expect(result.replay.ok && result.chain.ok && result.sequence.ok).toBe(true);
    expect(formatAuditTable([result])).toMatch(/DIFFERS in plans/);
    // Put back, the endpoint audits clean again.
    await pool.query(`UPDATE fabric.plans SET status = 'active' WHERE endpoint_id = $1 AND generation = 2`, [endpointId]);
    expect(auditPassed(await audit(config.topicPrefix, true))).toBe(true);
  });

  it('a removed projection row (decisions) is found too', async () => {
    const { rows } = await pool.query('DELETE FROM fabric.decisions WHERE endpoint_id = $1 AND command_offset = 12 RETURNING *', [endpointId]);
    try {
      const result = await audit(config.topicPrefix, true);
      expect(result.projection?.difference).toEqual({ table: 'decisions', key: 'command_offset=12', column: '(row)', expected: 'a row', found: 'no row' });
    } finally {
      const row = rows[0] as Record<string, unknown>;
      const columns = Object.keys(row);
      await pool.query(
        `INSERT INTO fabric.decisions (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`,
        columns.map((column) => row[column]),
      );
    }
  });
});
