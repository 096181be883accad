import type { Admin, Kafka } from 'kafkajs';
import type { Logger } from '@plan-fabric/config';
import { assertStep, evolve, initialState, parseEvent, type EndpointState } from '@plan-fabric/domain';

/** Bounds of a state rebuild. */
export interface RebuildLimits {
  /** Give up (and let the worker restart) if the log is not read to its end by then. */
  readonly rebuildTimeoutMs: number;
}

/**
 * Folds an endpoint's event log, read committed, from its first record to its
 * end, into the endpoint's state. The end is the partition's high watermark
 * taken after our transactional producer was initialized, so no transaction of
 * ours is open and the watermark is also the last stable offset; control
 * records (commit and abort markers) count as read, so a log ending in a
 * marker is done.
 */
export async function readEndpointState(
  kafka: Kafka,
  admin: Admin,
  topic: string,
  endpointId: string,
  groupId: string,
  limits: RebuildLimits,
  logger: Logger,
): Promise<EndpointState> {
  const [partition] = await admin.fetchTopicOffsets(topic);
  const end = Number(partition?.high ?? '0');
  let state = initialState(endpointId);
  if (end === 0) return state;

  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
  let settle!: (error?: Error) => void;
  const done = new Promise<void>((resolve, reject) => {
    settle = (error) => (error ? reject(error) : resolve());
  });
  const timer = setTimeout(
    () => settle(new Error(`rebuilding ${endpointId} from ${topic} did not reach offset ${end} in ${limits.rebuildTimeoutMs} ms; is the broker healthy? a transaction left hanging freezes read-committed readers (kafka-transactions.sh --find-hanging)`)),
    limits.rebuildTimeoutMs,
  );
  try {
    // kafkajs does not call eachBatch for a fetch that held only commit/abort markers or aborted
    // records, but it reports every batch's last offset here, markers included.
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      if (Number(payload.lastOffset) + 1 >= end) settle();
    });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        try {
          for (const message of batch.messages) {
            if (message.value === null) throw new Error(`event record at offset ${message.offset} of ${topic} has no value`);
            // Checked like every decision: an edited, reordered or cut log (the hash chain) stops the rebuild.
            const before = state;
            const event = parseEvent(message.value.toString('utf8'));
            state = evolve(before, event);
            assertStep({ before, event, after: state });
          }
        } catch (error) {
          settle(error as Error);
        }
      },
    });
    await done;
    logger.info('state rebuilt from event log', { endpointId, topic, events: state.nextSeq - 1, endOffset: end });
    return state;
  } finally {
    clearTimeout(timer);
    await consumer.disconnect().catch(() => undefined);
  }
}
