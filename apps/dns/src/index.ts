import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { createLogger, type FabricConfig, type Logger } from '@plan-fabric/config';
import { DnsModule } from './dns.module';
import { DnsFaceService } from './dns.service';
import type { DnsAddress } from './dns-server';
import type { DnsSettings } from './dns.settings';

export { DnsResponder, DEFAULT_RESPONDER_SETTINGS, type EndpointLookup, type RecordSource, type QueryOutcome } from './dns-responder';
export { DnsServer, DEFAULT_DNS_SERVER_OPTIONS, type DnsAddress } from './dns-server';
export { DEFAULT_DNS_SETTINGS, DEFAULT_ZONES, DNS_USAGE, readDnsSettings, zoneName, type DnsSettings } from './dns.settings';
export { PgRecordSource } from './pg-record-source';
export * from './dns-wire';

/** Starts a DNS face in this process (tests); `stop` closes its sockets and its pool. */
export async function startDnsFace(
  config: FabricConfig,
  logger: Logger = createLogger('dns', config.logLevel),
  settings: Partial<DnsSettings> = {},
): Promise<{ address: DnsAddress; stop(): Promise<void> }> {
  const app = await NestFactory.createApplicationContext(DnsModule.register(config, logger, settings), { logger: false, abortOnError: false });
  await app.init();
  return { address: app.get(DnsFaceService).address(), stop: () => app.close() };
}
