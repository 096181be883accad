import { createLogger, loadConfig, stopOnSignals } from '@plan-fabric/config';
import { metricsPortOf, parseMetricsPort } from '@plan-fabric/metrics';
import { startSequencer } from './index';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('sequencer', config.logLevel);
  // Fault injection for `fabric chaos` only; unset (0) in every real deployment.
  const faultPauseBeforeCommitMs = Number(process.env['FABRIC_FAULT_SEQUENCER_PAUSE_BEFORE_COMMIT_MS'] ?? 0) || 0;
  // GET /metrics on FABRIC_METRICS_PORT (the projector takes the port after it); unset: no listener.
  const metricsPort = metricsPortOf('sequencer', parseMetricsPort(process.env['FABRIC_METRICS_PORT']));
  const sequencer = await startSequencer(config, logger, { faultPauseBeforeCommitMs }, { port: metricsPort });
  stopOnSignals(sequencer, logger);
}

main().catch((error: unknown) => {
  process.stderr.write(`sequencer failed to start: ${String(error)}\nIs Kafka up? run \`npm run stack:up\`\n`);
  process.exit(1);
});
