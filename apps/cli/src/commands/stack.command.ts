import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { parseOptions, UsageError, type CliCommand } from '../cli/cli-command';
import { REPO_ROOT } from '../repo-root';

const ACTIONS = ['up', 'down', 'status', 'reset'] as const;

export const stackCommand: CliCommand = {
  name: 'stack',
  summary: 'start, stop or check the local Kafka (and check Postgres)',
  help: `usage: fabric stack up|down|status|reset

Runs \`bash scripts/stack.sh <action>\`:
  up      start a local single-node Kafka at 127.0.0.1:9092 (once fetched), check Postgres
  down    stop the Kafka that \`up\` started
  status  does Kafka answer? does Postgres answer? (exit 0 only if both do)
  reset   down, then delete the local Kafka data (all topics)`,
  async run(args) {
    const { positionals } = parseOptions(args, {});
    const action = positionals[0];
    if (positionals.length !== 1 || !(ACTIONS as readonly string[]).includes(action ?? '')) {
      throw new UsageError(`fabric stack needs one of ${ACTIONS.join(', ')}${action === undefined ? '' : ` (got ${positionals.join(' ')})`}`);
    }
    const child = spawn('bash', [resolve(REPO_ROOT, 'scripts/stack.sh'), action as string], { cwd: REPO_ROOT, stdio: 'inherit' });
    return new Promise<number>((resolveExit, rejectExit) => {
      child.once('error', (error) => rejectExit(new Error(`could not run bash scripts/stack.sh: ${error.message}`)));
      child.once('exit', (code, signal) => resolveExit(code ?? (signal === 'SIGINT' ? 130 : 1)));
    });
  },
};
