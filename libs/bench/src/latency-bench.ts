import { Client } from 'pg';
import { ProjectionWriter } from '@plan-fabric/db';
import { workloadCommand } from './commands';
import { createTopics, idempotentProducer, now, sleep, waitFor, type BenchContext, type Worker } from './context';
import { sequencerTopics } from './kafka-benches';
import { benchProjectionSchema, ensureProjectionTables } from './projection-benches';
import type { LatencyRow } from './results';
import { summarize } from './stats';

export interface LatencyOptions {
  readonly endpointId: string;
  /** The sequencer's measured maximum, commands/s (one endpoint). */
  readonly maxPerSecond: number;
  readonly loadPercents: readonly number[];
  readonly secondsPerLoad: number;
  readonly sequencerLimits: Readonly<Record<string, number>>;
  readonly projectorSettings: Readonly<Record<string, number>>;
  readonly eventsFetchMaxWaitMs: number;
}

/**
 * One endpoint with its real sequencer and projector running; commands arrive
 * at a fixed rate (open loop: every 5 ms the commands that are due are sent,
 * whether or not earlier ones were decided). For each command: produced (its
 * send issued) → its event read by a read-committed consumer, and → its event
 * visible in Postgres (a trigger on the bench projection's endpoints row
 * NOTIFYs the last seq, delivered when the projector's transaction commits).
 * The load generator, the reader, the sequencer and the projector share this
 * one Node process (one JavaScript thread), as in `fabric services` plus a client.
 */
