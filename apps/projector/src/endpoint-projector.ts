import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import type { Logger } from '@plan-fabric/config';
import { projectedOffset, type ProjectionWriter } from '@plan-fabric/db';
import type { ProjectedBatch } from './projector-metrics';

export interface ProjectorSettings {
  /** First wait after a failed batch; doubles per consecutive failure up to retryMaxMs. */
  readonly retryInitialMs: number;
  readonly retryMaxMs: number;
  readonly sessionTimeoutMs: number;
  /** Longest a fetch waits at the end of the log (also bounds how long stop waits for a fetch). */
  readonly fetchMaxWaitMs: number;
  /** How often the topic list is scanned for new endpoints. */
  readonly topicScanIntervalMs: number;
  /** Wait before a consumer that crashed for good is started again. */
  readonly restartDelayMs: number;
  /** Fault injection only (`fabric chaos`), 0 = off: after a batch's rows are written, wait this long before COMMIT. */
  readonly faultPauseBeforeCommitMs: number;
}

export const DEFAULT_PROJECTOR_SETTINGS: ProjectorSettings = {
  retryInitialMs: 500,
  retryMaxMs: 30_000,
  sessionTimeoutMs: 30_000,
  fetchMaxWaitMs: 500,
  topicScanIntervalMs: 500,
  restartDelayMs: 1_000,
  faultPauseBeforeCommitMs: 0,
};

export interface EndpointEvents {
  readonly endpointId: string;
  /** The endpoint's events topic (one partition). */
  readonly topic: string;
  readonly groupId: string;
}

/**
 * Folds one endpoint's events topic into Postgres. Postgres is the truth
 * about progress: on each assignment the consumer is positioned at the stored
 * next_offset (even backwards, after a rebuild), a failed batch is retried
 * from there after a back-off, and the Kafka offset commit after a batch is
 * only a hint for the next start.
 */
export class EndpointProjector {
  private consumer: Consumer | null = null;
  private stopped = false;
  /** False until the current assignment has been positioned at the stored offset. */
  private positioned = false;
  private positioning: Promise<void> = Promise.resolve();
  private failures = 0;
  private readonly wakers = new Set<() => void>();
  private restarting: Promise<void> | null = null;

  constructor(
    private readonly kafka: Kafka,
    private readonly pool: Pool,
    private readonly writer: ProjectionWriter,
    private readonly events: EndpointEvents,
    private readonly settings: ProjectorSettings,
    private readonly logger: Logger,
    /** Hears every batch committed to Postgres (metrics). */
    private readonly onProjected: (batch: ProjectedBatch) => void = () => undefined,
  ) {}

