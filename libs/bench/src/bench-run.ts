import { cpus, loadavg, totalmem } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Pool } from 'pg';
import type { FabricConfig, Logger } from '@plan-fabric/config';
import { createKafka } from '@plan-fabric/kafka';
import { canonicalJson } from '@plan-fabric/domain';
import { workloadCommands } from './commands';
import { now, type BenchApps, type BenchContext } from './context';
import { benchReplay } from './domain-calls';
import { rawProduce, runPipe, sequencerBacklog, sequencerScale, type PipeKnobs } from './kafka-benches';
import { latencyRun } from './latency-bench';
import { postgresOnly } from './postgres-bench';
import { batchedInsertRun, projectorRun } from './projection-benches';
import { rebuildRun } from './rebuild-bench';
import { evaluateTargets, renderJson, renderMarkdown, renderSvg } from './report';
import type { BenchResults, LatencyRow, RebuildRow, ScaleRow, ThroughputRow } from './results';

export interface BenchSizes {
  /** Records through raw produce, both pipes, the sequencer on one endpoint, and the projector. */
  readonly pipeRecords: number;
  /** Endpoint counts run at once, and the commands each gets after its registration. */
  readonly scale: ReadonlyArray<{ readonly endpoints: number; readonly commandsPerEndpoint: number }>;
  readonly postgresCommands: number;
  readonly replayRecords: number;
  /** Commands of the replay with no operator activation (its cost grows with the square of the length). */
  readonly replayNoOperatorRecords: number;
  readonly simSeeds: number;
  readonly latencySeconds: number;
  readonly rebuildSizes: readonly number[];
  /** Wall-time budget of the rebuild phase (sizes predicted not to fit are skipped, with the numbers). */
  readonly rebuildBudgetMs: number;
  /** Start-up budget per endpoint count, and the load's budget. */
  readonly scaleStartupBudgetMs: number;
  readonly scaleLoadBudgetMs: number;
}

export const QUICK_SIZES: BenchSizes = {
  pipeRecords: 10_000,
  scale: [
    { endpoints: 1, commandsPerEndpoint: 4_000 },
    { endpoints: 10, commandsPerEndpoint: 400 },
    { endpoints: 100, commandsPerEndpoint: 20 },
  ],
  postgresCommands: 1_000,
  replayRecords: 10_000,
  replayNoOperatorRecords: 5_000,
  simSeeds: 10,
  latencySeconds: 4,
  rebuildSizes: [10_000, 100_000],
  rebuildBudgetMs: 45_000,
  scaleStartupBudgetMs: 60_000,
  scaleLoadBudgetMs: 60_000,
};

export const DEFAULT_SIZES: BenchSizes = {
  pipeRecords: 50_000,
  scale: [
    { endpoints: 1, commandsPerEndpoint: 20_000 },
    { endpoints: 10, commandsPerEndpoint: 2_000 },
    { endpoints: 100, commandsPerEndpoint: 200 },
    { endpoints: 1_000, commandsPerEndpoint: 20 },
  ],
  postgresCommands: 10_000,
  replayRecords: 50_000,
  replayNoOperatorRecords: 20_000,
  simSeeds: 100,
  latencySeconds: 10,
  rebuildSizes: [10_000, 100_000, 1_000_000],
  rebuildBudgetMs: 360_000,
  scaleStartupBudgetMs: 240_000,
  scaleLoadBudgetMs: 180_000,
};

export const BENCH_KNOBS: PipeKnobs & { readonly startConcurrency: number; readonly projectorFetchMaxWaitMs: number; readonly postgresClients: number } = {
  produceBatch: 1_000,
  transactionRecords: 500,
  fetchMaxWaitMs: 50,
  maxBytesPerPartition: 1_048_576,
  startConcurrency: 25,
  projectorFetchMaxWaitMs: 50,
  postgresClients: 8,
};

export interface BenchRunOptions {
  readonly config: FabricConfig;
  readonly logger: Logger;
  readonly serviceLogger: Logger;
  readonly apps: BenchApps;
  readonly mode: 'quick' | 'default';
  readonly sizes: BenchSizes;
  readonly outDir: string;
  readonly command: string;
  readonly keepTopics: boolean;
  /** Sequencer limits for every sequencer the bench starts (tuning: transactionRecordsMax). */
  readonly sequencerLimits: Readonly<Record<string, number>>;
}

export interface BenchOutput {
  readonly results: BenchResults;
  readonly markdown: string;
  readonly files: { readonly markdown: string; readonly json: string; readonly svg: string };
}

const slug = (date: Date) => date.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-').toLowerCase();

