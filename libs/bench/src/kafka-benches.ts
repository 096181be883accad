import { Partitioners, type EachBatchPayload } from 'kafkajs';
import { topicNames } from '@plan-fabric/kafka';
import { workloadCommand } from './commands';
import {
  createTopics,
  forEachConcurrently,
  idempotentProducer,
  memorySampler,
  now,
  produceValues,
  rssMiB,
  waitFor,
  type BenchContext,
  type CommittedBatchInfo,
  type SequencerTopicsSpec,
  type Worker,
} from './context';
import type { ScaleRow, ThroughputRow } from './results';
import { drainRate, type CommitMark } from './stats';

export interface PipeKnobs {
  /** Records per produce request of the raw producer and of the bulk loads. */
  readonly produceBatch: number;
  /** Records per transaction (pipes; the sequencer's transactionRecordsMax). */
  readonly transactionRecords: number;
  /** Consumer fetch wait at the end of the log (the sequencer uses 50 ms). */
  readonly fetchMaxWaitMs: number;
  /** Consumer fetch size per partition. */
  readonly maxBytesPerPartition: number;
}

/** The topics of an endpoint as the sequencer service names them (apps/sequencer SequencerService.serve). */
export function sequencerTopics(prefix: string, endpointId: string, instance: string, commandsTopic?: string): SequencerTopicsSpec {
  const names = topicNames(prefix);
  const commands = commandsTopic ?? names.commands(endpointId);
  return {
    endpointId,
    commands,
    events: names.events(endpointId),
    deadLetters: names.deadLetters(endpointId),
    groupId: `${prefix}.sequencer.${endpointId}`,
    transactionalId: `${prefix}.sequencer.${commands}-0`,
    rebuildGroupId: `${prefix}.sequencer-rebuild.${endpointId}.${instance}`,
  };
}

/** Raw idempotent produce (acks all) of the input records to one partition; the topic then feeds the pipes and the sequencer. */
export async function rawProduce(ctx: BenchContext, topic: string, values: readonly string[], knobs: PipeKnobs): Promise<ThroughputRow> {
  await createTopics(ctx, [topic]);
  const producer = idempotentProducer(ctx);
  await producer.connect();
  try {
    const seconds = await produceValues(producer, topic, values, knobs.produceBatch);
    return {
      id: 'raw-produce',
      group: 'kafka',
      label: 'raw idempotent produce, acks all, 1 partition',
      records: values.length,
      seconds,
      perSecond: values.length / seconds,
      note: `${knobs.produceBatch} records per send`,
    };
  } finally {
    await producer.disconnect();
  }
}

/**
 * consume → produce with no decision: each input record at offset i becomes
 * `outputs[i]` (the sequencer's event for that command, so the bytes written
 * are the sequencer's). Plain: idempotent sends, then an offset commit per
 * chunk. Transactional: per chunk one transaction with the sends and
 * sendOffsets, as the sequencer does it, minus decide.
 */
export async function runPipe(
  ctx: BenchContext,
  options: { readonly input: string; readonly output: string; readonly outputs: readonly string[]; readonly transactional: boolean; readonly knobs: PipeKnobs },
): Promise<ThroughputRow> {
  const { input, output, outputs, transactional, knobs } = options;
  const kind = transactional ? 'txn' : 'plain';
  await createTopics(ctx, [output]);
  const groupId = `${ctx.prefix}.pipe-${kind}`;
  ctx.groups.add(groupId);
  const consumer = ctx.kafka.consumer({
    groupId,
    sessionTimeout: 10_000,
    heartbeatInterval: 2_000,
    maxWaitTimeInMs: knobs.fetchMaxWaitMs,
    maxBytesPerPartition: knobs.maxBytesPerPartition,
  });
  const producer = transactional
    ? ctx.kafka.producer({
        transactionalId: `${ctx.prefix}.pipe-txn-0`,
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        createPartitioner: Partitioners.DefaultPartitioner,
      })
    : ctx.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  const commits: CommitMark[] = [];
  let done = 0;
  let failure: unknown = null;
  const started = now();
  await producer.connect();
  await consumer.connect();
  await consumer.subscribe({ topic: input, fromBeginning: true });
  const onBatch = async ({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload) => {
    try {
      let index = 0;
      while (index < batch.messages.length && isRunning() && !isStale()) {
        const chunk = batch.messages.slice(index, index + knobs.transactionRecords);
        index += chunk.length;
        const messages = chunk.map((message) => ({ key: 'bench', value: outputs[Number(message.offset)] ?? '' }));
        const last = chunk[chunk.length - 1]!.offset;
        const next = String(Number(last) + 1);
        if (transactional) {
          const transaction = await producer.transaction();
          try {
            await transaction.send({ topic: output, acks: -1, messages });
            await transaction.sendOffsets({ consumerGroupId: groupId, topics: [{ topic: input, partitions: [{ partition: 0, offset: next }] }] });
            await transaction.commit();
          } catch (error) {
            await transaction.abort().catch(() => undefined);
            throw error;
          }
        } else {
          await producer.send({ topic: output, acks: -1, messages });
          await consumer.commitOffsets([{ topic: input, partition: 0, offset: next }]);
        }
        resolveOffset(last);
        commits.push({ at: now(), records: chunk.length });
        done += chunk.length;
        await heartbeat();
      }
    } catch (error) {
      failure = error;
    }
  };
  await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: onBatch });
  const finished = await waitFor(() => done >= outputs.length || failure !== null, 600_000);
  await consumer.disconnect();
  await producer.disconnect();
  if (failure !== null) throw failure;
  if (!finished) throw new Error(`${kind} pipe did not finish`);
  const drained = drainRate(commits, started);
  return {
    id: `${kind}-pipe`,
    group: 'kafka',
    label: transactional ? 'consume → produce, in transactions (sendOffsets), no decide' : 'consume → produce, no transactions',
    records: drained.records,
    seconds: drained.seconds,
    perSecond: drained.perSecond,
    note: `${commits.length} ${transactional ? 'transactions' : 'commits'}, ≤ ${knobs.transactionRecords} records each`,
  };
}

