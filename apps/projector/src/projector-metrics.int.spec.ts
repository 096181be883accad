import type { Admin, Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, loadConfig, type FabricConfig } from '@plan-fabric/config';
import { serializeEvent, type FabricEvent } from '@plan-fabric/domain';
import { createPool, exampleEventLog, migrate, uniqueEndpointId } from '@plan-fabric/db';
import { createKafka, ensureEndpointTopics, topicNames } from '@plan-fabric/kafka';
import { eventually } from '@plan-fabric/testing';
import { ProjectorMetrics, startProjector } from './index';

const base = loadConfig();
const quiet = createLogger('projector-metrics-test', 'error');
const names = topicNames(base.topicPrefix);
let kafka: Kafka;
let admin: Admin;
let pool: Pool;

beforeAll(async () => {
  kafka = createKafka(base, 'projector-metrics-test', quiet);
  admin = kafka.admin();
  await admin.connect();
  pool = createPool(base, quiet, { maxConnections: 3 });
  await migrate(pool, quiet);
});
afterAll(async () => {
  await admin?.disconnect();
  await pool?.end();
});

const configFor = (endpointId: string): FabricConfig => ({ ...base, endpointFilter: new RegExp(`^${endpointId}$`) });
const fast = { retryInitialMs: 200, retryMaxMs: 1_000, sessionTimeoutMs: 10_000, topicScanIntervalMs: 200, fetchMaxWaitMs: 200 };

/** Writes events as the sequencer does: one Kafka transaction (so the topic gets a commit marker after them). */
async function writeEvents(endpointId: string, events: readonly FabricEvent[]): Promise<void> {
  const producer = kafka.producer({ transactionalId: `projector-metrics-test-${endpointId}`, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    const transaction = await producer.transaction();
    await transaction.send({ topic: names.events(endpointId), acks: -1, messages: events.map((event) => ({ key: endpointId, value: serializeEvent(event) })) });
    await transaction.commit();
  } finally {
    await producer.disconnect();
  }
}

function sample(text: string, series: string): number | null {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? null : Number(line.slice(series.length + 1));
}

describe('projector /metrics', () => {
  it('counts projected events and shows a projection lag of 0 once caught up (commit markers are not lag)', async () => {
    const log = exampleEventLog(uniqueEndpointId('projmetrics'));
    const { endpointId } = log;
    await ensureEndpointTopics(admin, configFor(endpointId), endpointId);
    await writeEvents(endpointId, log.events.slice(0, 6));
    await writeEvents(endpointId, log.events.slice(6, 10));

    const projector = await startProjector(configFor(endpointId), quiet, fast, { port: 0, lagRefreshMs: 200 });
    try {
      expect(projector.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      const text = await eventually(
        async () => {
          const body = await (await fetch(projector.metricsUrl!)).text();
          const caughtUp =
            sample(body, `plan_fabric_projected_events_total{endpoint="${endpointId}"}`) === 10 &&
            sample(body, `plan_fabric_projection_lag{endpoint="${endpointId}"}`) === 0;
          return caughtUp ? body : null;
        },
        60_000,
        'all 10 events projected and a projection lag of 0',
      );
      expect(text).toContain('# TYPE plan_fabric_projection_lag gauge');
      expect(text).toContain('# TYPE plan_fabric_projected_events_total counter');
    } finally {
      await projector.stop();
    }

    // Written while no projector runs: they are the lag (the events, plus this transaction's commit marker and the one before it,
    // which only a consumer that read past it could tell from an event).
    await writeEvents(endpointId, log.events.slice(10, 13));
    const metrics = new ProjectorMetrics();
    // The commit marker reaches the partition after commit() returns; until then the last stable offset lags behind.
    await eventually(async () => {
      expect(await metrics.refreshLag(admin, pool, [{ endpointId, topic: names.events(endpointId) }])).toEqual([]);
      return metrics.projectionLag.get({ endpoint: endpointId }) === 3 + 2;
    }, 10_000, 'the new transaction to be readable');
    expect(metrics.projectionLag.get({ endpoint: endpointId })).toBe(3 + 2);
  });
});
