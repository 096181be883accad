import { randomUUID } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';

/** One record of a single-partition topic. */
export interface RawRecord {
  readonly offset: number;
  readonly value: Buffer | null;
}

export interface TopicContents {
  readonly records: RawRecord[];
  /** Where reading stopped: the last stable offset (read committed) or the high watermark (read uncommitted). */
  readonly end: number;
  /** The partition's high watermark as the last fetch reported it. */
  readonly highWatermark: number;
}

/**
 * Reads partition 0 of `topic` from its first record to its current end,
 * read committed unless told otherwise. The end is taken when reading starts
 * (the admin's ListOffsets is read committed: the last stable offset); commit
 * and abort markers count as read, so a log ending in a marker is done.
 * Rejects after `timeoutMs` — for a read-committed reader, a transaction left
 * open (hanging) holds the last stable offset back and looks exactly like this.
 */
export async function readWholeTopic(
  kafka: Kafka,
  admin: Admin,
  topic: string,
  options: { readonly readUncommitted?: boolean; readonly timeoutMs: number },
): Promise<TopicContents> {
  const [partition] = await admin.fetchTopicOffsets(topic);
  const stable = Number(partition?.high ?? '0');
  // By offset: a refetch after a rebalance would deliver a record again.
  const records = new Map<number, RawRecord>();
  let highWatermark = stable;
  // Read uncommitted: up to the high watermark, which only a fetch reports; first fetch decides.
  let end = options.readUncommitted === true ? Number.POSITIVE_INFINITY : stable;
  if (end === 0) return { records: [], end: 0, highWatermark };

  const consumer = kafka.consumer({
    groupId: `chaos-audit-${randomUUID()}`,
    readUncommitted: options.readUncommitted === true,
    maxWaitTimeInMs: 100,
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
    retry: { retries: 3 },
  });
  let settle!: (error?: Error) => void;
  const done = new Promise<void>((resolve, reject) => {
    settle = (error) => (error ? reject(error) : resolve());
  });
  const timer = setTimeout(
    () =>
      settle(
        new Error(
          `reading ${topic} (${options.readUncommitted === true ? 'read uncommitted' : 'read committed'}) did not reach offset ${end} within ${options.timeoutMs} ms ` +
            `(read ${records.size} records; high watermark ${highWatermark}) — a transaction left hanging freezes read-committed readers`,
        ),
      ),
    options.timeoutMs,
  );
  try {
    const check = (lastOffset: number, hw: number) => {
      highWatermark = Math.max(highWatermark, hw);
      if (options.readUncommitted === true) end = highWatermark;
      if (lastOffset + 1 >= end) settle();
    };
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => check(Number(payload.lastOffset), Number(payload.highWatermark)));
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) records.set(Number(message.offset), { offset: Number(message.offset), value: message.value });
      },
    });
    await done;
    // A read-uncommitted end is known only from a fetch: keep nothing beyond it.
    const inOrder = [...records.values()].filter((record) => record.offset < end).sort((a, b) => a.offset - b.offset);
    return { records: inOrder, end, highWatermark };
  } finally {
    clearTimeout(timer);
    await consumer.disconnect().catch(() => undefined);
  }
}