/** The real sequencer on one endpoint, draining a backlog: the same input topic as the pipes. */
export async function sequencerBacklog(
  ctx: BenchContext,
  options: { readonly endpointId: string; readonly input: string; readonly records: number; readonly limits: Readonly<Record<string, number>> },
): Promise<ThroughputRow> {
  const topics = sequencerTopics(ctx.prefix, options.endpointId, ctx.runId, options.input);
  await createTopics(ctx, [topics.events, topics.deadLetters]);
  ctx.groups.add(topics.groupId);
  const commits: CommitMark[] = [];
  let next = 0;
  const worker = ctx.apps.sequencer(ctx.kafka, ctx.admin, topics, options.limits, ctx.serviceLogger, (batch) => {
    commits.push({ at: now(), records: batch.events.length });
    next = batch.nextCommandOffset;
  });
  const started = now();
  await worker.start();
  const finished = await waitFor(() => next >= options.records, 600_000);
  await worker.stop();
  if (!finished) throw new Error(`the sequencer decided ${next} of ${options.records} commands in 600 s`);
  const drained = drainRate(commits, started);
  return {
    id: 'sequencer-1',
    group: 'sequencer',
    label: 'sequencer, 1 endpoint (decide + invariants + events + offsets, in transactions)',
    records: drained.records,
    seconds: drained.seconds,
    perSecond: drained.perSecond,
    note: `${commits.length} transactions, ≤ ${options.limits['transactionRecordsMax'] ?? '?'} records each`,
  };
}

export interface ScaleOptions {
  readonly endpoints: number;
  /** Commands per endpoint after its registration. */
  readonly commandsPerEndpoint: number;
  /** Workers started at once. */
  readonly startConcurrency: number;
  readonly startupDeadlineMs: number;
  readonly loadDeadlineMs: number;
  readonly limits: Readonly<Record<string, number>>;
  readonly knobs: PipeKnobs;
}

/**
 * N endpoints at once, one real EndpointSequencer each (its own consumer and
 * transactional producer, as SequencerService runs them). Start-up: every
 * endpoint gets its registration, the workers start `startConcurrency` at a
 * time, and start-up ends when every endpoint committed it. Load: then
 * `commandsPerEndpoint` more per endpoint are produced in bulk (one producer,
 * records of many topics per request) and the rate is commands over the time
 * from the first send to the last commit.
 */
