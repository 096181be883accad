import type { Admin, Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, loadConfig, type FabricConfig, type LogFields, type Logger } from '@plan-fabric/config';
import { canonicalJson, parseEvent, type FabricEvent } from '@plan-fabric/domain';
import {
  createPool,
  endpointView,
  exampleEventLog,
  foldRows,
  migrate,
  projectedOffset,
  projectionRows,
  uniqueEndpointId,
  type ExampleEventLog,
} from '@plan-fabric/db';
import { createKafka, ensureEndpointTopics, topicNames } from '@plan-fabric/kafka';
import { startProjector } from './index';

const base = loadConfig();
const quiet = createLogger('projector-test', 'error');
const names = topicNames(base.topicPrefix);
let kafka: Kafka;
let admin: Admin;
let pool: Pool;

beforeAll(async () => {
  kafka = createKafka(base, 'projector-test', quiet);
  admin = kafka.admin();
  await admin.connect();
  pool = createPool(base, quiet, { maxConnections: 3 });
  await migrate(pool, quiet);
});

afterAll(async () => {
  await admin?.disconnect();
  await pool?.end();
});

/** Only this test's endpoint: other test files share the broker and the topic prefix. */
const configFor = (endpointId: string): FabricConfig => ({ ...base, endpointFilter: new RegExp(`^${endpointId}$`) });
const fast = { retryInitialMs: 200, retryMaxMs: 1_000, sessionTimeoutMs: 10_000, topicScanIntervalMs: 200, fetchMaxWaitMs: 200 };

interface Committed {
  readonly event: FabricEvent;
  readonly body: string;
  readonly topicOffset: number;
}

/** Writes events the way the sequencer does: a transactional producer, one transaction per call. Returns the records with their offsets. */
async function writeEvents(endpointId: string, events: readonly FabricEvent[], outcome: 'commit' | 'abort' = 'commit'): Promise<Committed[]> {
  const producer = kafka.producer({ transactionalId: `projector-test-${endpointId}`, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    const transaction = await producer.transaction();
    const bodies = events.map((event) => canonicalJson(event));
    const [sent] = await transaction.send({
      topic: names.events(endpointId),
      acks: -1,
      messages: bodies.map((value) => ({ key: endpointId, value })),
    });
    if (outcome === 'abort') {
      await transaction.abort();
      return [];
    }
    await transaction.commit();
    const baseOffset = Number(sent?.baseOffset);
    return events.map((event, index) => ({ event, body: bodies[index] as string, topicOffset: baseOffset + index }));
  } finally {
    await producer.disconnect();
  }
}

async function eventually<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null && value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const projectedThrough = (endpointId: string, seq: number) =>
  eventually(`endpoint ${endpointId} projected through seq ${seq}`, async () => (await endpointView(pool, endpointId))?.lastEventSeq === seq);

/** Which transaction last wrote each event and decision row: equal before and after means nothing was projected twice. */
async function eventRowVersions(endpointId: string): Promise<string[]> {
  const { rows } = await pool.query<{ v: string }>(
    `SELECT 'e' || seq || ':' || xmin::text AS v FROM fabric.events WHERE endpoint_id = $1
     UNION ALL SELECT 'd' || command_offset || ':' || xmin::text FROM fabric.decisions WHERE endpoint_id = $1 ORDER BY 1`,
    [endpointId],
  );
  return rows.map((row) => row.v);
}

/** A Logger that keeps what it is told, to check what the projector reports. */
function recordingLogger(): Logger & { readonly entries: Array<{ level: string; message: string; fields: LogFields }> } {
  const entries: Array<{ level: string; message: string; fields: LogFields }> = [];
  const make = (base: LogFields): Logger => {
    const at = (level: string) => (message: string, fields: LogFields = {}) => void entries.push({ level, message, fields: { ...base, ...fields } });
    return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: (fields) => make({ ...base, ...fields }) };
  };
  return Object.assign(make({}), { entries });
}

/** A transaction the broker aborted: its records sit in the log but read-committed consumers never see them. */
function forgedEvent(s: ExampleEventLog, seq: number): FabricEvent {
  return { seq, endpointId: s.endpointId, commandOffset: seq - 1, commandId: 'aborted', prevHash: '0'.repeat(64), type: 'PlanProposed', data: { generation: 99, records: [{ address: '10.9.9.9', weight: 1 }], ttl: 5 } };
}

