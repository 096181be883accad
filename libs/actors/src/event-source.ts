import { randomUUID } from 'node:crypto';
import type { Consumer, Kafka } from 'kafkajs';
import type { FabricConfig, Logger } from '@plan-fabric/config';
import { parseEvent, type FabricEvent } from '@plan-fabric/domain';
import { topicNames } from '@plan-fabric/kafka';

/** The record an event was read from: its value as written, and its offset in the events topic. */
export interface EventRecord {
  readonly value: string;
  readonly offset: number;
}

export type EventHandler = (event: FabricEvent, record: EventRecord) => void;

/** Delivers one endpoint's events, from the first, in order. */
export interface EventSource {
  /** Subscribes and resolves once the source is reading; `onEvent` is called for every event, in log order. */
  start(onEvent: EventHandler): Promise<void>;
  stop(): Promise<void>;
}

export interface KafkaEventSourceOptions {
  /** Names the consumer; a random suffix keeps every process its own group that starts at the beginning. */
  readonly clientName: string;
  /** Longest wait for joining the consumer group. */
  readonly joinTimeoutMs?: number;
  /** Called when the consumer stops for good (a non-retriable crash): the actor can no longer follow decisions. */
  readonly onFatal?: (error: unknown) => void;
}

/**
 * Reads events.<endpoint> with read_committed isolation (only events of
 * committed sequencer transactions) from the beginning, parsing each record
 * against its schema. It never commits offsets: an actor rebuilds its state
 * from the whole log on every start, so its consumer group is private to the
 * process and `fromBeginning` always applies.
 */
export class KafkaEventSource implements EventSource {
  private readonly consumer: Consumer;
  private readonly topic: string;

  constructor(
    kafka: Kafka,
    config: FabricConfig,
    private readonly endpointId: string,
    private readonly logger: Logger,
    private readonly options: KafkaEventSourceOptions,
  ) {
    this.topic = topicNames(config.topicPrefix).events(endpointId);
    this.consumer = kafka.consumer({
      groupId: `${config.topicPrefix}.actor.${options.clientName}.${endpointId}.${randomUUID()}`,
      readUncommitted: false,
      allowAutoTopicCreation: false,
      // Short long-polls: decisions reach actors within a few ms and shutdown does not wait for a 5 s fetch.
      maxWaitTimeInMs: 250,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
    });
  }

  async start(onEvent: EventHandler): Promise<void> {
    const joinTimeoutMs = this.options.joinTimeoutMs ?? 30_000;
    let joined!: () => void;
    const joinedPromise = new Promise<void>((resolve) => (joined = resolve));
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => joined());
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      this.logger.error('event consumer crashed', { endpointId: this.endpointId, error: payload.error, restart: payload.restart });
      if (!payload.restart) this.options.onFatal?.(payload.error);
    });
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachMessage: async ({ message, partition }) => {
        if (message.value === null) {
          this.logger.warn('event record without a value skipped', { topic: this.topic, partition, offset: message.offset });
          return;
        }
        try {
          const value = message.value.toString('utf8');
          onEvent(parseEvent(value), { value, offset: Number(message.offset) });
        } catch (error) {
          // A record that is not an event, or an event out of order: the actor cannot know the decided state.
          this.logger.error('cannot follow the events log', { topic: this.topic, offset: message.offset, error });
          this.options.onFatal?.(error);
          throw error;
        }
      },
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no consumer group join on ${this.topic} within ${joinTimeoutMs} ms — is Kafka up (bash scripts/stack.sh status)?`)),
        joinTimeoutMs,
      );
    });
    try {
      await Promise.race([joinedPromise, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }
}
