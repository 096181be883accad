import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin, Kafka } from 'kafkajs';
import { createLogger, loadConfig, type FabricConfig } from '@plan-fabric/config';
import { signAsSim, simKeyEntries, type Command } from '@plan-fabric/domain';
import { CommandPublisher, createKafka, topicNames } from '@plan-fabric/kafka';
import { eventually, readTopic, testEndpointId } from '@plan-fabric/testing';
import { SequencerMetrics, startSequencer } from './index';

const base = loadConfig();
const logger = createLogger('sequencer-metrics-test', 'warn');
const names = topicNames(base.topicPrefix);
let kafka: Kafka;
let admin: Admin;
let publisher: CommandPublisher;

beforeAll(async () => {
  kafka = createKafka(base, 'sequencer-metrics-test', logger);
  admin = kafka.admin();
  await admin.connect();
  publisher = new CommandPublisher(kafka, base);
  await publisher.connect();
});
afterAll(async () => {
  await publisher?.disconnect();
  await admin?.disconnect();
});

/** Only this test's endpoint: other test files share the broker and the topic prefix. */
const configFor = (endpointId: string): FabricConfig => ({ ...base, endpointFilter: new RegExp(`^${endpointId}$`) });

async function scrape(url: string): Promise<string> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  return response.text();
}

/** The value of one sample line, e.g. `plan_fabric_consumer_lag{endpoint="x"}`; null when absent. */
function sample(text: string, series: string): number | null {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? null : Number(line.slice(series.length + 1));
}

function commands(endpointId: string): Command[] {
  const records = [{ address: '192.0.2.1', weight: 1 }];
  const keys = simKeyEntries([{ role: 'planner', id: 'p' }, { role: 'enactor', id: 'az1' }, { role: 'janitor', id: 'j' }]);
  const list: Command[] = [
    { commandId: `${endpointId}-register`, endpointId, actor: { role: 'operator', id: 'op' }, type: 'RegisterEndpoint', payload: { enactors: ['az1'], quorum: 1, minValidPlans: 1, maxCapacityDropPercent: 100, keys } },
    { commandId: `${endpointId}-p1`, endpointId, actor: { role: 'planner', id: 'p' }, type: 'ProposePlan', payload: { generation: 1, records, ttl: 60 } },
    { commandId: `${endpointId}-a1`, endpointId, actor: { role: 'enactor', id: 'az1' }, type: 'ApplyPlan', payload: { generation: 1 } },
    { commandId: `${endpointId}-a9`, endpointId, actor: { role: 'enactor', id: 'az1' }, type: 'ApplyPlan', payload: { generation: 9 } },
    { commandId: `${endpointId}-d1`, endpointId, actor: { role: 'janitor', id: 'j' }, type: 'DeletePlan', payload: { generation: 1 } },
    { commandId: `${endpointId}-p1`, endpointId, actor: { role: 'planner', id: 'p' }, type: 'ProposePlan', payload: { generation: 1, records, ttl: 60 } },
  ];
  return list.map(signAsSim);
}

describe('sequencer /metrics', () => {
  it('counts decisions by outcome and reason, times transactions, and reports the consumer lag per endpoint', async () => {
    const endpointId = testEndpointId('metrics');
    const sequencer = await startSequencer(configFor(endpointId), logger, {}, { port: 0, lagRefreshMs: 200 });
    try {
      expect(sequencer.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      for (const command of commands(endpointId)) await publisher.publish(command);
      await publisher.publishRaw(endpointId, 'not json');
      await readTopic(kafka, names.events(endpointId), 7);

      const decided = (outcome: string, reason: string) => `plan_fabric_decisions_total{endpoint="${endpointId}",outcome="${outcome}",reason="${reason}"}`;
      const text = await eventually(
        async () => {
          const body = await scrape(sequencer.metricsUrl!);
          return sample(body, decided('accepted', 'none')) === 3 && sample(body, `plan_fabric_consumer_lag{endpoint="${endpointId}"}`) === 0 ? body : null;
        },
        30_000,
        'the decisions and a lag of 0 on /metrics',
      );
      expect(sample(text, decided('rejected', 'UNKNOWN_PLAN'))).toBe(1);
      expect(sample(text, decided('rejected', 'DELETE_ACTIVE_PLAN'))).toBe(1);
      expect(sample(text, decided('rejected', 'MALFORMED'))).toBe(1);
      expect(sample(text, decided('duplicate', 'none'))).toBe(1);
      expect(text).toContain('# TYPE plan_fabric_transaction_seconds histogram');
      const transactions = sample(text, 'plan_fabric_transaction_seconds_count');
      expect(transactions).toBeGreaterThanOrEqual(1);
      expect(sample(text, 'plan_fabric_transaction_seconds_bucket{le="+Inf"}')).toBe(transactions);
      expect(sample(text, 'plan_fabric_transaction_seconds_sum')).toBeGreaterThan(0);
    } finally {
      await sequencer.stop();
    }

    // Commands published while no sequencer runs wait: the lag counts them, from Kafka's offsets alone.
    await publisher.publish(signAsSim({ commandId: `${endpointId}-p2`, endpointId, actor: { role: 'planner', id: 'p' }, type: 'ProposePlan', payload: { generation: 2, records: [{ address: '192.0.2.2', weight: 1 }], ttl: 60 } }));
    await publisher.publishRaw(endpointId, 'still not json');
    const metrics = new SequencerMetrics();
    const errors = await metrics.refreshLag(admin, [{ endpointId, commands: names.commands(endpointId), groupId: `${base.topicPrefix}.sequencer.${endpointId}` }]);
    expect(errors).toEqual([]);
    expect(metrics.consumerLag.get({ endpoint: endpointId })).toBe(2);
  });
});
