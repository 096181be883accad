import { createLogger, loadConfig } from '@plan-fabric/config';
import { dashboardSettings, startDashboard } from './index';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('dashboard', config.logLevel);
  const dashboard = await startDashboard(config, dashboardSettings(config), logger);
  process.stderr.write(`dashboard at ${dashboard.url}\n`);
  const shutdown = (signal: string) => {
    logger.info('shutting down', { signal });
    dashboard.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error('shutdown failed', { error });
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`dashboard failed to start: ${String(error)}\n`);
  process.exit(1);
});
