import { Partitioners, type Admin, type Consumer, type EachBatchPayload, type Kafka, type Producer } from 'kafkajs';
import type { Logger } from '@plan-fabric/config';
import { assertStep, canonicalJson, sequence, type Authority, type EndpointState, type FabricEvent } from '@plan-fabric/domain';
import { readEndpointState } from './event-log-reader';

export interface SequencerLimits {
  /** Command records decided in one Kafka transaction. */
  readonly transactionRecordsMax: number;
  /** Broker-side bound on an open transaction; a late commit fails and the worker restarts. */
  readonly transactionTimeoutMs: number;
  readonly sessionTimeoutMs: number;
  readonly rebuildTimeoutMs: number;
  /** Wait before a failed worker starts again. */
  readonly restartDelayMs: number;
  /** Fault injection only (`fabric chaos`), 0 = off: hold each transaction open this long before its commit. */
  readonly faultPauseBeforeCommitMs: number;
}

export const DEFAULT_SEQUENCER_LIMITS: SequencerLimits = {
  transactionRecordsMax: 500,
  transactionTimeoutMs: 30_000,
  sessionTimeoutMs: 10_000,
  rebuildTimeoutMs: 60_000,
  restartDelayMs: 1_000,
  faultPauseBeforeCommitMs: 0,
};

export interface EndpointTopics {
  readonly endpointId: string;
  readonly commands: string;
  readonly events: string;
  readonly deadLetters: string;
  /** Consumer group of the endpoint's command partition: one owner at a time. */
  readonly groupId: string;
  /**
   * Tied to the command partition, never to the process: a new owner initializes
   * the same id, which fences a paused or partitioned old owner.
   */
  readonly transactionalId: string;
  /** Group for reading the event log on (re)assignment; unique per process. */
  readonly rebuildGroupId: string;
}

/** Something the sequencer reports per committed transaction (metrics, tests). */
export interface CommittedBatch {
  readonly endpointId: string;
  readonly events: readonly FabricEvent[];
  readonly nextCommandOffset: number;
  /** From beginning the Kafka transaction to its commit (metrics). */
  readonly transactionSeconds?: number;
}

/**
 * The only writer of one endpoint's state. Reads the command partition in
 * order and, per transaction, writes the decided events, dead-letter copies
 * of malformed records, and the consumed offset, or nothing at all.
 *
 * Crash-only: after any failure of a transaction (fenced, broker gone, timeout)
 * the worker throws its producer, consumer and in-memory state away and starts
 * again from what Kafka committed; it never carries on past a lost write.
 */
export class EndpointSequencer {
  private consumer: Consumer | null = null;
  private producer: Producer | null = null;
  /** Null until rebuilt for the current assignment. */
  private state: EndpointState | null = null;
  private stopped = false;
  /** Set when a transaction failed: batches still in flight are ignored until the restart. */
  private failed = false;
  private restarting: Promise<void> | null = null;
  /** Where the first events of this assignment must land: the events log's end when state was rebuilt. */
  private firstEventsOffset: number | null = null;

  constructor(
    private readonly kafka: Kafka,
    private readonly admin: Admin,
    private readonly topics: EndpointTopics,
    private readonly limits: SequencerLimits,
    /** The trust roots and signature check every command is authenticated with. */
    private readonly authority: Authority,
    private readonly logger: Logger,
    private readonly onCommitted: (batch: CommittedBatch) => void = () => undefined,
  ) {}

