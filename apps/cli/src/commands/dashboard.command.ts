import { resolve } from 'node:path';
import { createLogger, loadConfig } from '@plan-fabric/config';
import { intOption, parseOptions, UsageError, type CliCommand } from '../cli/cli-command';
import { onInterrupt } from '../cli/interrupts';
import { REPO_ROOT } from '../repo-root';

/** The dashboard is an application and has no import alias: the CLI loads the real one from its entry file. */
export const DASHBOARD_ENTRY = resolve(REPO_ROOT, 'apps/dashboard/src/index.ts');
export type DashboardEntry = typeof import('../../../dashboard/src/index');

export function loadDashboard(): Promise<DashboardEntry> {
  return import(DASHBOARD_ENTRY) as Promise<DashboardEntry>;
}

export const dashboardCommand: CliCommand = {
  name: 'dashboard',
  summary: 'serve the operator dashboard and its HTTP API until Ctrl-C',
  help: `usage: fabric dashboard [--port N] [--host ADDRESS] [--operator ID]

Serves the operator page at http://HOST:PORT/ and the API under /api:
endpoints with their live plan and generation, plan history on a timeline,
enactor confirmations and lag, rejected commands by reason, updating live
(Server-Sent Events) — plus OperatorActivate and dry runs.

It reads Postgres as the read-only role fabric_reader (DATABASE_URL with the
user replaced, or DASHBOARD_DATABASE_URL) and refuses to start with a role
that can write. The projector creates that role when it migrates, so run
\`npm run fabric -- services\` (or have it run) first.

Options:
  --port N          port to listen on (default 8080; 0 picks a free one)
  --host ADDRESS    address to listen on (default 127.0.0.1: the API can publish
                    operator commands, so it is not exposed unless asked)
  --operator ID     actor id of activations sent without an X-Fabric-Operator
                    header (default: dashboard)

Environment: DATABASE_URL, DASHBOARD_DATABASE_URL, KAFKA_BROKERS,
FABRIC_TOPIC_PREFIX, FABRIC_ENDPOINTS (which endpoints it shows), LOG_LEVEL.`,
  async run(args) {
    const { values, positionals } = parseOptions(args, {
      port: { type: 'string' },
      host: { type: 'string' },
      operator: { type: 'string' },
    });
    if (positionals.length > 0) throw new UsageError(`fabric dashboard takes no arguments (got ${positionals.join(' ')})`);
    const port = intOption('port', values.port, 8080);
    if (port > 65_535) throw new UsageError(`--port ${port} is not a port`);
    const config = loadConfig();
    const logger = createLogger('dashboard', config.logLevel);
    const { dashboardSettings, startDashboard } = await loadDashboard();
    const settings = dashboardSettings(config, {
      port,
      ...(values.host !== undefined && { host: values.host }),
      ...(values.operator !== undefined && { operatorId: values.operator }),
    });
    let dashboard;
    try {
      dashboard = await startDashboard(config, settings, logger);
    } catch (error) {
      process.stderr.write(`fabric dashboard: ${error instanceof Error ? error.message : String(error)}\n`);
      return 1;
    }
    const running = dashboard;
    // Ctrl-C is handled by the CLI's interrupt handler, which runs this and exits.
    onInterrupt(() => running.stop());
    process.stdout.write(`dashboard at ${running.url}/ (API under ${running.url}/api); Ctrl-C stops it\n`);
    await new Promise<never>(() => undefined);
    return 0;
  },
};
