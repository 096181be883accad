import { installInterruptHandlers } from './cli/interrupts';
import { runCli } from './cli/run-cli';
import { COMMANDS } from './commands';

installInterruptHandlers();
runCli(process.argv.slice(2), COMMANDS).then(
  (code) => {
    process.exit(code);
  },
  (error: unknown) => {
    process.stderr.write(`fabric: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
