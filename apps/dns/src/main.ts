import { createLogger, loadConfig, stopOnSignals } from '@plan-fabric/config';
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
  stopOnSignals(face, logger);
}

main().catch((error: unknown) => {
  const text = String(error);
  const hint = text.includes('EADDRINUSE') ? 'the port is taken (by another DNS server or an mDNS responder on 5353?): pick one with --port' : 'is Postgres up at DATABASE_URL?';
  process.stderr.write(`dns failed to start: ${text}\n${hint}\n`);
  process.exit(1);
});
