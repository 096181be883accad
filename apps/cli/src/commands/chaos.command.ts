import { intOption, parseOptions, UsageError, type CliCommand } from '../cli/cli-command';
import { onInterrupt } from '../cli/interrupts';
import { REPO_ROOT } from '../repo-root';

export const chaosCommand: CliCommand = {
  name: 'chaos',
  summary: 'inject faults (kills, pauses, broker and Postgres restarts, retries) under load on a private stack, then audit',
  help: `usage: fabric chaos [--quick] [--duration-s N] [--endpoints N] [--seed N] [--keep]

Starts its OWN Kafka broker (scripts/stack.sh under a temporary PLAN_FABRIC_HOME)
and its OWN Postgres cluster (initdb + pg_ctl), on free 127.0.0.1 ports picked
at random between 20000 and 32000, so that restarting them never touches the
shared broker or the machine's Postgres. Runs two sequencers and a
projector as child processes, puts a steady command load on a few endpoints
(planner, enactors, janitor, operator; some commands resent under the same
commandId), and injects, each at least twice:

  kill -9 of a sequencer with its transaction open   (a new one is started)
  SIGSTOP of a sequencer past its 10 s session timeout while the other takes
    over, then SIGCONT                               (its commit must be fenced)
  restart of the Kafka broker                        (SIGTERM, then SIGKILL)
  kill -9 of the projector between its inserts and COMMIT
  restart of Postgres                                (-m fast, then -m immediate)
  producer retries                                   (same commandId resent)

Then it stops the load, lets everything drain, reads both logs back (read
committed) and checks: every command record has exactly one outcome; each
endpoint's event sequence is contiguous with no duplicate; replaying the
command log through decide reproduces the event log byte for byte; the
Postgres projection equals the fold of the events; no invariant broke; no
acknowledged command is lost. Prints the fault table; exit 1 on any
violation, lost command, or fault that could not be injected.

Options:
  --quick          CI size: every fault kind twice, short gaps (a few minutes)
  --duration-s N   without --quick: keep injecting faults for N seconds (default 240)
  --endpoints N    endpoints under load (default 3)
  --seed N         seed of the command mix (default: random, printed)
  --keep           keep the run directory (service logs, broker and database data)
                   even when the run passed; it is always kept when it failed

Needs Java 17 (and the broker jars cached by \`npm run stack:up\`, or Maven to
fetch them) and PostgreSQL's initdb/pg_ctl (/usr/lib/postgresql/<n>/bin).`,
  async run(args) {
    const { values, positionals } = parseOptions(args, {
      quick: { type: 'boolean' },
      'duration-s': { type: 'string' },
      endpoints: { type: 'string' },
      seed: { type: 'string' },
      keep: { type: 'boolean' },
    });
    if (positionals.length > 0) throw new UsageError(`fabric chaos takes no arguments (got ${positionals.join(' ')})`);
    const endpoints = intOption('endpoints', values.endpoints, 3);
    if (endpoints < 1 || endpoints > 20) throw new UsageError('--endpoints must be between 1 and 20');
    const durationS = intOption('duration-s', values['duration-s'], 240);
    if (durationS > 3_600) throw new UsageError('--duration-s must be at most 3600');
    const seed = values.seed === undefined ? undefined : intOption('seed', values.seed, 0);
    // Loaded on use: the other subcommands do not pay for the chaos run's imports.
    const { formatReport, passed, startChaos } = await import('@plan-fabric/chaos');
    const handle = startChaos({
      repoRoot: REPO_ROOT,
      quick: values.quick ?? false,
      durationS,
      endpoints,
      keep: values.keep ?? false,
      progress: (line) => process.stderr.write(`${line}\n`),
      ...(seed === undefined ? {} : { seed }),
    });
    const forget = onInterrupt(() => handle.abort());
    try {
      const report = await handle.report;
      process.stdout.write(`\n${formatReport(report)}\n`);
      return passed(report) ? 0 : 1;
    } finally {
      forget();
    }
  },
};
