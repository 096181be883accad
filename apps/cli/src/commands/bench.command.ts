import { resolve } from 'node:path';
import { createLogger, loadConfig } from '@plan-fabric/config';
import { BENCH_AUTHORITY, DEFAULT_SIZES, QUICK_SIZES, runBench, type BenchApps } from '@plan-fabric/bench';
import { runSeeds } from '@plan-fabric/simulation';
import { parseOptions, UsageError, type CliCommand } from '../cli/cli-command';
import { REPO_ROOT } from '../repo-root';
import { kafkaProblem } from '../services/preflight';

// Applications have no import alias: the bench drives the real ones, loaded from their entry files (as fabric fuzz does).
const SEQUENCER_ENTRY = resolve(REPO_ROOT, 'apps/sequencer/src/index.ts');
const PROJECTOR_ENTRY = resolve(REPO_ROOT, 'apps/projector/src/index.ts');

/* eslint-disable @typescript-eslint/no-explicit-any -- the apps' classes are loaded at run time, typed by BenchApps */
async function loadApps(): Promise<BenchApps> {
  const sequencer = (await import(SEQUENCER_ENTRY)) as any;
  const projector = (await import(PROJECTOR_ENTRY)) as any;
  return {
    sequencer: (kafka, admin, topics, limits, logger, onCommitted) =>
      // Since issue 6 the sequencer takes the authority (trust roots, verifier) after its limits.
      new sequencer.EndpointSequencer(kafka, admin, topics, { ...sequencer.DEFAULT_SEQUENCER_LIMITS, ...limits }, BENCH_AUTHORITY, logger, onCommitted),
    readEndpointState: (kafka, admin, topic, endpointId, groupId, limits, logger) => sequencer.readEndpointState(kafka, admin, topic, endpointId, groupId, limits, logger),
    projector: (kafka, pool, writer, events, settings, logger, onProjected) =>
      new projector.EndpointProjector(kafka, pool, writer, events, { ...projector.DEFAULT_PROJECTOR_SETTINGS, ...settings }, logger, onProjected),
    simulate: (seeds) => runSeeds({ firstSeed: 1, seeds, steps: 1_000 }),
    sequencerDefaults: sequencer.DEFAULT_SEQUENCER_LIMITS,
    projectorDefaults: projector.DEFAULT_PROJECTOR_SETTINGS,
  };
}
/* eslint-enable @typescript-eslint/no-explicit-any */

export const benchCommand: CliCommand = {
  name: 'bench',
  summary: 'benchmarks: raw Kafka, pipes, the sequencer (1…1,000 endpoints), Postgres-only, projector, latency, rebuild',
  help: `usage: fabric bench [--quick] [--out DIR] [--txn-records N] [--endpoints LIST] [--keep-topics]

Measures, in one run on the same broker and Postgres with the same records:
raw idempotent produce (acks all) to one partition; a consume → produce pipe
without and with transactions (no decide); the real sequencer on one endpoint
(EndpointSequencer: decide, invariants, events and offsets in transactions)
and on 10, 100 and 1,000 endpoints at once (start-up, throughput, RSS and
heap); Postgres alone (row lock + the same decide + insert per command) on one
hot endpoint and on 10, synchronous_commit on and off; the projector against
a plain batched INSERT; the audit replay and the simulator; latency p50, p99,
p99.9 at 25/50/80% of the sequencer's maximum, to the event and to the
projection; and state rebuild time for 10^4, 10^5 and 10^6 events.

Writes bench-<mode>-<time>.md, .json and .svg (a chart) to --out and prints
the table with the issue's targets, each met or missed. Topics are made under
planfabric-bench-<time> and deleted at the end (with the consumer groups and
the bench's Postgres schemas). Progress lines go to stderr.

Options:
  --quick           the CI-sized run (under 2 minutes): 10^4 records, 1/10/100 endpoints, rebuild 10^4 and 10^5
  --out DIR         where the files go (default bench-results/)
  --txn-records N   records per transaction for the sequencer and the pipes (default 500, the sequencer's default)
  --endpoints LIST  endpoint counts for the scaling run, e.g. 1,10,100,1000 (commands per endpoint scale down)
  --keep-topics     leave the topics and groups (for a look with kafka tools)

Exit code: 0 when the run finished (targets missed do not fail it), 1 on an error, 2 bad arguments.`,
  async run(args) {
    const { values, positionals } = parseOptions(args, {
      quick: { type: 'boolean' },
      out: { type: 'string' },
      'txn-records': { type: 'string' },
      endpoints: { type: 'string' },
      'keep-topics': { type: 'boolean' },
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    const quick = values.quick === true;
    let sizes = quick ? QUICK_SIZES : DEFAULT_SIZES;
    if (values.endpoints !== undefined) {
      const counts = values.endpoints.split(',').map((text) => Number(text.trim()));
      if (counts.some((n) => !Number.isSafeInteger(n) || n < 1)) throw new UsageError(`--endpoints must list positive integers (got '${values.endpoints}')`);
      const total = sizes.scale[0]?.commandsPerEndpoint ?? 1_000;
      sizes = { ...sizes, scale: counts.map((endpoints) => ({ endpoints, commandsPerEndpoint: Math.max(10, Math.round(total / endpoints)) })) };
    }
    const txnRecords = values['txn-records'] === undefined ? undefined : Number(values['txn-records']);
    if (txnRecords !== undefined && (!Number.isSafeInteger(txnRecords) || txnRecords < 1)) throw new UsageError('--txn-records must be a positive integer');
    const config = loadConfig();
    const problem = await kafkaProblem(config);
    if (problem !== null) {
      process.stderr.write(`fabric bench: ${problem}\n`);
      return 1;
    }
    const logger = createLogger('bench', 'info');
    const serviceLogger = createLogger('bench-services', 'warn');
    const apps = await loadApps();
    const output = await runBench({
      config,
      logger,
      serviceLogger,
      apps,
      mode: quick ? 'quick' : 'default',
      sizes,
      outDir: resolve(process.cwd(), values.out ?? 'bench-results'),
      command: `npm run fabric -- bench ${args.join(' ')}`.trim(),
      keepTopics: values['keep-topics'] === true,
      sequencerLimits: txnRecords === undefined ? {} : { transactionRecordsMax: txnRecords },
    });
    process.stdout.write(`${output.markdown}\n`);
    process.stdout.write(`written: ${output.files.markdown}\n         ${output.files.json}\n         ${output.files.svg}\n`);
    return 0;
  },
};