export async function sequencerScale(ctx: BenchContext, options: ScaleOptions): Promise<ScaleRow> {
  const n = options.endpoints;
  const endpointIds = Array.from({ length: n }, (_, i) => `n${n}-e${i}`);
  const topics = endpointIds.map((id) => sequencerTopics(ctx.prefix, id, ctx.runId));
  ctx.logger.info('bench: sequencer scale — creating topics', { endpoints: n, topics: 3 * n });
  await createTopics(ctx, topics.flatMap((t) => [t.commands, t.events, t.deadLetters]));
  for (const t of topics) ctx.groups.add(t.groupId);
  const producer = idempotentProducer(ctx);
  await producer.connect();
  const sendRange = async (from: number, to: number) => {
    // Interleaved across endpoints, at most produceBatch records per request.
    const all: { topic: string; value: string }[] = [];
    for (let index = from; index < to; index++) {
      for (let e = 0; e < n; e++) all.push({ topic: topics[e]!.commands, value: workloadCommand(endpointIds[e]!, index).value });
    }
    for (let i = 0; i < all.length; i += options.knobs.produceBatch) {
      const byTopic = new Map<string, { key: string; value: string }[]>();
      for (const { topic, value } of all.slice(i, i + options.knobs.produceBatch)) {
        const list = byTopic.get(topic) ?? [];
        list.push({ key: 'bench', value });
        byTopic.set(topic, list);
      }
      await producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
    }
  };
  const rssBefore = rssMiB();
  const next = new Map<string, number>();
  let transactions = 0;
  let loadEvents = 0;
  let lastCommitAt = 0;
  let measuring = false;
  const onCommitted = (batch: CommittedBatchInfo) => {
    next.set(batch.endpointId, batch.nextCommandOffset);
    if (measuring) {
      transactions++;
      loadEvents += batch.events.length;
      lastCommitAt = now();
    }
  };
  const workers: Worker[] = [];
  const memory = memorySampler();
  let row: ScaleRow;
  try {
    await sendRange(0, 1);
    ctx.logger.info('bench: sequencer scale — starting workers', { endpoints: n, concurrency: options.startConcurrency });
    const startedAt = now();
    const startDeadline = startedAt + options.startupDeadlineMs;
    let lastReport = startedAt;
    let started = 0;
    await forEachConcurrently(topics, options.startConcurrency, async (t) => {
      if (now() > startDeadline) return;
      const worker = ctx.apps.sequencer(ctx.kafka, ctx.admin, t, options.limits, ctx.serviceLogger, onCommitted);
      workers.push(worker);
      await worker.start();
      started++;
      if (now() - lastReport > 5_000) {
        lastReport = now();
        ctx.logger.info('bench: sequencer scale — workers starting', { endpoints: n, started, registered: next.size, elapsedS: Math.round((now() - startedAt) / 1000), rssMiB: Math.round(rssMiB()) });
      }
    });
    const allRegistered = await waitFor(() => next.size >= n, Math.max(0, startDeadline - now()), 50);
    const startupSeconds = (now() - startedAt) / 1000;
    const rssIdle = rssMiB();
    if (!allRegistered) {
      const peak = memory.stop();
      row = {
        endpoints: n,
        status: 'timeout',
        workersStarted: started,
        startupSeconds: null,
        commands: 0,
        seconds: null,
        perSecond: null,
        transactions: 0,
        eventsPerTransaction: null,
        rssMiBBefore: rssBefore,
        rssMiBIdle: rssIdle,
        rssMiBPeak: peak.rssMiB,
        heapMiBPeak: peak.heapMiB,
        note: `start-up did not finish within its budget of ${Math.round(options.startupDeadlineMs / 1000)} s: ${started} workers started, ${next.size} of ${n} endpoints had committed their first transaction after ${startupSeconds.toFixed(0)} s`,
      };
      return row;
    }
    ctx.logger.info('bench: sequencer scale — all workers live; producing the load', { endpoints: n, startupS: Number(startupSeconds.toFixed(1)), rssMiB: Math.round(rssIdle) });
    measuring = true;
    const loadStarted = now();
    const total = n * options.commandsPerEndpoint;
    const target = 1 + options.commandsPerEndpoint;
    await sendRange(1, target);
    const produceSeconds = (now() - loadStarted) / 1000;
    const finished = await waitFor(() => loadEvents >= total, options.loadDeadlineMs, 50);
    const peak = memory.stop();
    const seconds = ((finished ? lastCommitAt : now()) - loadStarted) / 1000;
    row = {
      endpoints: n,
      status: finished ? 'ok' : 'timeout',
      workersStarted: started,
      startupSeconds,
      commands: loadEvents,
      seconds,
      perSecond: loadEvents / seconds,
      transactions,
      eventsPerTransaction: transactions > 0 ? loadEvents / transactions : null,
      rssMiBBefore: rssBefore,
      rssMiBIdle: rssIdle,
      rssMiBPeak: peak.rssMiB,
      heapMiBPeak: peak.heapMiB,
      note:
        `load produced in ${produceSeconds.toFixed(1)} s of the ${seconds.toFixed(1)} s` +
        (finished ? '' : `; only ${loadEvents} of ${total} commands decided within ${Math.round(options.loadDeadlineMs / 1000)} s`),
    };
    return row;
  } finally {
    memory.stop();
    ctx.logger.info('bench: sequencer scale — stopping workers', { endpoints: n });
    await forEachConcurrently(workers, 50, (worker) => worker.stop().catch(() => undefined));
    await producer.disconnect();
  }
}