  async start(): Promise<void> {
    this.stopped = false;
    const consumer = this.kafka.consumer({
      groupId: this.events.groupId,
      readUncommitted: false, // only committed sequencer transactions; aborted events never reach the tables
      allowAutoTopicCreation: false,
      sessionTimeout: this.settings.sessionTimeoutMs,
      heartbeatInterval: Math.floor(this.settings.sessionTimeoutMs / 5),
      maxWaitTimeInMs: this.settings.fetchMaxWaitMs,
    });
    this.consumer = consumer;
    // Position every new assignment at the offset Postgres holds. It cannot wait for a first batch: when
    // Kafka's committed offset is ahead (a rebuilt projection) there may never be one.
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      this.positioned = false;
      const partitions = payload.memberAssignment[this.events.topic] ?? [];
      this.positioning = this.position(consumer, partitions);
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.logger.error('events consumer crashed', { ...this.where(), error: payload.error, restart: payload.restart });
      // kafkajs restarts the consumer itself after a retriable error; after any other we do.
      if (!payload.restart) this.scheduleRestart();
    });
    await consumer.connect();
    await consumer.subscribe({ topic: this.events.topic, fromBeginning: true });
    await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: (payload) => this.onBatch(payload) });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const wake of [...this.wakers]) wake();
    // A restart in progress finishes first, so the consumer it starts is the one stopped here.
    await this.restarting;
    const consumer = this.consumer;
    this.consumer = null;
    await consumer?.disconnect().catch((error: unknown) => this.logger.warn('consumer disconnect failed', { ...this.where(), error }));
  }

  private async onBatch({ batch, resolveOffset, commitOffsetsIfNecessary, isRunning, isStale }: EachBatchPayload): Promise<void> {
    if (this.stopped || !isRunning() || isStale() || batch.messages.length === 0) return;
    const { partition } = batch;
    const consumer = this.consumer;
    if (consumer === null) return;
    const firstOffset = Number(batch.firstOffset());
    const lastOffset = Number(batch.messages[batch.messages.length - 1]?.offset);
    await this.positioning;
    if (isStale()) return; // fetched before the seek: kafkajs fetches again from the stored offset
    try {
      if (!this.positioned) {
        // Positioning at the join failed (Postgres unreachable?): do it now, on the first batch.
        const stored = (await projectedOffset(this.pool, this.events.topic, partition)) ?? 0;
        this.positioned = true;
        if (firstOffset !== stored) {
          this.logger.info('positioning at the offset stored in Postgres', { ...this.where(partition), fetchedFrom: firstOffset, storedNext: stored });
          consumer.seek({ topic: this.events.topic, partition, offset: String(stored) });
          return;
        }
      }
      const result = await this.writer.applyBatch(
        this.events.topic,
        partition,
        batch.messages.map((message) => ({ offset: Number(message.offset), value: message.value?.toString('utf8') ?? null })),
      );
      this.failures = 0;
      resolveOffset(String(lastOffset));
      this.onProjected({
        endpointId: this.events.endpointId,
        topic: this.events.topic,
        partition,
        applied: result.applied,
        nextOffset: result.nextOffset,
        consumedThrough: Number(batch.lastOffset()) + 1,
      });
      this.logger.info('events batch projected', {
        ...this.where(partition),
        firstOffset,
        lastOffset,
        applied: result.applied,
        skipped: result.skipped,
        nextOffset: result.nextOffset,
        lastEventSeq: result.endpoints[0]?.lastEventSeq,
      });
      try {
        await commitOffsetsIfNecessary({
          topics: [{ topic: this.events.topic, partitions: [{ partition, offset: String(result.nextOffset) }] }],
        });
      } catch (error) {
        this.logger.warn('committing the offset to Kafka failed; harmless, Postgres holds the position', {
          ...this.where(partition),
          nextOffset: result.nextOffset,
          error,
        });
      }
    } catch (error) {
      this.failures++;
      const retryInMs = Math.min(this.settings.retryMaxMs, this.settings.retryInitialMs * 2 ** Math.min(this.failures - 1, 20));
      this.logger.error('projecting an events batch failed; its transaction did not commit, retrying from the offset stored in Postgres', {
        ...this.where(partition),
        firstOffset,
        lastOffset,
        attempt: this.failures,
        retryInMs,
        error,
        whatToDo:
          'a failure that repeats means the events log or the fabric.* tables are not what the projector expects: ' +
          'read the error, fix the cause (audit the events topic, or rebuild the projection); the projector never skips an event',
      });
      await this.pause(retryInMs);
      if (this.stopped) return;
      // Rewind to what Postgres holds; nothing after the failed batch is resolved or committed.
      const stored = await projectedOffset(this.pool, this.events.topic, partition).catch(() => null);
      consumer.seek({ topic: this.events.topic, partition, offset: String(stored ?? firstOffset) });
    }
  }

  private async position(consumer: Consumer, partitions: readonly number[]): Promise<void> {
    try {
      for (const partition of partitions) {
        const stored = (await projectedOffset(this.pool, this.events.topic, partition)) ?? 0;
        // Seek works only for assigned partitions: right after the join they are.
        consumer.seek({ topic: this.events.topic, partition, offset: String(stored) });
        this.logger.info('positioned at the offset stored in Postgres', { ...this.where(partition), storedNext: stored });
      }
      this.positioned = true;
    } catch (error) {
      this.logger.warn('reading the stored offset failed; positioning on the first batch instead', { ...this.where(), error });
    }
  }

  /** Waits `ms`, or less if the projector stops meanwhile. */
  private pause(ms: number): Promise<void> {
    return new Promise<void>((done) => {
      const finish = () => {
        clearTimeout(timer);
        this.wakers.delete(finish);
        done();
      };
      const timer = setTimeout(finish, ms);
      this.wakers.add(finish);
    });
  }

  private scheduleRestart(): void {
    if (this.stopped || this.restarting !== null) return;
    this.restarting = (async () => {
      const consumer = this.consumer;
      this.consumer = null;
      await consumer?.disconnect().catch(() => undefined);
      for (;;) {
        await this.pause(this.settings.restartDelayMs);
        if (this.stopped) return;
        try {
          await this.start();
          return;
        } catch (error) {
          this.logger.error('restarting the events consumer failed; trying again', { ...this.where(), error });
          const failed = this.consumer as Consumer | null; // start() may have set it before failing
          this.consumer = null;
          await failed?.disconnect().catch(() => undefined);
        }
      }
    })().finally(() => {
      this.restarting = null;
    });
  }

  private where(partition?: number): Record<string, unknown> {
    return { endpointId: this.events.endpointId, topic: this.events.topic, ...(partition === undefined ? {} : { partition }) };
  }
}