export async function latencyRun(ctx: BenchContext, options: LatencyOptions): Promise<LatencyRow[]> {
  const topics = sequencerTopics(ctx.prefix, options.endpointId, ctx.runId);
  await createTopics(ctx, [topics.commands, topics.events, topics.deadLetters]);
  ctx.groups.add(topics.groupId);
  await ensureProjectionTables(ctx);
  const schema = await benchProjectionSchema(ctx, 'lat');
  const channel = `${schema}_seq`;
  await ctx.pool.query(`CREATE FUNCTION ${schema}.notify_seq() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN PERFORM pg_notify('${channel}', NEW.last_event_seq::text); RETURN NEW; END $$`);
  await ctx.pool.query(`CREATE TRIGGER notify_seq AFTER INSERT OR UPDATE ON ${schema}.endpoints FOR EACH ROW EXECUTE FUNCTION ${schema}.notify_seq()`);

  // Every event of this endpoint decides the command at offset seq − 1 (one event per command, fresh endpoint).
  const sentAt = new Map<number, number>();
  const eventAt = new Map<number, number>();
  const projectedAt = new Map<number, number>();
  let projectedSeq = 0;
  const listener = new Client({ connectionString: ctx.config.databaseUrl });
  await listener.connect();
  listener.on('notification', (message) => {
    const at = now();
    const seq = Number(message.payload);
    for (let s = projectedSeq + 1; s <= seq; s++) projectedAt.set(s - 1, at);
    projectedSeq = Math.max(projectedSeq, seq);
  });
  await listener.query(`LISTEN "${channel}"`);

  const eventsGroup = `${ctx.prefix}.latency-reader`;
  ctx.groups.add(eventsGroup);
  const reader = ctx.kafka.consumer({ groupId: eventsGroup, readUncommitted: false, maxWaitTimeInMs: options.eventsFetchMaxWaitMs });
  await reader.connect();
  await reader.subscribe({ topic: topics.events, fromBeginning: true });
  await reader.run({
    eachBatch: async ({ batch }) => {
      const at = now();
      for (const message of batch.messages) {
        const event = JSON.parse(message.value!.toString('utf8')) as { commandOffset: number };
        eventAt.set(event.commandOffset, at);
      }
    },
  });

  const producer = idempotentProducer(ctx);
  await producer.connect();
  const projectorGroup = `${ctx.prefix}.latency-projector`;
  ctx.groups.add(projectorGroup);
  const writer = new ProjectionWriter(ctx.pool, ctx.serviceLogger, { schema });
  const sequencer: Worker = ctx.apps.sequencer(ctx.kafka, ctx.admin, topics, options.sequencerLimits, ctx.serviceLogger, () => undefined);
  const projector: Worker = ctx.apps.projector(
    ctx.kafka,
    ctx.pool,
    writer,
    { endpointId: options.endpointId, topic: topics.events, groupId: projectorGroup },
    options.projectorSettings,
    ctx.serviceLogger,
    () => undefined,
  );
  let nextIndex = 0;
  /** Sends commands nextIndex.. in one request; `arrivals[i]` is when the i-th of them arrived (its latency starts there). */
  const send = (arrivals: readonly number[]): Promise<void> => {
    const from = nextIndex;
    nextIndex += arrivals.length;
    const messages = arrivals.map((_, i) => ({ key: options.endpointId, value: workloadCommand(options.endpointId, from + i).value }));
    return producer.send({ topic: topics.commands, acks: -1, messages }).then(([meta]) => {
      const base = Number(meta?.baseOffset);
      arrivals.forEach((arrival, i) => sentAt.set(base + i, arrival));
    });
  };
  const rows: LatencyRow[] = [];
  try {
    await sequencer.start();
    await projector.start();
    // Warm-up: the registration and a few commands, decided and projected, before anything is measured.
    await send([now()]);
    await send(Array.from({ length: 20 }, () => now()));
    if (!(await waitFor(() => projectedSeq >= 21, 60_000))) throw new Error('latency warm-up: nothing projected in 60 s');
    for (const percent of options.loadPercents) {
      const rate = (options.maxPerSecond * percent) / 100;
      const firstOffset = nextIndex;
      const started = now();
      const end = started + options.secondsPerLoad * 1000;
      // Open loop: command i arrives at started + i / rate whatever happened before. Like a client's
      // linger, the commands that arrived while the previous request was in flight go in the next one,
      // and each one's latency counts from its arrival, so time spent waiting for the producer is included.
      let arrived = 0;
      let inFlight: Promise<void> = Promise.resolve();
      let idle = true;
      while (now() < end) {
        const due = Math.floor(((now() - started) / 1000) * rate);
        if (idle && due > arrived) {
          const arrivals = Array.from({ length: due - arrived }, (_, i) => started + ((arrived + i + 1) / rate) * 1000);
          arrived = due;
          idle = false;
          inFlight = send(arrivals).finally(() => {
            idle = true;
          });
        }
        await sleep(1);
      }
      await inFlight;
      const sentSeconds = (now() - started) / 1000;
      const lastOffset = nextIndex - 1;
      if (!(await waitFor(() => projectedSeq >= lastOffset + 1 && eventAt.has(lastOffset), 90_000))) {
        throw new Error(`latency at ${percent}%: commands up to offset ${lastOffset} not projected within 90 s of the end (projected seq ${projectedSeq})`);
      }
      const toEvent: number[] = [];
      const toProjection: number[] = [];
      for (let offset = firstOffset; offset <= lastOffset; offset++) {
        const sent = sentAt.get(offset);
        if (sent === undefined) continue;
        const readable = eventAt.get(offset);
        const visible = projectedAt.get(offset);
        if (readable !== undefined) toEvent.push(readable - sent);
        if (visible !== undefined) toProjection.push(visible - sent);
      }
      const commands = lastOffset - firstOffset + 1;
      rows.push({
        loadPercent: percent,
        targetPerSecond: rate,
        achievedPerSecond: commands / sentSeconds,
        commands,
        toEvent: summarize(toEvent),
        toProjection: summarize(toProjection),
      });
      const last = rows[rows.length - 1]!;
      ctx.logger.info('bench: latency — done', {
        loadPercent: percent,
        commands,
        eventP50Ms: Number(last.toEvent.p50.toFixed(1)),
        eventP99Ms: Number(last.toEvent.p99.toFixed(1)),
        projectionP50Ms: Number(last.toProjection.p50.toFixed(1)),
        projectionP99Ms: Number(last.toProjection.p99.toFixed(1)),
      });
    }
    return rows;
  } finally {
    await projector.stop().catch(() => undefined);
    await sequencer.stop().catch(() => undefined);
    await reader.disconnect().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    await listener.end().catch(() => undefined);
  }
}