describe('projector', () => {
  it('projects committed events only, commits the offset to Kafka too, and after a restart projects nothing twice', async () => {
    const s = exampleEventLog(uniqueEndpointId('proj'));
    const config = configFor(s.endpointId);
    await ensureEndpointTopics(admin, config, s.endpointId);
    const committed = [
      ...(await writeEvents(s.endpointId, s.events.slice(0, 10))),
      ...(await writeEvents(s.endpointId, [forgedEvent(s, 11), forgedEvent(s, 12)], 'abort')),
      ...(await writeEvents(s.endpointId, s.events.slice(10, 15))),
    ];

    const logger = recordingLogger();
    let projector = await startProjector(config, logger, fast);
    try {
      await projectedThrough(s.endpointId, 15);
      expect(await projectionRows(pool, s.endpointId)).toEqual(foldRows(s.endpointId, committed));
      const storedNext = await projectedOffset(pool, names.events(s.endpointId));
      expect(storedNext).toBe((committed.at(-1)?.topicOffset ?? 0) + 1);
      // Best effort, after the Postgres commit: Kafka's group offset follows.
      await eventually('the Kafka commit', async () => {
        const [topic] = await admin.fetchOffsets({ groupId: `${base.topicPrefix}.projector.${s.endpointId}`, topics: [names.events(s.endpointId)] });
        return Number(topic?.partitions[0]?.offset) === storedNext;
      });
      expect(logger.entries.some((entry) => entry.message === 'events batch projected' && entry.fields['endpointId'] === s.endpointId)).toBe(true);
    } finally {
      await projector.stop();
    }
    const versions = await eventRowVersions(s.endpointId);

    committed.push(...(await writeEvents(s.endpointId, s.events.slice(15))));
    projector = await startProjector(config, quiet, fast);
    try {
      await projectedThrough(s.endpointId, s.events.length);
    } finally {
      await projector.stop();
    }
    expect(await projectionRows(pool, s.endpointId)).toEqual(foldRows(s.endpointId, committed));
    expect(committed.map((c) => c.body)).toEqual(s.records.map((r) => r.value));
    const after = await eventRowVersions(s.endpointId);
    for (const version of versions) expect(after).toContain(version);
  });

  it('after a rebuild (rows and stored offset dropped) it starts from the offset in Postgres, not the one in Kafka', async () => {
    const s = exampleEventLog(uniqueEndpointId('rebuild'));
    const config = configFor(s.endpointId);
    await ensureEndpointTopics(admin, config, s.endpointId);
    const committed = await writeEvents(s.endpointId, s.events);
    let projector = await startProjector(config, quiet, fast);
    try {
      await projectedThrough(s.endpointId, s.events.length);
    } finally {
      await projector.stop();
    }
    for (const table of ['events', 'decisions', 'plans', 'enactor_progress', 'endpoints']) {
      await pool.query(`DELETE FROM fabric.${table} WHERE endpoint_id = $1`, [s.endpointId]);
    }
    await pool.query('DELETE FROM fabric.projector_offsets WHERE topic = $1', [names.events(s.endpointId)]);

    projector = await startProjector(config, quiet, fast);
    try {
      await projectedThrough(s.endpointId, s.events.length);
    } finally {
      await projector.stop();
    }
    expect(await projectionRows(pool, s.endpointId)).toEqual(foldRows(s.endpointId, committed));
  });

  it('a batch that fails is logged, retried from the stored offset after a back-off, and never skipped', async () => {
    const s = exampleEventLog(uniqueEndpointId('retry'));
    const config = configFor(s.endpointId);
    await ensureEndpointTopics(admin, config, s.endpointId);
    const committed = await writeEvents(s.endpointId, s.events.slice(0, 10));
    const logger = recordingLogger();
    const projector = await startProjector(config, logger, fast);
    try {
      await projectedThrough(s.endpointId, 10);
      // Someone edits the projection behind the projector's back: every batch now fails.
      await pool.query('UPDATE fabric.endpoints SET last_event_seq = last_event_seq + 100 WHERE endpoint_id = $1', [s.endpointId]);
      committed.push(...(await writeEvents(s.endpointId, s.events.slice(10))));
      const failure = await eventually('a logged failure', async () =>
        logger.entries.find((entry) => entry.level === 'error' && entry.message.startsWith('projecting an events batch failed')),
      );
      expect(failure.fields).toMatchObject({ endpointId: s.endpointId, topic: names.events(s.endpointId), attempt: 1 });
      expect(String(failure.fields['error'])).toMatch(/changed outside the projector/);
      expect(String(failure.fields['whatToDo'])).toMatch(/never skips/);
      await eventually('a second attempt', async () => logger.entries.some((entry) => entry.fields['attempt'] === 2));
      // Nothing of the failing batches was stored, and the position did not move.
      expect((await pool.query('SELECT count(*)::int AS n FROM fabric.events WHERE endpoint_id = $1', [s.endpointId])).rows[0].n).toBe(10);
      expect(await projectedOffset(pool, names.events(s.endpointId))).toBe((committed[9]?.topicOffset ?? 0) + 1);

      await pool.query('UPDATE fabric.endpoints SET last_event_seq = last_event_seq - 100 WHERE endpoint_id = $1', [s.endpointId]);
      await projectedThrough(s.endpointId, s.events.length);
    } finally {
      await projector.stop();
    }
    expect(await projectionRows(pool, s.endpointId)).toEqual(foldRows(s.endpointId, committed));
    expect(parseEvent(committed[0]?.body ?? '')).toEqual(s.events[0]);
  });
});
