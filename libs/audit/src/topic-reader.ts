import { randomUUID } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import type { LogRecord } from './checks';

export interface TopicContents {
  readonly records: LogRecord[];
  /** The partition's first offset: above 0 when records were deleted (retention), which makes a replay impossible. */
  readonly start: number;
  /** Where reading stopped: the last stable offset when reading began. */
  readonly end: number;
}

export interface ReadLimits {
  /** Give up if the topic is not read to its end by then. */
  readonly readTimeoutMs: number;
  /** Call onProgress every this many records (0: never). */
  readonly progressEvery: number;
  readonly onProgress?: (read: number, end: number) => void;
  /** The throwaway consumer group's name starts with this (the audit principal may use `<prefix>.audit.` groups). */
  readonly groupPrefix?: string;
}

/**
 * Reads partition 0 of `topic`, read committed, from its first record to the
 * last stable offset taken when reading starts. kafkajs does not call
 * eachBatch for a fetch that held only commit/abort markers or aborted
 * records, but it reports every batch's last offset in END_BATCH_PROCESS,
 * markers included: that is how a log ending in a marker is known to be done.
 * A throwaway consumer group, nothing committed.
 */
export async function readWholeTopic(kafka: Kafka, admin: Admin, topic: string, limits: ReadLimits): Promise<TopicContents> {
  const [partition] = await admin.fetchTopicOffsets(topic);
  const end = Number(partition?.high ?? '0');
  const start = Number(partition?.low ?? '0');
  // By offset: a refetch after a rebalance would deliver a record again.
  const records = new Map<number, LogRecord>();
  if (end <= start) return { records: [], start, end };

  const consumer = kafka.consumer({
    groupId: `${limits.groupPrefix ?? 'planfabric-audit-'}${randomUUID()}`,
    maxWaitTimeInMs: 100,
    sessionTimeout: 30_000,
    heartbeatInterval: 3_000,
    maxBytesPerPartition: 4 * 1024 * 1024,
    retry: { retries: 5 },
  });
  let settle!: (error?: Error) => void;
  const done = new Promise<void>((resolve, reject) => {
    settle = (error) => (error ? reject(error) : resolve());
  });
  const timer = setTimeout(
    () =>
      settle(
        new Error(
          `reading ${topic} did not reach offset ${end} within ${limits.readTimeoutMs} ms (read ${records.size} records); ` +
            'is the broker healthy? a transaction left hanging freezes read-committed readers (kafka-transactions.sh --find-hanging); a long log may need --read-timeout-ms',
        ),
      ),
    limits.readTimeoutMs,
  );
  let nextReport = limits.progressEvery;
  try {
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      if (Number(payload.lastOffset) + 1 >= end) settle();
    });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) {
          const offset = Number(message.offset);
          if (offset >= end) continue;
          records.set(offset, { offset, value: message.value === null ? null : message.value.toString('utf8') });
        }
        if (limits.progressEvery > 0 && limits.onProgress !== undefined && records.size >= nextReport) {
          limits.onProgress(records.size, end);
          nextReport = (Math.floor(records.size / limits.progressEvery) + 1) * limits.progressEvery;
        }
      },
    });
    await done;
    return { records: [...records.values()].sort((a, b) => a.offset - b.offset), start, end };
  } finally {
    clearTimeout(timer);
    await consumer.disconnect().catch(() => undefined);
  }
}

/** The offset a consumer group committed on partition 0 of `topic`; null if it never committed one. */
export async function committedOffset(admin: Admin, groupId: string, topic: string): Promise<number | null> {
  const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
  const offset = Number(entry?.partitions.find((partition) => partition.partition === 0)?.offset ?? '-1');
  return Number.isSafeInteger(offset) && offset >= 0 ? offset : null;
}
