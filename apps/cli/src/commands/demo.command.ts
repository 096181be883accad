import { parseOptions, UsageError, type CliCommand } from '../cli/cli-command';

export const demoCommand: CliCommand = {
  name: 'demo',
  summary: 'stage the incident through a naive control plane, then through the fabric (npm run demo)',
  help: `usage: fabric demo [--quick] [--verbose] [--attach]

Stages the incident's race twice with real processes and real timing —
through a naive control plane, then through the fabric — and prints them
side by side. Exit code 1 if the fabric broke an invariant, or if the naive
run did not lose its records (then the staging is wrong); 0 otherwise.

Options:
  --quick     the shorter schedule
  --verbose   narrate every claim, write and outcome, not just the moments of the race
  --attach    use a sequencer and projector that are already running
              (\`npm run fabric -- services\`) instead of starting them for the demo

Needs Kafka and Postgres: \`npm run stack:up\`.`,
  async run(args) {
    const { values, positionals } = parseOptions(args, {
      quick: { type: 'boolean' },
      verbose: { type: 'boolean' },
      attach: { type: 'boolean' },
    });
    if (positionals.length > 0) throw new UsageError(`fabric demo takes no arguments (got ${positionals.join(' ')})`);
    // Loaded on use: the other subcommands do not pay for the demo's imports.
    const { runDemo } = await import('../demo');
    return runDemo({ quick: values.quick ?? false, verbose: values.verbose ?? false, startServices: !(values.attach ?? false) });
  },
};
