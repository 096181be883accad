import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin, Kafka } from 'kafkajs';
import { createLogger, loadConfig } from '@plan-fabric/config';
import { canonicalJson, labelledKey, replay, signAsSim, signCommand, simKeyEntries, SIM_AUTHORITY, type Actor, type Command } from '@plan-fabric/domain';
import { CommandPublisher, createKafka, topicNames } from '@plan-fabric/kafka';
import { readTopic, testEndpointId } from '@plan-fabric/testing';
import { startSequencer } from './index';

const config = loadConfig();
const logger = createLogger('sequencer-test', 'warn');
const names = topicNames(config.topicPrefix);
let kafka: Kafka;
let admin: Admin;
let publisher: CommandPublisher;

beforeAll(async () => {
  kafka = createKafka(config, 'sequencer-test', logger);
  admin = kafka.admin();
  await admin.connect();
  publisher = new CommandPublisher(kafka, config);
  await publisher.connect();
});
afterAll(async () => {
  await publisher.disconnect();
  await admin.disconnect();
});

/** Signed with simulation keys (the test stack trusts SIM_ROOT); the registration registers the actors' keys. */
function commandsFor(endpointId: string, generations: number): Command[] {
  const base = { endpointId };
  const actors: Actor[] = [{ role: 'planner', id: 'p' }, { role: 'enactor', id: 'a' }, { role: 'enactor', id: 'b' }];
  const keys = simKeyEntries(actors);
  const list: Command[] = [
    {
      ...base,
      commandId: `${endpointId}-register`,
      actor: { role: 'operator', id: 'op' },
      type: 'RegisterEndpoint',
      payload: { enactors: ['a', 'b'], quorum: 1, minValidPlans: 1, maxCapacityDropPercent: 100, keys },
    },
  ];
  for (let generation = 1; generation <= generations; generation++) {
    list.push({
      ...base,
      commandId: `${endpointId}-propose-${generation}`,
      actor: { role: 'planner', id: 'p' },
      type: 'ProposePlan',
      payload: { generation, records: [{ address: `192.0.2.${generation % 250}`, weight: 1 }], ttl: 60 },
    });
    list.push({
      ...base,
      commandId: `${endpointId}-apply-${generation}`,
      actor: { role: 'enactor', id: generation % 2 === 0 ? 'a' : 'b' },
      type: 'ApplyPlan',
      payload: { generation },
    });
  }
  return list.map(signAsSim);
}

/** The command log as it is in Kafka, replayed through decide: what the event log must be, byte for byte. */
async function expectedEvents(endpointId: string, count: number): Promise<string[]> {
  const records = await readTopic(kafka, names.commands(endpointId), count);
  return replay(
    endpointId,
    records.map((record) => ({ offset: Number(record.offset), value: record.value === null ? null : record.value.toString('utf8') })),
    SIM_AUTHORITY,
  ).events.map((event) => canonicalJson(event));
}

async function eventValues(endpointId: string, count: number, timeoutMs?: number): Promise<string[]> {
  const records = await readTopic(kafka, names.events(endpointId), count, timeoutMs);
  return records.map((record) => record.value?.toString('utf8') ?? '<null>');
}

