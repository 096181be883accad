import {
  BROKEN_VARIANTS,
  SIM_DEFAULTS,
  runSeeds,
  shrinkFailure,
  simulateSeed,
  SHRINK_DEFAULTS,
  type BrokenVariant,
  type SimOptions,
  type SimResult,
} from '@plan-fabric/simulation';
import { intOption, parseOptions, UsageError, type CliCommand } from '../cli/cli-command';

const SEEDS_DEFAULT = 1_000;
const STEPS_DEFAULT = SIM_DEFAULTS.steps;

export const simCommand: CliCommand = {
  name: 'sim',
  summary: 'deterministic simulation: many seeded runs of the real decide under races, faults and crashes',
  help: `usage: fabric sim [--seeds N] [--first-seed S] [--seed S] [--steps N] [--trace] [--break ${Object.keys(BROKEN_VARIANTS).join('|')}] [--shrink-runs N]

Runs the real decide/evolve (libs/domain) under a seeded simulator: planners,
enactors (claim, stall, fenced backend write, confirm), janitors and
operators on a virtual clock; every command is signed with its actor's
simulation key, registered by the operator through the command log first;
the network delays, duplicates and reorders commands before the ordered
command log; event feeds are delayed and redelivered; actors crash and
restart from the event log; the sequencer fails over; an attacker sends
forged commands (unsigned, signed by an unregistered key, re-signed as
another actor, a genuine signature copied onto another command), each of
which must be NOT_AUTHENTICATED and change nothing. Invariants 1-5 are
checked after every decision, 8 after every backend write, and 5, 6 (replay
of the command log alone, signatures verified again), 7 and convergence at
the end of every run.

A failing seed is printed, replays exactly (fabric sim --seed S), and is
shrunk to a short trace, which is printed.

Options:
  --seeds N         seeds to run (default ${SEEDS_DEFAULT})
  --first-seed S    the first seed (default 1); seeds S, S+1, … run
  --seed S          run seed S alone and print its summary (with --trace, every step)
  --steps N         agenda steps per seed before the run drains (default ${STEPS_DEFAULT})
  --trace           with --seed: print the whole trace
  --break V         prove the checker can fail: run a deliberately broken fabric —
                    fence: ${BROKEN_VARIANTS.fence.description};
                    quorum: ${BROKEN_VARIANTS.quorum.description};
                    signatures: ${BROKEN_VARIANTS.signatures.description}
  --shrink-runs N   candidate runs the shrinker may try (default ${SHRINK_DEFAULTS.runsMax})

Exit code: 0 no invariant broken, 1 a seed failed (expected with --break), 2 bad arguments.
Needs nothing but Node: no Kafka, no Postgres.`,
  async run(args) {
    const { values, positionals } = parseOptions(args, {
      seeds: { type: 'string' },
      'first-seed': { type: 'string' },
      seed: { type: 'string' },
      steps: { type: 'string' },
      trace: { type: 'boolean' },
      break: { type: 'string' },
      'shrink-runs': { type: 'string' },
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    const broken = values.break;
    if (broken !== undefined && !(broken in BROKEN_VARIANTS)) {
      throw new UsageError(`--break must be one of ${Object.keys(BROKEN_VARIANTS).join(', ')} (got '${broken}')`);
    }
    const steps = intOption('steps', values.steps, STEPS_DEFAULT);
    if (steps < 1) throw new UsageError('--steps must be at least 1');
    const options: SimOptions = { steps, ...(broken === undefined ? {} : BROKEN_VARIANTS[broken as BrokenVariant].options) };
    const shrinkRuns = intOption('shrink-runs', values['shrink-runs'], SHRINK_DEFAULTS.runsMax);
    const out = (line: string) => process.stdout.write(`${line}\n`);
    if (broken !== undefined) out(`BROKEN fabric (--break ${broken}): ${BROKEN_VARIANTS[broken as BrokenVariant].description}; the simulator must find it`);

    if (values.seed !== undefined) {
      const seed = intOption('seed', values.seed, 0);
      const result = simulateSeed(seed, { ...options, keepTrace: true });
      if (values.trace === true) for (const line of result.trace ?? []) out(line);
      out(describeRun(result));
      if (result.failure !== null) reportFailure(result, options, shrinkRuns, out);
      return result.failure === null ? 0 : 1;
    }

    const seeds = intOption('seeds', values.seeds, SEEDS_DEFAULT);
    const firstSeed = intOption('first-seed', values['first-seed'], 1);
    if (seeds < 1) throw new UsageError('--seeds must be at least 1');
    out(`fabric sim: seeds ${firstSeed}..${firstSeed + seeds - 1}, ${steps} steps each, real decide/evolve, checks after every step`);
    const interactive = process.stderr.isTTY === true;
    const summary = runSeeds({
      ...options,
      firstSeed,
      seeds,
      progressEveryMs: interactive ? 500 : 5_000,
      onProgress: (p) => {
        const line = `  ${p.seedsRun}/${p.seeds} seeds  ${p.steps.toLocaleString('en-US')} steps  ${rate(p.steps, p.elapsedMs)} steps/s  failures ${p.failures}`;
        process.stderr.write(interactive ? `\r${line}` : `${line}\n`);
      },
    });
    if (interactive) process.stderr.write('\r\x1b[K');
    const outcomes = Object.entries(summary.outcomes)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([key, count]) => `${key} ${count.toLocaleString('en-US')}`)
      .join(', ');
    out(`  outcomes: ${outcomes}`);
    out(
      `  faults: ${summary.crashes.toLocaleString('en-US')} crashes, ${summary.duplicatesSent.toLocaleString('en-US')} duplicated commands, ` +
        `${summary.stalls.toLocaleString('en-US')} enactor stalls; backend writes ${summary.writesAccepted.toLocaleString('en-US')} accepted, ` +
        `${summary.writesRefused.toLocaleString('en-US')} refused by the fence; ` +
        `${summary.forged.toLocaleString('en-US')} forged commands, ${summary.forgedRefused.toLocaleString('en-US')} refused NOT_AUTHENTICATED; ${(summary.virtualMs / 1000).toLocaleString('en-US', { maximumFractionDigits: 0 })} s of virtual time`,
    );
    if (summary.servedPlanDeleted > 0) {
      out(`  note: ${summary.servedPlanDeleted} deletes left the backend serving the deleted plan's records (see README: confirmations carry no activation)`);
    }
    out(
      `seeds run ${summary.seedsRun}, steps ${summary.steps.toLocaleString('en-US')}, ${rate(summary.steps, summary.elapsedMs)} steps/s ` +
        `(${(summary.elapsedMs / 1000).toFixed(1)} s; ${rate(summary.steps, summary.cpuMs)} per CPU-second), failures ${summary.failures}`,
    );
    const first = summary.failed[0];
    if (first !== undefined) {
      out(`failing seeds: ${summary.failed.map((result) => result.seed).join(', ')}`);
      reportFailure(first, options, shrinkRuns, out);
    }
    return summary.failures === 0 ? 0 : 1;
  },
};

function rate(steps: number, elapsedMs: number): string {
  return Math.round(steps / Math.max(elapsedMs / 1000, 1e-9)).toLocaleString('en-US');
}

function describeRun(result: SimResult): string {
  const verdict = result.failure === null ? 'ok' : `FAILED ${result.failure.invariant} at step ${result.failure.step}: ${result.failure.message}`;
  return `seed ${result.seed}: ${result.steps} steps, ${result.stats.commands} commands, ${(result.virtualMs / 1000).toFixed(1)} s virtual, trace sha256 ${result.hash.slice(0, 16)}… — ${verdict}`;
}

function reportFailure(result: SimResult, options: SimOptions, runsMax: number, out: (line: string) => void): void {
  const failure = result.failure!;
  out(`seed ${result.seed} FAILED ${failure.invariant} at step ${failure.step} (${failure.atMs} ms virtual): ${failure.message}`);
  out(`  replay it exactly: npm run fabric -- sim --seed ${result.seed} --steps ${options.steps} --trace`);
  const shrunk = shrinkFailure(result, options, { runsMax });
  const lines = shrunk.result.trace ?? [];
  out(
    `  shrunk in ${shrunk.runs} runs: ${shrunk.originalSteps} → ${shrunk.result.failure!.step} steps, ` +
      `${shrunk.originalChoices} → ${shrunk.choices.length} choices; the short trace (${lines.length} lines):`,
  );
  for (const line of lines) out(`    ${line}`);
}
