import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, loadConfig } from '@plan-fabric/config';
import { canonicalJson, eventHash, parseEvent, type FabricEvent } from '@plan-fabric/domain';
import {
  EventOutOfSequence,
  ProjectionWriter,
  createPool,
  endpointView,
  endpointViewOf,
  foldRows,
  migrate,
  outcomeAt,
  projectedOffset,
  projectionRows,
  exampleEventLog,
  uniqueEndpointId,
  type EventRecord,
  type ExampleEventLog,
} from './index';

const logger = createLogger('projection-test', 'warn');
const config = loadConfig();
let pool: Pool;

beforeAll(async () => {
  pool = createPool(config, logger, { maxConnections: 5 });
  await migrate(pool, logger);
});

afterAll(async () => {
  await pool.end();
});

const topicOf = (endpointId: string) => `test.events.${endpointId}`;

/** The rows a projection from scratch of the whole log holds. */
function expectedRows(s: ExampleEventLog) {
  return foldRows(
    s.endpointId,
    s.records.map((record) => ({ event: parseEvent(record.value as string), body: record.value as string, topicOffset: record.offset })),
  );
}

/** Transaction ids that last wrote each row of the endpoint: unchanged ids mean nothing was rewritten. */
async function rowVersions(endpointId: string): Promise<string[]> {
  const { rows } = await pool.query<{ v: string }>(
    `SELECT 'e' || seq || ':' || xmin::text AS v FROM fabric.events WHERE endpoint_id = $1
     UNION ALL SELECT 'd' || command_offset || ':' || xmin::text FROM fabric.decisions WHERE endpoint_id = $1
     UNION ALL SELECT 'p' || generation || ':' || xmin::text FROM fabric.plans WHERE endpoint_id = $1
     UNION ALL SELECT 'g' || enactor_id || ':' || xmin::text FROM fabric.enactor_progress WHERE endpoint_id = $1
     UNION ALL SELECT 'n:' || xmin::text || ':' || updated_at::text FROM fabric.endpoints WHERE endpoint_id = $1
     ORDER BY 1`,
    [endpointId],
  );
  return rows.map((row) => row.v);
}