/** Runs every benchmark on the same broker and Postgres, in one process, and writes the table, the JSON and the chart. */
export async function runBench(options: BenchRunOptions): Promise<BenchOutput> {
  const startedAt = new Date();
  const runId = slug(startedAt).replace('-', '');
  const prefix = `planfabric-bench-${slug(startedAt)}`;
  const { logger, sizes } = options;
  // The bench makes and deletes its own topics, groups and transactional ids under its own prefix: the admin principal.
  const kafka = createKafka(options.config, `bench-${runId}`, options.serviceLogger, 'admin');
  const admin = kafka.admin();
  const pool = new Pool({ connectionString: options.config.databaseUrl, max: 24, application_name: 'plan-fabric-bench' });
  pool.on('error', (error) => logger.warn('bench: idle Postgres connection failed', { error }));
  const ctx: BenchContext = {
    config: options.config,
    logger,
    serviceLogger: options.serviceLogger,
    kafka,
    admin,
    pool,
    apps: options.apps,
    prefix,
    runId,
    createdTopics: new Set(),
    groups: new Set(),
    schemas: new Set(),
  };
  const wallStarted = now();
  const loadBefore = loadavg();
  const throughput: ThroughputRow[] = [];
  const scale: ScaleRow[] = [];
  const latency: LatencyRow[] = [];
  let rebuild: RebuildRow[] = [];
  const notes: string[] = [];
  const limits = { ...options.sequencerLimits, transactionRecordsMax: options.sequencerLimits['transactionRecordsMax'] ?? BENCH_KNOBS.transactionRecords };
  const knobs: PipeKnobs = { ...BENCH_KNOBS, transactionRecords: limits.transactionRecordsMax };
  const phase = (name: string, fields: Record<string, unknown> = {}) =>
    logger.info(`bench: ${name}`, { elapsedS: Math.round((now() - wallStarted) / 1000), rssMiB: Math.round(process.memoryUsage().rss / 2 ** 20), ...fields });
  const record = (row: ThroughputRow) => {
    throughput.push(row);
    logger.info('bench: result', { id: row.id, records: row.records, seconds: Number(row.seconds.toFixed(2)), perSecond: Math.round(row.perSecond) });
  };
  let pgVersion = '?';
  try {
    await admin.connect();
    pgVersion = (await pool.query<{ server_version: string }>('SHOW server_version')).rows[0]?.server_version ?? '?';
    const cluster = await admin.describeCluster();
    phase('started', { mode: options.mode, topicPrefix: prefix, brokers: cluster.brokers.length });

    // 1. The input: one endpoint's commands; the events the sequencer will write for them (the pipes write the same bytes).
    const endpointId = 'seq1';
    const commands = workloadCommands(endpointId, sizes.pipeRecords);
    const values = commands.map((command) => command.value);
    phase('audit replay (decide + evolve + invariants over a recorded log)', { records: values.length });
    const replayStarted = now();
    const replayed = benchReplay(endpointId, values.map((value, offset) => ({ offset, value })));
    const replaySeconds = (now() - replayStarted) / 1000;
    const outputs = replayed.events.map((event) => canonicalJson(event));
    const rejected = replayed.events.filter((event) => event.type === 'CommandRejected').length;
    if (rejected > 0) notes.push(`${rejected} of ${replayed.events.length} workload commands were rejected by decide (expected 0): check BENCH_AUTHORITY / buildCommand`);
    let replayRecords = values.length;
    let replayTotalSeconds = replaySeconds;
    if (sizes.replayRecords > values.length) {
      const more = workloadCommands('replay', sizes.replayRecords).map((command, offset) => ({ offset, value: command.value }));
      const started = now();
      benchReplay('replay', more);
      replayRecords = more.length;
      replayTotalSeconds = (now() - started) / 1000;
    }
    // The same replay with no operator activation: the `confirmed` LogMap only grows (see commands.ts).
    const plainCycle = workloadCommands('replay-no-operator', sizes.replayNoOperatorRecords, 0, { operatorEvery: 0 }).map((command, offset) => ({ offset, value: command.value }));
    phase('audit replay without operator activations', { records: plainCycle.length });
    const plainStarted = now();
    benchReplay('replay-no-operator', plainCycle);
    const plainSeconds = (now() - plainStarted) / 1000;
    const halfStarted = now();
    benchReplay('replay-no-operator', plainCycle.slice(0, plainCycle.length / 2));
    const halfSeconds = (now() - halfStarted) / 1000;
    notes.push(
      `audit replay with no operator activation in the log: ${Math.round(plainCycle.length / 2 / halfSeconds).toLocaleString('en-US')}/s over ${(plainCycle.length / 2).toLocaleString('en-US')} commands, ` +
        `${Math.round(plainCycle.length / plainSeconds).toLocaleString('en-US')}/s over ${plainCycle.length.toLocaleString('en-US')} (equal rates: a step costs the same however long the log; before confirmations moved out of a LogMap, this fell with the log's length)`,
    );
    record({
      id: 'audit-replay',
      group: 'cpu',
      label: 'audit replay (libs/domain replay over a recorded command log)',
      records: replayRecords,
      seconds: replayTotalSeconds,
      perSecond: replayRecords / replayTotalSeconds,
      note: 'in memory, one core',
    });
    const meanBytes = (list: readonly string[]) => Math.round(list.reduce((total, value) => total + Buffer.byteLength(value), 0) / Math.max(1, list.length));
    notes.push(`records: commands ${meanBytes(values)} B on average (ProposePlan ${Buffer.byteLength(values[1] ?? '')} B with ${3} addresses), events ${meanBytes(outputs)} B; the pipes write the sequencer's event bytes for each command`);

    phase('simulator');
    const sim = options.apps.simulate(sizes.simSeeds);
    record({
      id: 'simulator',
      group: 'cpu',
      label: 'simulator (libs/simulation), commands decided',
      records: sim.commands,
      seconds: sim.elapsedMs / 1000,
      perSecond: sim.commands / (sim.elapsedMs / 1000),
      note: `${sim.seedsRun} seeds × 1,000 steps, ${sim.failures} failures; ${Math.round(sim.commands / (sim.cpuMs / 1000)).toLocaleString('en-US')}/CPU-s`,
    });

    // 2. Kafka: raw produce (fills the input topic), the plain pipe, the transactional pipe, the sequencer, on the same input.
    const input = `${prefix}.input`;
    phase('raw idempotent produce', { records: values.length });
    record(await rawProduce(ctx, input, values, knobs));
    phase('plain pipe');
    record(await runPipe(ctx, { input, output: `${prefix}.pipe-plain-out`, outputs, transactional: false, knobs }));
    phase('transactional pipe');
    record(await runPipe(ctx, { input, output: `${prefix}.pipe-txn-out`, outputs, transactional: true, knobs }));
    phase('sequencer, 1 endpoint, backlog');
    const sequencerRow = await sequencerBacklog(ctx, { endpointId, input, records: values.length, limits });
    record(sequencerRow);

    // 3. Postgres-only on one hot endpoint (and spread over 10), synchronous_commit on and off.
    for (const [endpoints, clients] of [
      [1, BENCH_KNOBS.postgresClients],
      [10, BENCH_KNOBS.postgresClients],
    ] as const) {
      for (const synchronousCommit of [true, false]) {
        const id = `pg-${endpoints === 1 ? 'hot' : `${endpoints}ep`}-sync-${synchronousCommit ? 'on' : 'off'}`;
        phase('postgres-only', { id });
        record(
          await postgresOnly(ctx, {
            id,
            label: `Postgres-only (row lock + decide + insert), ${endpoints === 1 ? '1 hot endpoint' : `${endpoints} endpoints`}, sync commit ${synchronousCommit ? 'on' : 'off'}`,
            endpoints,
            clients,
            commands: sizes.postgresCommands,
            synchronousCommit,
          }),
        );
      }
    }

    // 4. The projector against a plain batched insert, on the sequencer's events topic.
    const eventsTopic = `${prefix}.events.${endpointId}`;
    phase('projector', { events: values.length });
    record(
      await projectorRun(ctx, {
        endpointId,
        topic: eventsTopic,
        events: values.length,
        settings: { fetchMaxWaitMs: BENCH_KNOBS.projectorFetchMaxWaitMs },
      }),
    );
    phase('plain batched insert', { events: values.length });
    record(await batchedInsertRun(ctx, { topic: eventsTopic, events: values.length, fetchMaxWaitMs: BENCH_KNOBS.projectorFetchMaxWaitMs }));

    // 5. Latency at fixed arrival rates.
    phase('latency', { sequencerMaxPerSecond: Math.round(sequencerRow.perSecond) });
    // A fresh endpoint per load level: the projector's cost per event grows with the endpoint's history (see docs).
    for (const loadPercent of [25, 50, 80]) {
      try {
        latency.push(
          ...(await latencyRun(ctx, {
            endpointId: `lat${loadPercent}`,
            maxPerSecond: sequencerRow.perSecond,
            loadPercents: [loadPercent],
            secondsPerLoad: sizes.latencySeconds,
            sequencerLimits: limits,
            projectorSettings: { fetchMaxWaitMs: BENCH_KNOBS.projectorFetchMaxWaitMs },
            eventsFetchMaxWaitMs: BENCH_KNOBS.fetchMaxWaitMs,
          })),
        );
      } catch (error) {
        logger.error('bench: latency level failed', { loadPercent, error });
        notes.push(`latency at ${loadPercent}% of the sequencer maximum: ${error instanceof Error ? error.message : String(error)}`);
      }
    }

    // 6. State rebuild vs log length.
    phase('rebuild', { sizes: sizes.rebuildSizes });
    const rebuilt = await rebuildRun(ctx, sizes.rebuildSizes, { sendRecords: knobs.produceBatch, transactionRecords: 20_000, budgetMs: sizes.rebuildBudgetMs });
    rebuild = rebuilt.rows;
    notes.push(...rebuilt.notes);

    // 7. Many endpoints at once (last: the largest counts may hit their budget).
    for (const step of sizes.scale) {
      phase('sequencer scale', { endpoints: step.endpoints, commandsPerEndpoint: step.commandsPerEndpoint });
      let row: ScaleRow;
      try {
        row = await sequencerScale(ctx, {
          endpoints: step.endpoints,
          commandsPerEndpoint: step.commandsPerEndpoint,
          startConcurrency: BENCH_KNOBS.startConcurrency,
          startupDeadlineMs: sizes.scaleStartupBudgetMs,
          loadDeadlineMs: sizes.scaleLoadBudgetMs,
          limits,
          knobs,
        });
      } catch (error) {
        logger.error('bench: sequencer scale failed', { endpoints: step.endpoints, error });
        notes.push(`sequencer with ${step.endpoints} endpoints failed: ${error instanceof Error ? error.message : String(error)}`);
        break;
      }
      scale.push(row);
      logger.info('bench: result', { id: `sequencer-scale-${step.endpoints}`, status: row.status, startupS: row.startupSeconds, perSecond: row.perSecond === null ? null : Math.round(row.perSecond), rssMiBPeak: row.rssMiBPeak === null ? null : Math.round(row.rssMiBPeak) });
      if (row.status !== 'ok') break;
    }
  } finally {
    phase('cleaning up', { topics: ctx.createdTopics.size, groups: ctx.groups.size, schemas: ctx.schemas.size });
    await cleanup(ctx, options.keepTopics).catch((error: unknown) => logger.warn('bench: cleanup failed', { error }));
    await admin.disconnect().catch(() => undefined);
    await pool.end().catch(() => undefined);
  }

  const cpu = cpus();
  const results: BenchResults = {
    meta: {
      mode: options.mode,
      command: options.command,
      startedAt: startedAt.toISOString(),
      wallSeconds: (now() - wallStarted) / 1000,
      topicPrefix: prefix,
      machine: {
        cpus: `${cpu.length} × ${cpu[0]?.model.trim() ?? '?'}`,
        memory: `${Math.round(totalmem() / 2 ** 30)} GiB`,
        'load average (1 min) before / after': `${loadBefore[0]?.toFixed(2)} / ${loadavg()[0]?.toFixed(2)}`,
        node: process.version,
        kafka: `Apache Kafka 4.4.0 (scripts/stack.sh, KRaft, 1 broker) at ${options.config.kafkaBrokers.join(',')}, kafkajs 2.2.4`,
        postgres: `PostgreSQL ${pgVersion}`,
      },
      knobs: {
        'records per produce request': knobs.produceBatch,
        'records per transaction (sequencer transactionRecordsMax, pipes)': knobs.transactionRecords,
        'consumer fetch max wait (sequencer, pipes, projector)': `${knobs.fetchMaxWaitMs} ms`,
        'consumer maxBytesPerPartition': knobs.maxBytesPerPartition,
        'workers started at once (N endpoints)': BENCH_KNOBS.startConcurrency,
        'Postgres-only clients': BENCH_KNOBS.postgresClients,
      },
    },
    throughput,
    scale,
    latency,
    rebuild,
    targets: evaluateTargets({ throughput, latency }),
    notes,
  };
  mkdirSync(options.outDir, { recursive: true });
  const base = resolve(options.outDir, `bench-${options.mode}-${slug(startedAt)}`);
  const files = { markdown: `${base}.md`, json: `${base}.json`, svg: `${base}.svg` };
  const markdown = renderMarkdown(results);
  writeFileSync(files.markdown, markdown);
  writeFileSync(files.json, renderJson(results));
  writeFileSync(files.svg, renderSvg(results));
  return { results, markdown, files };
}

/** Deletes the run's topics, consumer groups and schemas. */
async function cleanup(ctx: BenchContext, keepTopics: boolean): Promise<void> {
  for (const schema of ctx.schemas) await ctx.pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
  if (keepTopics) return;
  const groups = [...ctx.groups];
  for (let i = 0; i < groups.length; i += 100) await ctx.admin.deleteGroups(groups.slice(i, i + 100)).catch(() => undefined);
  const topics = (await ctx.admin.listTopics()).filter((topic) => topic.startsWith(`${ctx.prefix}.`));
  for (let i = 0; i < topics.length; i += 200) await ctx.admin.deleteTopics({ topics: topics.slice(i, i + 200), timeout: 60_000 });
}