  async start(): Promise<void> {
    this.stopped = false;
    this.failed = false;
    const consumer = this.kafka.consumer({
      groupId: this.topics.groupId,
      sessionTimeout: this.limits.sessionTimeoutMs,
      heartbeatInterval: Math.floor(this.limits.sessionTimeoutMs / 5),
      maxWaitTimeInMs: 50,
      retry: { retries: 3 },
    });
    this.consumer = consumer;
    // A new assignment must rebuild state before deciding: another owner may have written meanwhile.
    consumer.on(consumer.events.GROUP_JOIN, () => {
      this.state = null;
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.logger.error('command consumer crashed', { endpointId: this.topics.endpointId, error: payload.error, restart: payload.restart });
      // kafkajs restarts the consumer itself when the error is retriable; otherwise we do.
      if (!payload.restart) this.scheduleRestart();
    });
    await consumer.connect();
    await consumer.subscribe({ topic: this.topics.commands, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.onBatch(payload),
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.teardown();
  }

  private async onBatch({ batch, heartbeat, isRunning, isStale, resolveOffset }: EachBatchPayload): Promise<void> {
    if (this.failed) return;
    try {
      if (this.state === null) await this.prepareAssignment();
      let index = 0;
      while (index < batch.messages.length && isRunning() && !isStale()) {
        const chunk = batch.messages.slice(index, index + this.limits.transactionRecordsMax);
        index += chunk.length;
        const last = await this.decideAndCommit(chunk);
        if (last !== null) resolveOffset(last);
        await heartbeat().catch((error: unknown) => {
          throw isRebalance(error) ? new RebalanceAfterCommit(error) : error;
        });
      }
    } catch (error) {
      // The transaction committed; the group is rebalancing. kafkajs rejoins (and GROUP_JOIN makes the next
      // batch rebuild state); restarting the worker here would leave and rejoin the group, starting another rebalance.
      if (error instanceof RebalanceAfterCommit) throw error.cause;
      this.logger.error('transaction failed; restarting the worker from committed state', {
        endpointId: this.topics.endpointId,
        error,
      });
      // Stop here: nothing after the failed transaction may be committed over it.
      this.failed = true;
      this.scheduleRestart();
    }
  }

  /** Fences any earlier owner, then folds the event log into state. */
  private async prepareAssignment(): Promise<void> {
    // A rejoin without a failure keeps the worker: drop the producer of the previous assignment.
    await this.producer?.disconnect().catch(() => undefined);
    this.producer = null;
    const producer = this.kafka.producer({
      transactionalId: this.topics.transactionalId,
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: this.limits.transactionTimeoutMs,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    // kafkajs initializes the transactional producer id lazily: begin and drop an empty
    // transaction so InitProducerId (and with it the fencing of an old owner) happens now.
    await (await producer.transaction()).abort();
    this.producer = producer;
    // Read committed, the log ends here (its last stable offset); after the fencing above no transaction
    // may be open, so the first events this assignment sends must land exactly here (see decideAndCommit).
    const [events] = await this.admin.fetchTopicOffsets(this.topics.events);
    this.firstEventsOffset = Number(events?.high ?? '0');
    this.state = await readEndpointState(
      this.kafka,
      this.admin,
      this.topics.events,
      this.topics.endpointId,
      this.topics.rebuildGroupId,
      { rebuildTimeoutMs: this.limits.rebuildTimeoutMs },
      this.logger,
    );
  }

  /** Decides a run of records in one transaction; returns the last offset consumed, or null if all were already decided. */
  private async decideAndCommit(messages: EachBatchPayload['batch']['messages']): Promise<string | null> {
    const producer = this.producer;
    let state = this.state;
    if (producer === null || state === null) throw new Error('decideAndCommit before prepareAssignment');
    const events: FabricEvent[] = [];
    const deadLetters: { offset: string; value: Buffer | null; detail: string }[] = [];
    let last: string | null = null;
    for (const message of messages) {
      const offset = Number(message.offset);
      // Records below the state's next offset already have outcomes (a redelivery after a lost offset commit).
      if (offset < state.nextCommandOffset) continue;
      const before = state;
      const step = sequence(before, { offset, value: message.value === null ? null : message.value.toString('utf8') }, this.authority);
      assertStep({ before, event: step.event, after: step.state });
      if (step.event.type === 'CommandRejected' && step.event.data.reason === 'MALFORMED') {
        deadLetters.push({ offset: message.offset, value: message.value, detail: step.event.data.detail });
      }
      events.push(step.event);
      state = step.state;
      last = message.offset;
    }
    if (last === null) return null;

    const transactionStartedAt = performance.now();
    const transaction = await producer.transaction();
    try {
      const [sent] = await transaction.send({
        topic: this.topics.events,
        acks: -1,
        messages: events.map((event) => ({
          key: this.topics.endpointId,
          value: canonicalJson(event),
          headers: { type: event.type },
        })),
      });
      if (this.firstEventsOffset !== null) {
        const landedAt = Number(sent?.baseOffset);
        if (landedAt !== this.firstEventsOffset) throw new HangingTransaction(this.topics.events, this.firstEventsOffset, landedAt);
        this.firstEventsOffset = null;
      }
      if (deadLetters.length > 0) {
        await transaction.send({
          topic: this.topics.deadLetters,
          acks: -1,
          messages: deadLetters.map(({ offset, value, detail }) => ({
            key: this.topics.endpointId,
            value,
            headers: { sourceTopic: this.topics.commands, sourceOffset: offset, reason: 'MALFORMED', detail },
          })),
        });
      }
      await transaction.sendOffsets({
        consumerGroupId: this.topics.groupId,
        topics: [{ topic: this.topics.commands, partitions: [{ partition: 0, offset: String(Number(last) + 1) }] }],
      });
      if (this.limits.faultPauseBeforeCommitMs > 0) {
        this.logger.info('fault hook: transaction open, pausing before commit', { events: events.length, lastCommandOffset: Number(last) });
        await new Promise((resolve) => setTimeout(resolve, this.limits.faultPauseBeforeCommitMs));
      }
      await transaction.commit();
    } catch (error) {
      await transaction.abort().catch(() => undefined);
      throw error;
    }
    this.state = state;
    const transactionSeconds = (performance.now() - transactionStartedAt) / 1000;
    this.onCommitted({ endpointId: this.topics.endpointId, events, nextCommandOffset: state.nextCommandOffset, transactionSeconds });
    this.logger.debug('committed', { endpointId: this.topics.endpointId, events: events.length, nextCommandOffset: state.nextCommandOffset });
    return last;
  }

  private scheduleRestart(): void {
    if (this.stopped || this.restarting !== null) return;
    this.restarting = (async () => {
      await this.teardown();
      await new Promise((resolve) => setTimeout(resolve, this.limits.restartDelayMs));
      this.restarting = null;
      if (this.stopped) return;
      await this.start().catch((error: unknown) => {
        this.logger.error('worker restart failed; trying again', { endpointId: this.topics.endpointId, error });
        this.scheduleRestart();
      });
    })();
  }

  private async teardown(): Promise<void> {
    const consumer = this.consumer;
    const producer = this.producer;
    this.consumer = null;
    this.producer = null;
    this.state = null;
    await consumer?.disconnect().catch(() => undefined);
    await producer?.disconnect().catch(() => undefined);
  }
}

/** A rebalance reported by the heartbeat after a transaction committed. */
class RebalanceAfterCommit extends Error {
  constructor(override readonly cause: unknown) {
    super('the group is rebalancing (after a committed transaction)');
  }
}

function isRebalance(error: unknown): boolean {
  const type = (error as { type?: unknown } | null)?.type;
  return type === 'REBALANCE_IN_PROGRESS' || type === 'ILLEGAL_GENERATION' || type === 'UNKNOWN_MEMBER_ID' || type === 'NOT_COORDINATOR_FOR_GROUP';
}

/**
 * The events log held records past its last stable offset when state was rebuilt: a transaction the
 * coordinator no longer tracks (a broker restart in the middle of EndTxn can lose its commit marker).
 * Kafka would make those records visible with this producer's next commit — decisions the rebuilt state
 * does not contain, so the same commands would be decided twice. Aborting instead aborts them too (they
 * belong to this producer id's open transaction on the partition); the worker then restarts from the
 * committed log and decides those commands once.
 */
class HangingTransaction extends Error {
  constructor(topic: string, expected: number, landedAt: number) {
    super(
      `${topic}: the first events of this assignment landed at offset ${landedAt}, not at the log's last stable offset ${expected}: ` +
        `records ${expected}..${landedAt - 1} belong to a transaction left open without its marker (hanging); aborting it with ours`,
    );
    this.name = 'HangingTransaction';
  }
}
