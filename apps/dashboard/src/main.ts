import { createLogger, loadConfig, stopOnSignals } from '@plan-fabric/config';
import { dashboardSettings, startDashboard } from './index';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('dashboard', config.logLevel);
  const dashboard = await startDashboard(config, dashboardSettings(config), logger);
  process.stderr.write(`dashboard at ${dashboard.url}\n`);
  stopOnSignals(dashboard, logger);
}

main().catch((error: unknown) => {
  process.stderr.write(`dashboard failed to start: ${String(error)}\n`);
  process.exit(1);
});
