import { randomUUID } from 'node:crypto';
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, Kafka, logLevel, ResourcePatternTypes, type Admin, type LogEntry, type ProducerConfig } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, loadConfig, type KafkaPrincipal } from '@plan-fabric/config';
import { createKafka } from './client';
import { ensureEndpointTopics } from './endpoint-topics';
import { topicNames } from './topics';

/**
 * Kafka enforces who writes where (libs/kafka/src/acl.ts), on the real broker
 * of the test stack, which authenticates with SASL/SCRAM-SHA-512 and refuses
 * whatever no ACL allows. Each refusal is shown next to the allowed twin that
 * proves it is the principal, not the request, that is refused.
 */
const config = loadConfig();
const quiet = createLogger('acl-test', 'error');
const names = topicNames(config.topicPrefix);
const endpointId = `acl-${Date.now().toString(36)}-${randomUUID().slice(0, 4)}`;
const commands = names.commands(endpointId);
const events = names.events(endpointId);
const deadLetters = names.deadLetters(endpointId);
const sequencerTransactionalId = `${config.topicPrefix}.sequencer.${commands}-0`;
const sequencerGroupId = `${config.topicPrefix}.sequencer.${endpointId}`;
let admin: Admin;

beforeAll(async () => {
  expect(config.kafkaAuth.enabled(), 'the test stack must authenticate: no Kafka credentials are configured (scripts/stack.sh up writes them)').toBe(true);
  admin = createKafka(config, 'acl-test-admin', quiet, 'admin').admin();
  await admin.connect();
  await ensureEndpointTopics(admin, config, endpointId);
});

afterAll(async () => {
  await admin?.disconnect();
});

/** Sends one record as `principal`; resolves to null when Kafka took it, else to the error. */
async function produceAs(principal: KafkaPrincipal, topic: string, options: ProducerConfig = { idempotent: true, maxInFlightRequests: 1 }): Promise<Error | null> {
  const producer = createKafka(config, `acl-test-${principal}`, quiet, principal).producer({ allowAutoTopicCreation: false, retry: { retries: 2 }, ...options });
  try {
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ key: endpointId, value: `{"from":"${principal}"}` }] });
    return null;
  } catch (error) {
    return error as Error;
  } finally {
    await producer.disconnect().catch(() => undefined);
  }
}

async function withAdminAs<T>(principal: KafkaPrincipal, fn: (client: Admin) => Promise<T>): Promise<T> {
  const client = createKafka(config, `acl-test-${principal}`, quiet, principal).admin({ retry: { retries: 0 } });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.disconnect().catch(() => undefined);
  }
}

/**
 * A client of `principal` that also collects the error types kafkajs logs at debug level: a refused
 * coordinator lookup (FindCoordinator for a group or a transactional id) is only visible there, kafkajs
 * itself then gives up with "Failed to find group coordinator".
 */
function clientLoggingRefusals(principal: KafkaPrincipal): { kafka: Kafka; refusals: string[] } {
  const refusals: string[] = [];
  const kafka = new Kafka({
    clientId: `acl-test-${principal}`,
    brokers: [...config.kafkaBrokers],
    sasl: { ...config.kafkaAuth.saslFor(principal)! },
    retry: { retries: 1 },
    logLevel: logLevel.DEBUG,
    logCreator: () => (entry: LogEntry) => {
      const type = (entry.log as { error?: { type?: string } }).error?.type;
      if (type !== undefined) refusals.push(type);
    },
  });
  return { kafka, refusals };
}

const typeOf = (error: unknown) => (error as { type?: string } | null)?.type ?? (error as { cause?: { type?: string } } | null)?.cause?.type ?? (error === null ? null : `${(error as Error).name}: ${(error as Error).message}`);

async function endOffset(topic: string): Promise<string> {
  const [partition] = await admin.fetchTopicOffsets(topic);
  return partition?.high ?? '?';
}

