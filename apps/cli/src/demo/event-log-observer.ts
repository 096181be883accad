import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { FabricConfig, Logger } from '@plan-fabric/config';
import { KafkaEventSource, sleep, type EventRecord } from '@plan-fabric/actors';
import {
  checkStep,
  evolve,
  initialState,
  type EndpointState,
  type FabricEvent,
  type CommandRecord,
  type InvariantViolation,
} from '@plan-fabric/domain';
import { topicNames } from '@plan-fabric/kafka';

/**
 * Follows an endpoint's events topic from the first event (read committed),
 * folds it, and re-checks every step with the domain's checkStep — the
 * invariants 1 to 5 as seen from outside the sequencer.
 */
export class EventLogObserver {
  readonly events: FabricEvent[] = [];
  /** The records the events were read from, as the sequencer wrote them. */
  readonly records: EventRecord[] = [];
  readonly violations: InvariantViolation[] = [];
  private current: EndpointState;
  private readonly source: KafkaEventSource;

  constructor(
    private readonly kafka: Kafka,
    private readonly config: FabricConfig,
    private readonly endpointId: string,
    logger: Logger,
    private readonly onEvent: (event: FabricEvent, state: EndpointState) => void = () => undefined,
    /** Reads the command log (an audit: actors may write commands, not read them); the events client when not given. */
    private readonly auditKafka: Kafka = kafka,
  ) {
    this.current = initialState(endpointId);
    this.source = new KafkaEventSource(kafka, config, endpointId, logger, { clientName: 'demo-observer' });
  }

  get state(): EndpointState {
    return this.current;
  }

  start(): Promise<void> {
    return this.source.start((event, record) => this.fold(event, record));
  }

  stop(): Promise<void> {
    return this.source.stop();
  }

  async waitUntil(condition: (state: EndpointState) => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition(this.current)) {
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} on endpoint '${this.endpointId}'`);
      await sleep(20);
    }
  }

  /**
   * Waits until every record of the command topic has its outcome in the
   * events read (the events topic's own high watermark would not do: it ends
   * with transaction markers). Returns the number of command records.
   */
  async waitForAllOutcomes(timeoutMs: number): Promise<number> {
    const records = await this.commandCount();
    await this.waitUntil((state) => state.nextCommandOffset >= records, timeoutMs, `the outcomes of all ${records} commands`);
    return records;
  }

  /** The endpoint's command log, record by record, as the sequencer read it (for a replay: invariant 6). */
  async readCommandLog(timeoutMs: number): Promise<CommandRecord[]> {
    const count = await this.commandCount();
    const records: CommandRecord[] = [];
    if (count === 0) return records;
    const consumer = this.auditKafka.consumer({ groupId: `${this.config.topicPrefix}.audit.demo-${this.endpointId}.${randomUUID()}`, maxWaitTimeInMs: 250 });
    let finish!: () => void;
    const done = new Promise<void>((resolve) => (finish = resolve));
    try {
      await consumer.connect();
      await consumer.subscribe({ topic: topicNames(this.config.topicPrefix).commands(this.endpointId), fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachMessage: async ({ message }) => {
          const offset = Number(message.offset);
          if (offset >= records.length) records.push({ offset, value: message.value === null ? null : message.value.toString('utf8') });
          if (records.length >= count) finish();
        },
      });
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        done,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`read ${records.length} of ${count} command records within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]).finally(() => clearTimeout(timer));
      return records;
    } finally {
      await consumer.disconnect();
    }
  }

  /** Records in the command topic: it is written without transactions, so its high watermark is its record count. */
  private async commandCount(): Promise<number> {
    const admin = this.auditKafka.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(topicNames(this.config.topicPrefix).commands(this.endpointId));
      return Number(offsets.find((offset) => offset.partition === 0)?.high ?? 0);
    } finally {
      await admin.disconnect();
    }
  }

  private fold(event: FabricEvent, record: EventRecord): void {
    // A redelivered event (a consumer restart) was already checked.
    if (event.seq < this.current.nextSeq) return;
    const before = this.current;
    const after = evolve(before, event);
    this.violations.push(...checkStep({ before, event, after }));
    this.events.push(event);
    this.records.push(record);
    this.current = after;
    this.onEvent(event, after);
  }
}
