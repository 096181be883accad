import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { intOption, parseOptions, UsageError, type CliCommand } from '../cli/cli-command';
import { runScenarioFiles } from '../scenario/run-scenario-files';
import { SCENARIO_RUNNER_DEFAULTS } from '../scenario/scenario-runner';

export const scenarioCommand: CliCommand = {
  name: 'scenario',
  summary: 'play scenario files against the stack and check every outcome',
  help: `usage: fabric scenario [--attach] [--outcome-wait-ms N] [--verbose] <file.json | dir>…

Plays each scenario file (format: SCENARIOS.md) against the real stack, one
after another: registers a fresh endpoint per run, sends one step at a time
into its command topic and waits for that record's outcome in the Postgres
projection, then checks \`final\`. A directory means every *.json in it.

Prints one line per step (index, actor, command, expected, got, PASS/FAIL)
and ends with \`N passed, N failed\`, counting checks: the runner's
registration, each step with an \`expect\`, and each \`final\` block.
Exit code: 0 all passed, 1 a check failed or the stack did not answer,
2 bad arguments or an invalid scenario file (then nothing is sent).

Options:
  --attach              use a sequencer and projector that are already running
                        (\`npm run fabric -- services\`); by default the run starts
                        its own as child processes and stops them at the end
  --outcome-wait-ms N   how long one step waits for its outcome (default ${SCENARIO_RUNNER_DEFAULTS.outcomeWaitMs})
  --verbose             show the logs of the services the run starts

Needs Kafka and Postgres: \`npm run stack:up\`. Environment: KAFKA_BROKERS,
DATABASE_URL, FABRIC_TOPIC_PREFIX, LOG_LEVEL.`,
  async run(args) {
    const { values, positionals } = parseOptions(args, {
      attach: { type: 'boolean' },
      'outcome-wait-ms': { type: 'string' },
      verbose: { type: 'boolean' },
    });
    if (positionals.length === 0) throw new UsageError('name at least one scenario file, e.g. `npm run fabric -- scenario ../shared/scenarios`');
    const summary = await runScenarioFiles(await expandFiles(positionals), {
      attach: values.attach ?? false,
      outcomeWaitMs: intOption('outcome-wait-ms', values['outcome-wait-ms'], SCENARIO_RUNNER_DEFAULTS.outcomeWaitMs),
      verbose: values.verbose ?? false,
    });
    return summary.exitCode;
  },
};

/** Directories become their *.json files, sorted; files stay as given (a missing one is reported by the runner). */
async function expandFiles(paths: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) {
    const isDirectory = await stat(path).then(
      (info) => info.isDirectory(),
      () => false,
    );
    if (!isDirectory) {
      files.push(path);
      continue;
    }
    const inside = (await readdir(path)).filter((name) => name.endsWith('.json')).sort();
    if (inside.length === 0) throw new UsageError(`${path} holds no *.json scenario files`);
    files.push(...inside.map((name) => join(path, name)));
  }
  return files;
}