describe('sequencer on real Kafka', () => {
  it('gives every command record exactly one outcome, in order, and replay reproduces the event log byte for byte', async () => {
    const endpointId = testEndpointId('seq');
    const sequencer = await startSequencer(config, logger);
    try {
      for (const command of commandsFor(endpointId, 3)) await publisher.publish(command);
      await publisher.publishRaw(endpointId, 'this is not json');
      await publisher.publish(commandsFor(endpointId, 1)[1]!); // a redelivered ProposePlan
      const total = 1 + 3 * 2 + 2;
      const events = await eventValues(endpointId, total);
      expect(events).toHaveLength(total);
      expect(events).toEqual(await expectedEvents(endpointId, total));
      const parsed = events.map((value) => JSON.parse(value) as { seq: number; commandOffset: number; type: string; data: { reason?: string } });
      expect(parsed.map((event) => event.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
      expect(parsed.map((event) => event.commandOffset)).toEqual(Array.from({ length: total }, (_, i) => i));
      expect(parsed[total - 2]).toMatchObject({ type: 'CommandRejected', data: { reason: 'MALFORMED' } });
      expect(parsed[total - 1]).toMatchObject({ type: 'CommandDuplicated' });
      const deadLetters = await readTopic(kafka, names.deadLetters(endpointId), 1);
      expect(deadLetters.map((record) => record.value?.toString('utf8'))).toEqual(['this is not json']);
    } finally {
      await sequencer.stop();
    }
  });

  it('refuses forged commands NOT_AUTHENTICATED, changing nothing, and the real command under the forged id is still decided', async () => {
    const endpointId = testEndpointId('forged');
    const sequencer = await startSequencer(config, logger);
    try {
      const [register, propose] = commandsFor(endpointId, 1) as [Command, Command];
      await publisher.publish(register);
      const { signature: _, ...unsigned } = propose;
      await publisher.publishRaw(endpointId, canonicalJson(unsigned)); // unsigned
      await publisher.publishRaw(endpointId, canonicalJson({ ...propose, payload: { ...(propose.payload as object), ttl: 61 } })); // edited after signing
      await publisher.publish(signCommand(propose, labelledKey('nobody'))); // a key the endpoint never registered
      await publisher.publish(propose); // the real one, under the id the forgeries used
      const events = (await eventValues(endpointId, 5)).map((value) => JSON.parse(value) as { type: string; data: { reason?: string; detail?: string } });
      expect(events.map((event) => event.data.reason ?? event.type)).toEqual([
        'EndpointRegistered',
        'NOT_AUTHENTICATED',
        'NOT_AUTHENTICATED',
        'NOT_AUTHENTICATED',
        'PlanProposed',
      ]);
      expect(events.map((event) => event.data.detail ?? '')).toEqual([
        '',
        'the command is not signed',
        expect.stringMatching(/signature does not match/),
        expect.stringMatching(/neither registered .* nor a trust root/),
        '',
      ]);
      expect(await eventValues(endpointId, 5)).toEqual(await expectedEvents(endpointId, 5));
    } finally {
      await sequencer.stop();
    }
  });

  it('resumes after a restart with no duplicate and no missing event', async () => {
    const endpointId = testEndpointId('restart');
    const commands = commandsFor(endpointId, 40);
    const first = await startSequencer(config, logger);
    for (const command of commands.slice(0, 41)) await publisher.publish(command);
    await eventValues(endpointId, 41);
    await first.stop();
    for (const command of commands.slice(41)) await publisher.publish(command);
    // Redeliver a few already-decided commands: they must come out as duplicates, not as new effects.
    for (const command of commands.slice(1, 4)) await publisher.publish(command);
    const second = await startSequencer(config, logger);
    try {
      const total = commands.length + 3;
      await eventValues(endpointId, total);
      const events = await eventValues(endpointId, total + 1, 2_000);
      expect(events).toHaveLength(total);
      expect(events).toEqual(await expectedEvents(endpointId, total));
      expect(events.slice(-3).map((value) => (JSON.parse(value) as { type: string }).type)).toEqual([
        'CommandDuplicated',
        'CommandDuplicated',
        'CommandDuplicated',
      ]);
    } finally {
      await second.stop();
    }
  });

  it('commits a batch of events together with its offsets or not at all', async () => {
    const endpointId = testEndpointId('atomic');
    const commands = commandsFor(endpointId, 2);
    const sequencer = await startSequencer(config, logger, { restartDelayMs: 200 });
    try {
      await publisher.publish(commands[0]!);
      await eventValues(endpointId, 1);
      // Make the next transaction fail half way: its events are sent, then the dead-letter
      // copy of a malformed record cannot be written because that topic is gone.
      await admin.deleteTopics({ topics: [names.deadLetters(endpointId)] });
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      await producer.send({
        topic: names.commands(endpointId),
        messages: [...commands.slice(1, 3).map((command) => canonicalJson(command)), '{"half":'].map((value) => ({ key: endpointId, value })),
      });
      await producer.disconnect();
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      expect(await eventValues(endpointId, 2, 3_000)).toHaveLength(1);
      const committed = await admin.fetchOffsets({ groupId: `${config.topicPrefix}.sequencer.${endpointId}`, topics: [names.commands(endpointId)] });
      expect(committed[0]?.partitions[0]?.offset).toBe('1');
      // Once the topic is back, the restarted worker decides the same records exactly once.
      await admin.createTopics({ topics: [{ topic: names.deadLetters(endpointId), numPartitions: 1, replicationFactor: config.replicationFactor }] });
      const total = 1 + 2 + 1;
      await eventValues(endpointId, total, 40_000);
      const events = await eventValues(endpointId, total + 1, 2_000);
      expect(events).toHaveLength(total);
      expect(events).toEqual(await expectedEvents(endpointId, total));
    } finally {
      await sequencer.stop();
    }
  });

  it('fences an older owner: its open transaction can never reach the event log once a new owner started', async () => {
    const endpointId = testEndpointId('fence');
    await publisher.ensureEndpoint(endpointId);
    const transactionalId = `${config.topicPrefix}.sequencer.${names.commands(endpointId)}-0`;
    const zombie = kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1 });
    await zombie.connect();
    const stale = await zombie.transaction();
    await stale.send({ topic: names.events(endpointId), messages: [{ key: endpointId, value: '{"zombie":true}' }] });

    const sequencer = await startSequencer(config, logger);
    try {
      await publisher.publish(commandsFor(endpointId, 0)[0]!);
      const events = await eventValues(endpointId, 1);
      expect(events).toHaveLength(1);
      await expect(stale.commit()).rejects.toThrow();
      const after = await eventValues(endpointId, 2, 5_000);
      expect(after).toEqual(events);
    } finally {
      await sequencer.stop();
      await zombie.disconnect();
    }
  });
});