describe('Kafka ACLs: who writes where', () => {
  it('a planner writes its endpoint command topic, but writing an event topic is TOPIC_AUTHORIZATION_FAILED', async () => {
    expect(await produceAs('planner', commands)).toBeNull();
    const before = await endOffset(events);
    const refused = await produceAs('planner', events);
    expect(typeOf(refused)).toBe('TOPIC_AUTHORIZATION_FAILED');
    expect(await endOffset(events)).toBe(before);
  });

  it('enactors, janitors and operators are refused event and dead-letter topics too; the sequencer writes both', async () => {
    for (const principal of ['enactor', 'janitor', 'operator'] as const) {
      expect(typeOf(await produceAs(principal, events)), `${principal} → events`).toBe('TOPIC_AUTHORIZATION_FAILED');
      expect(typeOf(await produceAs(principal, deadLetters)), `${principal} → dead letters`).toBe('TOPIC_AUTHORIZATION_FAILED');
    }
    expect(await produceAs('sequencer', events)).toBeNull();
    expect(await produceAs('sequencer', deadLetters)).toBeNull();
  });

  it('the sequencer does not write commands (it only reads them)', async () => {
    expect(typeOf(await produceAs('sequencer', commands))).toBe('TOPIC_AUTHORIZATION_FAILED');
  });

  it('the projector, the dashboard and the audit produce nothing: no idempotent producer id, and no topic', async () => {
    for (const principal of ['projector', 'dashboard', 'audit', 'naive'] as const) {
      for (const topic of [commands, events, deadLetters]) {
        // An idempotent producer needs Write on some topic (or IdempotentWrite) for its producer id: a reader has neither.
        expect(typeOf(await produceAs(principal, topic)), `${principal} → ${topic} (idempotent)`).toBe('CLUSTER_AUTHORIZATION_FAILED');
        expect(typeOf(await produceAs(principal, topic, { idempotent: false })), `${principal} → ${topic}`).toBe('TOPIC_AUTHORIZATION_FAILED');
      }
    }
  });

  it("an actor using the sequencer's transactional id is refused (TRANSACTIONAL_ID_AUTHORIZATION_FAILED); the sequencer gets it", async () => {
    for (const principal of ['planner', 'enactor', 'operator'] as const) {
      const { kafka, refusals: seen } = clientLoggingRefusals(principal);
      const zombie = kafka.producer({ transactionalId: sequencerTransactionalId, idempotent: true, maxInFlightRequests: 1 });
      await zombie.connect();
      try {
        await expect(zombie.transaction()).rejects.toThrow(/coordinator/i);
      } finally {
        await zombie.disconnect();
      }
      expect(seen, principal).toContain('TRANSACTIONAL_ID_AUTHORIZATION_FAILED');
    }
    const sequencer = createKafka(config, 'acl-test-sequencer', quiet, 'sequencer').producer({ transactionalId: sequencerTransactionalId, idempotent: true, maxInFlightRequests: 1 });
    await sequencer.connect();
    try {
      await (await sequencer.transaction()).abort();
    } finally {
      await sequencer.disconnect();
    }
  });

  it("an actor may not read or move the sequencer's consumer group offsets (GROUP_AUTHORIZATION_FAILED); the audit may read them", async () => {
    for (const principal of ['planner', 'janitor', 'projector'] as const) {
      const { kafka, refusals } = clientLoggingRefusals(principal);
      const client = kafka.admin();
      await client.connect();
      try {
        await expect(client.fetchOffsets({ groupId: sequencerGroupId, topics: [commands] })).rejects.toThrow(/coordinator/i);
        await expect(client.setOffsets({ groupId: sequencerGroupId, topic: commands, partitions: [{ partition: 0, offset: '0' }] })).rejects.toThrow();
      } finally {
        await client.disconnect();
      }
      expect(refusals, principal).toContain('GROUP_AUTHORIZATION_FAILED');
      expect(refusals, principal).not.toContain('GROUP_COORDINATOR_NOT_AVAILABLE');
    }
    await withAdminAs('audit', async (audit) => {
      const [topic] = await audit.fetchOffsets({ groupId: sequencerGroupId, topics: [commands] });
      expect(topic?.topic).toBe(commands);
    });
  });

  it('an actor may not delete an event topic, nor grant itself ACLs', async () => {
    await withAdminAs('planner', async (planner) => {
      await expect(planner.deleteTopics({ topics: [events], timeout: 5_000 })).rejects.toMatchObject({ type: 'TOPIC_AUTHORIZATION_FAILED' });
      await expect(
        planner.createAcls({
          acl: [
            {
              resourceType: AclResourceTypes.TOPIC,
              resourceName: events,
              resourcePatternType: ResourcePatternTypes.LITERAL,
              principal: 'User:planner',
              host: '*',
              operation: AclOperationTypes.WRITE,
              permissionType: AclPermissionTypes.ALLOW,
            },
          ],
        }),
      ).rejects.toMatchObject({ type: 'CLUSTER_AUTHORIZATION_FAILED' });
    });
    expect(await admin.listTopics()).toContain(events);
  });

  it('the naive plane sees no topic at all; the projector sees event topics only', async () => {
    expect(await withAdminAs('naive', (naive) => naive.listTopics())).toEqual([]);
    const seen = await withAdminAs('projector', (projector) => projector.listTopics());
    expect(seen).toContain(events);
    expect(seen).not.toContain(commands);
    expect(seen).not.toContain(deadLetters);
  });

  it('a wrong password fails SASL authentication', async () => {
    const kafka = new Kafka({
      clientId: 'acl-test-wrong-password',
      brokers: [...config.kafkaBrokers],
      sasl: { mechanism: 'scram-sha-512', username: 'sequencer', password: `${config.kafkaAuth.saslFor('sequencer')!.password}x` },
      retry: { retries: 0 },
      logLevel: logLevel.NOTHING,
    });
    const client = kafka.admin();
    const failure = await client.connect().then(
      () => null,
      (error: Error) => error,
    );
    await client.disconnect().catch(() => undefined);
    expect(failure?.name).toBe('KafkaJSSASLAuthenticationError');
    expect(failure?.message).toMatch(/SASL SCRAM SHA512 authentication failed.*invalid credentials/);
    // an unknown user fails the same way
    const stranger = new Kafka({ brokers: [...config.kafkaBrokers], sasl: { mechanism: 'scram-sha-512', username: 'mallory', password: 'x' }, retry: { retries: 0 }, logLevel: logLevel.NOTHING }).admin();
    await expect(stranger.connect()).rejects.toMatchObject({ name: 'KafkaJSSASLAuthenticationError' });
    await stranger.disconnect().catch(() => undefined);
  });

  it('a client without SASL (PLAINTEXT) is refused: the broker closes the connection', async () => {
    const client = new Kafka({ brokers: [...config.kafkaBrokers], retry: { retries: 0 }, connectionTimeout: 3_000, requestTimeout: 5_000, logLevel: logLevel.NOTHING }).admin();
    const failure = await client.connect().then(
      () => client.listTopics().then(() => null, (error: Error) => error),
      (error: Error) => error,
    );
    await client.disconnect().catch(() => undefined);
    expect(failure?.name).toMatch(/KafkaJSConnectionClosedError|KafkaJSConnectionError|KafkaJSNonRetriableError/);
  });
});
