import type { CliCommand } from './cli-command';
import { UsageError } from './cli-command';

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

const processIo: CliIo = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
};

export function overallHelp(commands: readonly CliCommand[]): string {
  const width = Math.max(...commands.map((command) => command.name.length));
  return [
    'usage: fabric <command> [options]        (npm run fabric -- <command> …)',
    '',
    'Plan Fabric: one ordered, validating decision point for DNS plan changes.',
    '',
    'Commands:',
    ...commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    '',
    'fabric <command> --help shows a command\'s options. Kafka and Postgres: `npm run stack:up`.',
  ].join('\n');
}

/** Dispatches argv (without node and script) to a subcommand; resolves with the exit code. */
export async function runCli(argv: readonly string[], commands: readonly CliCommand[], io: CliIo = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? rest[0] : undefined;
    const command = commands.find((candidate) => candidate.name === topic);
    io.out(command?.help ?? overallHelp(commands));
    return name === undefined ? 2 : 0;
  }
  const command = commands.find((candidate) => candidate.name === name);
  if (command === undefined) {
    io.err(`unknown command '${name}'; valid commands: ${commands.map((candidate) => candidate.name).join(', ')} (fabric --help)`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(command.help);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`fabric ${command.name}: ${error.message}`);
      io.err(`${command.help.split('\n')[0] ?? ''}   (fabric ${command.name} --help for more)`);
      return 2;
    }
    throw error;
  }
}
