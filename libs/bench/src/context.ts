import type { Admin, Kafka, Producer } from 'kafkajs';
import { Partitioners } from 'kafkajs';
import type { Pool } from 'pg';
import type { FabricConfig, Logger } from '@plan-fabric/config';
import type { ProjectionWriter } from '@plan-fabric/db';
import type { EndpointState } from '@plan-fabric/domain';

/** What the sequencer's EndpointSequencer is given (apps/sequencer EndpointTopics). */
export interface SequencerTopicsSpec {
  readonly endpointId: string;
  readonly commands: string;
  readonly events: string;
  readonly deadLetters: string;
  readonly groupId: string;
  readonly transactionalId: string;
  readonly rebuildGroupId: string;
}

export interface CommittedBatchInfo {
  readonly endpointId: string;
  readonly events: readonly unknown[];
  readonly nextCommandOffset: number;
  readonly transactionSeconds?: number;
}

export interface ProjectedBatchInfo {
  readonly applied: number;
  readonly nextOffset: number;
}

export interface Worker {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The applications the bench drives, handed in by the CLI (apps have no import
 * alias; the CLI loads the real ones from their entry files, as `fabric fuzz` does).
 */
export interface BenchApps {
  /** A real apps/sequencer EndpointSequencer with the default limits overridden by `limits`. */
  sequencer(
    kafka: Kafka,
    admin: Admin,
    topics: SequencerTopicsSpec,
    limits: Readonly<Record<string, number>>,
    logger: Logger,
    onCommitted: (batch: CommittedBatchInfo) => void,
  ): Worker;
  /** apps/sequencer readEndpointState: the rebuild a sequencer runs on every (re)assignment. */
  readEndpointState(
    kafka: Kafka,
    admin: Admin,
    topic: string,
    endpointId: string,
    groupId: string,
    limits: { readonly rebuildTimeoutMs: number },
    logger: Logger,
  ): Promise<EndpointState>;
  /** A real apps/projector EndpointProjector folding one events topic through `writer`. */
  projector(
    kafka: Kafka,
    pool: Pool,
    writer: ProjectionWriter,
    events: { readonly endpointId: string; readonly topic: string; readonly groupId: string },
    settings: Readonly<Record<string, number>>,
    logger: Logger,
    onProjected: (batch: ProjectedBatchInfo) => void,
  ): Worker;
  /** libs/simulation runSeeds over `seeds` seeds of 1,000 steps (handed in: a feature lib does not import another). */
  simulate(seeds: number): { readonly seedsRun: number; readonly commands: number; readonly elapsedMs: number; readonly cpuMs: number; readonly failures: number };
  readonly sequencerDefaults: Readonly<Record<string, number>>;
  readonly projectorDefaults: Readonly<Record<string, number>>;
}

export interface BenchContext {
  readonly config: FabricConfig;
  readonly logger: Logger;
  /** Quiet logger for the services the bench starts (warnings and errors only). */
  readonly serviceLogger: Logger;
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly pool: Pool;
  readonly apps: BenchApps;
  /** Topic prefix of this run; every topic and group of the run starts with it. */
  readonly prefix: string;
  /** Lower-case id of this run, for schema names. */
  readonly runId: string;
  readonly createdTopics: Set<string>;
  readonly groups: Set<string>;
  readonly schemas: Set<string>;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
export const now = () => performance.now();
export const MiB = 1024 * 1024;

/** Creates topics (one partition, kept forever, like endpoint topics), in requests of 100. */
export async function createTopics(ctx: BenchContext, topics: readonly string[]): Promise<void> {
  for (let i = 0; i < topics.length; i += 100) {
    const chunk = topics.slice(i, i + 100);
    for (const topic of chunk) ctx.createdTopics.add(topic);
    await retryCreate(() => ctx.admin.createTopics({
      waitForLeaders: true,
      timeout: 60_000,
      topics: chunk.map((topic) => ({
        topic,
        numPartitions: 1,
        replicationFactor: ctx.config.replicationFactor,
        configEntries: [
          { name: 'retention.ms', value: '-1' },
          { name: 'min.insync.replicas', value: String(ctx.config.minInsyncReplicas) },
        ],
      })),
    }));
  }
}

/** Topic creation under load: the wait for leaders can see a partition the broker does not serve yet; asking again is safe. */
async function retryCreate(create: () => Promise<unknown>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await create();
      return;
    } catch (error) {
      if (attempt >= 5) throw error;
      await sleep(1_000 * attempt);
    }
  }
}

/** An idempotent producer (acks all, one request in flight), as CommandPublisher makes it. */
export function idempotentProducer(ctx: BenchContext): Producer {
  return ctx.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
}

/** Sends `values` to partition 0 of `topic` in sends of `batch` records, one after another; returns the seconds taken. */
export async function produceValues(producer: Producer, topic: string, values: readonly string[], batch: number, key = 'bench'): Promise<number> {
  const started = now();
  for (let i = 0; i < values.length; i += batch) {
    await producer.send({ topic, acks: -1, messages: values.slice(i, i + batch).map((value) => ({ key, value, partition: 0 })) });
  }
  return (now() - started) / 1000;
}

/** Samples process memory every 200 ms until stopped; returns the peaks, MiB. */
export function memorySampler(): { stop(): { rssMiB: number; heapMiB: number } } {
  let rss = 0;
  let heap = 0;
  const sample = () => {
    const usage = process.memoryUsage();
    rss = Math.max(rss, usage.rss);
    heap = Math.max(heap, usage.heapUsed);
  };
  sample();
  const timer = setInterval(sample, 200);
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      return { rssMiB: rss / MiB, heapMiB: heap / MiB };
    },
  };
}

export function rssMiB(): number {
  return process.memoryUsage().rss / MiB;
}

/** Waits until `done()` or the deadline; returns whether it finished. */
export async function waitFor(done: () => boolean, deadlineMs: number, pollMs = 20): Promise<boolean> {
  const end = now() + deadlineMs;
  while (!done()) {
    if (now() > end) return false;
    await sleep(pollMs);
  }
  return true;
}

/** Runs `fn` over items, at most `concurrency` at once. */
export async function forEachConcurrently<T>(items: readonly T[], concurrency: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      await fn(items[index] as T, index);
    }
  });
  await Promise.all(lanes);
}