describe('ProjectionWriter', () => {
  it('folds a real event sequence into endpoints, plans, enactor progress, decisions and events', async () => {
    const s = exampleEventLog(uniqueEndpointId('fold'));
    const writer = new ProjectionWriter(pool, logger);
    const result = await writer.applyBatch(topicOf(s.endpointId), 0, s.records);
    expect(result).toEqual({
      applied: s.records.length,
      skipped: 0,
      nextOffset: (s.records.at(-1)?.offset ?? 0) + 1,
      endpoints: [{ endpointId: s.endpointId, lastEventSeq: s.events.length }],
    });

    const rows = await projectionRows(pool, s.endpointId);
    expect(rows?.endpoint).toEqual({
      endpointId: s.endpointId,
      enactors: ['az-a', 'az-b', 'az-c'],
      quorum: 2,
      minValidPlans: 1,
      maxCapacityDropPercent: 50,
      registered: true,
      activeGeneration: 2, // the operator rolled back from 3
      activation: 4,
      validPlanCount: 1, // 1 deleted, 3 and 4 pending
      lastEventSeq: 22,
    });
    expect(rows?.plans.map((plan) => [plan.generation, plan.status, plan.activatedSeq, plan.deletedSeq])).toEqual([
      [1, 'deleted', 4, 11],
      [2, 'active', 18, null],
      [3, 'pending', 16, null],
      [4, 'pending', null, null],
    ]);
    expect(rows?.plans[0]?.records).toEqual([
      { address: '10.0.1.1', weight: 10 },
      { address: '10.0.1.2', weight: 10 },
    ]);
    expect(rows?.plans[0]?.totalWeight).toBe(20);
    // The override cleared every confirmation; az-a confirmed the rolled-back plan again.
    expect(rows?.progress.map((p) => [p.enactorId, p.confirmedGeneration, p.lag, p.lastEventSeq])).toEqual([
      ['az-a', 2, 0, 21],
      ['az-b', null, null, 18],
      ['az-c', null, null, 18],
    ]);
    expect(rows?.decisions).toHaveLength(s.commands.length);
    const decision = (offset: number) => rows?.decisions.find((d) => d.commandOffset === offset);
    expect(decision(0)).toMatchObject({ outcome: 'accepted', commandType: 'RegisterEndpoint', actorRole: 'operator', seq: 1 });
    expect(decision(3)).toMatchObject({ outcome: 'accepted', commandType: 'ApplyPlan', actorRole: 'enactor', actorId: 'az-a' });
    expect(decision(8)).toMatchObject({ outcome: 'rejected', reason: 'QUORUM_NOT_REACHED', commandType: 'DeletePlan', actorId: 'janitor-1' });
    expect(decision(11)).toMatchObject({ outcome: 'duplicate', commandId: 'delete-1', reason: null });
    expect(decision(11)?.detail).toMatch(/offset 10/);
    expect(decision(12)).toMatchObject({ outcome: 'rejected', reason: 'MALFORMED', commandId: null, commandType: null, actorId: null });
    expect(decision(17)).toMatchObject({ outcome: 'accepted', commandType: 'OperatorActivate', actorId: 'op-1', detail: 'plan 3 is bad' });
    expect(rows?.events.map((e) => e.body)).toEqual(s.records.map((r) => r.value));
    expect(rows?.events.map((e) => e.topicOffset)).toEqual(s.records.map((r) => r.offset));

    // Invariant 7: the tables equal the fold of the log, row for row, and the view equals the domain's state.
    expect(rows).toEqual(expectedRows(s));
    expect(await endpointView(pool, s.endpointId)).toEqual(endpointViewOf(s.state));
    expect(await endpointView(pool, s.endpointId)).toEqual({
      activeGeneration: 2,
      activation: 4,
      validGenerations: [2],
      deletedGenerations: [1],
      confirmed: { 'az-a': 2, 'az-b': null, 'az-c': null },
      lastEventSeq: 22,
    });
    expect(await outcomeAt(pool, s.endpointId, 14)).toEqual({
      outcome: 'rejected',
      reason: 'DELETE_ACTIVE_PLAN',
      detail: 'plan 2 is the active plan',
      commandId: 'c12', // two commands before it carry their own id
      seq: 15,
    });
    expect(await outcomeAt(pool, s.endpointId, 999)).toBeNull();
    expect(await endpointView(pool, uniqueEndpointId('none'))).toBeNull();
    expect(await projectedOffset(pool, topicOf(s.endpointId))).toBe(result.nextOffset);
  });

  it('projects each event exactly once under redelivery and overlapping batches, whatever the batching', async () => {
    const s = exampleEventLog(uniqueEndpointId('redeliver'));
    const topic = topicOf(s.endpointId);
    const writer = new ProjectionWriter(pool, logger);
    const first = await writer.applyBatch(topic, 0, s.records.slice(0, 10));
    expect(first).toMatchObject({ applied: 10, skipped: 0, nextOffset: 19 });
    const versions = await rowVersions(s.endpointId);

    // The same batch again (a redelivery after a lost Kafka commit): nothing is written, not even rewritten.
    expect(await writer.applyBatch(topic, 0, s.records.slice(0, 10))).toMatchObject({ applied: 0, skipped: 10, nextOffset: 19 });
    // Also from a fresh process with an empty cache.
    expect(await new ProjectionWriter(pool, logger).applyBatch(topic, 0, s.records.slice(3, 7))).toMatchObject({ applied: 0, skipped: 4 });
    expect(await rowVersions(s.endpointId)).toEqual(versions);

    // An overlapping batch applies only what is new.
    expect(await writer.applyBatch(topic, 0, s.records.slice(5, 15))).toMatchObject({ applied: 5, skipped: 5, nextOffset: 29 });
    // Then the rest one record at a time.
    for (const record of s.records.slice(15)) {
      expect(await writer.applyBatch(topic, 0, [record])).toMatchObject({ applied: 1, skipped: 0 });
    }
    expect(await writer.applyBatch(topic, 0, s.records)).toMatchObject({ applied: 0, skipped: s.records.length });
    expect(await projectionRows(pool, s.endpointId)).toEqual(expectedRows(s));
    expect(await endpointView(pool, s.endpointId)).toEqual(endpointViewOf(s.state));
  });

  it('a projector killed before COMMIT leaves nothing; the next one waits for its lock and projects each event once', async () => {
    const s = exampleEventLog(uniqueEndpointId('crash'));
    const topic = topicOf(s.endpointId);
    const file = join(mkdtempSync(join(tmpdir(), 'projector-crash-')), 'records.json');
    writeFileSync(file, JSON.stringify(s.records));
    const root = resolve(__dirname, '../../..');
    const child = spawn(process.execPath, ['--import', 'tsx', resolve(__dirname, 'testing/hold-transaction.ts'), topic, file], {
      cwd: root,
      env: process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | number | null>((done) => child.on('exit', (code, signal) => done(signal ?? code)));
    try {
      // The child has written every row and stopped right before COMMIT.
      await new Promise<void>((ready, fail) => {
        child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('holding') && ready());
        void exited.then((how) => fail(new Error(`child exited (${String(how)}) before holding: ${stderr}`)));
      });
      expect(await endpointView(pool, s.endpointId)).toBeNull();

      // A second projector of the same partition blocks on the offset row lock instead of projecting beside it.
      const writer = new ProjectionWriter(pool, logger);
      let settled = false;
      const retry = writer.applyBatch(topic, 0, s.records).finally(() => (settled = true));
      await new Promise((wait) => setTimeout(wait, 500));
      expect(settled).toBe(false);

      child.kill('SIGKILL'); // the server sees the connection drop and rolls the transaction back
      expect(await exited).toBe('SIGKILL');
      expect(await retry).toMatchObject({ applied: s.records.length, skipped: 0 });
    } finally {
      child.kill('SIGKILL');
    }

    expect(await projectionRows(pool, s.endpointId)).toEqual(expectedRows(s));
    // Every event row was written by one and the same (the retry's) transaction.
    const writers = await pool.query(`SELECT DISTINCT xmin::text FROM fabric.events WHERE endpoint_id = $1`, [s.endpointId]);
    expect(writers.rowCount).toBe(1);
    expect(await new ProjectionWriter(pool, logger).applyBatch(topic, 0, s.records)).toMatchObject({ applied: 0, skipped: s.records.length });
  });

  it('a failure after the inserts rolls the whole batch back, drops the cached fold, and a retry projects it once', async () => {
    const s = exampleEventLog(uniqueEndpointId('fail'));
    const topic = topicOf(s.endpointId);
    let failNext = false;
    const writer = new ProjectionWriter(pool, logger, {
      beforeCommit: async () => {
        if (failNext) {
          failNext = false;
          throw new Error('injected failure before COMMIT');
        }
      },
    });
    await writer.applyBatch(topic, 0, s.records.slice(0, 8));
    failNext = true;
    await expect(writer.applyBatch(topic, 0, s.records.slice(8, 16))).rejects.toThrow(/injected failure/);
    expect((await endpointView(pool, s.endpointId))?.lastEventSeq).toBe(8);
    expect(await projectedOffset(pool, topic)).toBe(15);
    // The retry starts from the stored offset; a fold cached from the failed batch would be at seq 16 and refuse seq 9.
    expect(await writer.applyBatch(topic, 0, s.records.slice(8))).toMatchObject({ applied: s.records.length - 8, skipped: 0 });
    expect(await projectionRows(pool, s.endpointId)).toEqual(expectedRows(s));
  });

  it('refuses a seq gap with a clear error and stores nothing of the batch', async () => {
    const s = exampleEventLog(uniqueEndpointId('gap'));
    const topic = topicOf(s.endpointId);
    const writer = new ProjectionWriter(pool, logger);
    await writer.applyBatch(topic, 0, s.records.slice(0, 3));
    const withGap = [...s.records.slice(3, 5), ...s.records.slice(6, 9)]; // seq 6 (offset 10) is missing
    const failure = writer.applyBatch(topic, 0, withGap);
    await expect(failure).rejects.toBeInstanceOf(EventOutOfSequence);
    await expect(failure).rejects.toThrow(
      new RegExp(`endpoint '${s.endpointId}': event ${topic}\\[0\\] offset 12 has seq 7, expected 6 — seqs 6..6 are missing`),
    );
    await expect(failure).rejects.toThrow(/rebuild the projection|audit/);
    expect((await endpointView(pool, s.endpointId))?.lastEventSeq).toBe(3);
    expect(await projectedOffset(pool, topic)).toBe(5);

    // A repeated seq at a later offset (two writers of one events log) is refused too.
    const repeated = { offset: 1000, value: s.records[2]?.value ?? null };
    await expect(writer.applyBatch(topic, 0, [repeated])).rejects.toThrow(/has seq 3, expected 4 — seq 3 is already projected/);

    // The proper records still project.
    await writer.applyBatch(topic, 0, s.records);
    expect(await projectionRows(pool, s.endpointId)).toEqual(expectedRows(s));
  });

  it('refuses an event that breaks a domain invariant, and one that is not a valid event', async () => {
    const s = exampleEventLog(uniqueEndpointId('forged'));
    const topic = topicOf(s.endpointId);
    const writer = new ProjectionWriter(pool, logger);
    await writer.applyBatch(topic, 0, s.records.slice(0, 7)); // plan 2 active since seq 7
    const forged: FabricEvent = {
      seq: 8,
      endpointId: s.endpointId,
      commandOffset: 7,
      commandId: 'forged',
      prevHash: eventHash(s.events[6]!), // chained correctly: the invariant, not the chain, must refuse it
      type: 'PlanDeleted',
      data: { generation: 2 },
    };
    await expect(writer.applyBatch(topic, 0, [{ offset: 14, value: canonicalJson(forged) }])).rejects.toThrow(
      /invariant I1 active plan stays valid broken .* seq 8: active plan 2 is deleted/,
    );
    await expect(writer.applyBatch(topic, 0, [{ offset: 14, value: '{"type":"PlanDeleted"}' }])).rejects.toThrow(
      new RegExp(`event record ${topic}\\[0\\] offset 14: PlanDeleted`),
    );
    await expect(writer.applyBatch(topic, 0, [{ offset: 14, value: null }])).rejects.toThrow(/has no value/);
    const other = new ProjectionWriter(pool, logger, { endpointOfTopic: () => 'someone-else' });
    await expect(other.applyBatch(topic, 0, s.records.slice(7, 8))).rejects.toThrow(/not 'someone-else'/);
    expect((await endpointView(pool, s.endpointId))?.lastEventSeq).toBe(7);
  });

  it('two writers taking turns on one partition (a projector taking over) refold from the tables and stay exact', async () => {
    const s = exampleEventLog(uniqueEndpointId('takeover'));
    const topic = topicOf(s.endpointId);
    const writers = [new ProjectionWriter(pool, logger), new ProjectionWriter(pool, logger)];
    const batches: EventRecord[][] = [];
    for (let i = 0; i < s.records.length; i += 4) batches.push(s.records.slice(Math.max(0, i - 2), i + 4));
    let turn = 0;
    for (const batch of batches) await writers[turn++ % 2]?.applyBatch(topic, 0, batch);
    expect(await projectionRows(pool, s.endpointId)).toEqual(expectedRows(s));
    expect(await endpointView(pool, s.endpointId)).toEqual(endpointViewOf(s.state));
  });
});
