import { parseOptions, UsageError, type CliCommand } from '../cli/cli-command';
import { loadConfig } from '@plan-fabric/config';
import { kafkaProblem } from '../services/preflight';
import { FABRIC_SERVICES, ServiceProcesses } from '../services/service-processes';

export const servicesCommand: CliCommand = {
  name: 'services',
  summary: 'run the sequencer and projector in the foreground until Ctrl-C',
  help: `usage: fabric services

Starts ${FABRIC_SERVICES.map((service) => `${service.name} (${service.entry})`).join(' and ')}
as child processes, shows their logs, and runs until Ctrl-C (or SIGTERM),
which stops both. If one of them exits on its own, the other is stopped too
and the exit code is 1. For a long-running stack next to
\`npm run fabric -- scenario --attach …\`.

Needs Kafka and Postgres: \`npm run stack:up\`.`,
  async run(args) {
    const { positionals } = parseOptions(args, {});
    if (positionals.length > 0) throw new UsageError(`fabric services takes no arguments (got ${positionals.join(' ')})`);
    const kafkaDown = await kafkaProblem(loadConfig());
    if (kafkaDown !== null) {
      process.stderr.write(`${kafkaDown}\n`);
      return 1;
    }
    process.stderr.write('starting the sequencer and projector …\n');
    const services = await ServiceProcesses.start({ echo: true });
    process.stderr.write(`running ${services.describe()}; Ctrl-C stops them\n`);
    // Ctrl-C is handled by the CLI's interrupt handler, which stops the services and exits.
    const problem = await services.exited();
    process.stderr.write(`${problem}\nstopping the other service …\n`);
    await services.stop();
    return 1;
  },
};
