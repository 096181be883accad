import { createLogger, loadConfig } from '@plan-fabric/config';
import { metricsPortOf, parseMetricsPort } from '@plan-fabric/metrics';
import { createProjectorApp } from './index';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('projector', config.logLevel);
  // Fault injection for `fabric chaos` only; unset (0) in every real deployment.
  const faultPauseBeforeCommitMs = Number(process.env['FABRIC_FAULT_PROJECTOR_PAUSE_BEFORE_COMMIT_MS'] ?? 0) || 0;
  // GET /metrics on FABRIC_METRICS_PORT + 1 (the sequencer has the port itself); unset: no listener.
  const metricsPort = metricsPortOf('projector', parseMetricsPort(process.env['FABRIC_METRICS_PORT']));
  const app = await createProjectorApp(config, logger, { faultPauseBeforeCommitMs }, { port: metricsPort });
  // SIGTERM/SIGINT close the app: consumers stop after their current batch, the pool ends.
  app.enableShutdownHooks();
}

main().catch((error: unknown) => {
  process.stderr.write(
    `projector failed to start: ${String(error)}\nIs the stack up? run \`npm run stack:up\` (Kafka at KAFKA_BROKERS, Postgres at DATABASE_URL)\n`,
  );
  process.exit(1);
});
