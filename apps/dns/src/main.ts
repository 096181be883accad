import { createLogger, loadConfig } from '@plan-fabric/config';
import { DNS_USAGE, readDnsSettings, startDnsFace } from './index';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${DNS_USAGE}\n`);
    return;
  }
  let settings;
  try {
    settings = readDnsSettings(args);
  } catch (error) {
    process.stderr.write(`dns: ${error instanceof Error ? error.message : String(error)}\n${DNS_USAGE.split('\n')[0]}\n`);
    process.exit(2);
  }
  const config = loadConfig();
  const logger = createLogger('dns', config.logLevel);
  const face = await startDnsFace(config, logger, settings);
  const shutdown = (signal: string) => {
    logger.info('shutting down', { signal });
    face.stop().then(
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
  const text = String(error);
  const hint = text.includes('EADDRINUSE') ? 'the port is taken (by another DNS server or an mDNS responder on 5353?): pick one with --port' : 'is Postgres up at DATABASE_URL?';
  process.stderr.write(`dns failed to start: ${text}\n${hint}\n`);
  process.exit(1);
});
