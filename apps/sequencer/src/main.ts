import { createLogger, loadConfig } from '@plan-fabric/config';
import { startSequencer } from './index';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('sequencer', config.logLevel);
  const sequencer = await startSequencer(config, logger);
  const shutdown = (signal: string) => {
    logger.info('shutting down', { signal });
    sequencer.stop().then(
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
  process.stderr.write(`sequencer failed to start: ${String(error)}\nIs Kafka up? run \`npm run stack:up\`\n`);
  process.exit(1);
});
