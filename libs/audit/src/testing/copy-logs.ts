import { Partitioners, type Admin, type Kafka } from 'kafkajs';
import type { FabricConfig } from '@plan-fabric/config';
import { ensureEndpointTopics, topicNames } from '@plan-fabric/kafka';
import { sequencerGroupId } from '../audit-run';
import type { LogRecord } from '../checks';
import { committedOffset, readWholeTopic } from '../topic-reader';

export interface LogTamper {
  readonly commands?: (records: readonly LogRecord[]) => readonly LogRecord[];
  readonly events?: (records: readonly LogRecord[]) => readonly LogRecord[];
}

/**
 * Copies an endpoint's command and event logs from topics under one prefix to
 * new topics under another, passing each through `tamper` on the way, and
 * gives the copy the sequencer's committed offset of the original: a copy the
 * audit reads exactly as it reads the original, and the original untouched.
 */
export async function copyEndpointLogs(
  kafka: Kafka,
  admin: Admin,
  config: FabricConfig,
  endpointId: string,
  toPrefix: string,
  tamper: LogTamper = {},
): Promise<void> {
  const from = topicNames(config.topicPrefix);
  const to = topicNames(toPrefix);
  const limits = { readTimeoutMs: 60_000, progressEvery: 0 };
  const commands = await readWholeTopic(kafka, admin, from.commands(endpointId), limits);
  const events = await readWholeTopic(kafka, admin, from.events(endpointId), limits);
  const offset = await committedOffset(admin, sequencerGroupId(config.topicPrefix, endpointId), from.commands(endpointId));
  await ensureEndpointTopics(admin, { ...config, topicPrefix: toPrefix }, endpointId);
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    const write = async (topic: string, records: readonly LogRecord[]) => {
      if (records.length === 0) return;
      await producer.send({ topic, acks: -1, messages: records.map((record) => ({ key: endpointId, value: record.value })) });
    };
    await write(to.commands(endpointId), (tamper.commands ?? ((records) => records))(commands.records));
    await write(to.events(endpointId), (tamper.events ?? ((records) => records))(events.records));
  } finally {
    await producer.disconnect();
  }
  if (offset !== null) {
    await admin.setOffsets({ groupId: sequencerGroupId(toPrefix, endpointId), topic: to.commands(endpointId), partitions: [{ partition: 0, offset: String(offset) }] });
  }
}
