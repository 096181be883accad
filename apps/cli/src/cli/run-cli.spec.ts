import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../commands';
import { UsageError, type CliCommand } from './cli-command';
import { runCli } from './run-cli';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (text: string) => out.push(text), err: (text: string) => err.push(text) }, out, err };
}

const echo: CliCommand = {
  name: 'echo',
  summary: 'says what it got',
  help: 'usage: fabric echo <words>',
  async run(args) {
    if (args.length === 0) throw new UsageError('give it words');
    return args.length;
  },
};

describe('runCli', () => {
  it('lists every subcommand in the overall help', async () => {
    const { io, out } = capture();
    expect(await runCli(['--help'], COMMANDS, io)).toBe(0);
    for (const name of ['scenario', 'services', 'demo', 'stack']) expect(out.join('\n')).toContain(`  ${name}`);
  });

  it('shows a subcommand help for `<name> --help` and `help <name>`', async () => {
    for (const argv of [['scenario', '--help'], ['help', 'scenario']]) {
      const { io, out } = capture();
      expect(await runCli(argv, COMMANDS, io)).toBe(0);
      expect(out.join('\n')).toMatch(/^usage: fabric scenario/);
    }
  });

  it('names the valid subcommands for an unknown one, exit 2', async () => {
    const { io, err } = capture();
    expect(await runCli(['nope'], COMMANDS, io)).toBe(2);
    expect(err.join('\n')).toContain("unknown command 'nope'; valid commands: scenario, services, demo, stack");
  });

  it('turns a UsageError into the usage line and exit 2', async () => {
    const { io, err } = capture();
    expect(await runCli(['echo'], [echo], io)).toBe(2);
    expect(err).toEqual(['fabric echo: give it words', 'usage: fabric echo <words>   (fabric echo --help for more)']);
    expect(await runCli(['echo', 'a', 'b', 'c'], [echo], capture().io)).toBe(3);
  });

  it('rejects unknown options of a real subcommand', async () => {
    const { io, err } = capture();
    expect(await runCli(['scenario', '--bogus', 'f.json'], COMMANDS, io)).toBe(2);
    expect(err[0]).toContain("Unknown option '--bogus'");
  });
});
