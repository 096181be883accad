import { createLogger, loadConfig } from '@plan-fabric/config';
import { createProjectorApp } from './index';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('projector', config.logLevel);
  const app = await createProjectorApp(config, logger);
  // SIGTERM/SIGINT close the app: consumers stop after their current batch, the pool ends.
  app.enableShutdownHooks();
}

main().catch((error: unknown) => {
  process.stderr.write(
    `projector failed to start: ${String(error)}\nIs the stack up? run \`npm run stack:up\` (Kafka at KAFKA_BROKERS, Postgres at DATABASE_URL)\n`,
  );
  process.exit(1);
});
