import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Pool } from 'pg';
import type { FabricConfig, Logger } from '@plan-fabric/config';
import { createPool } from '@plan-fabric/db';
import { DnsResponder, DEFAULT_RESPONDER_SETTINGS } from './dns-responder';
import { DEFAULT_DNS_SERVER_OPTIONS, DnsServer, type DnsAddress } from './dns-server';
import { DNS_SETTINGS, FABRIC_CONFIG, LOGGER } from './dns.constants';
import { zoneName, type DnsSettings } from './dns.settings';
import { PgRecordSource } from './pg-record-source';

/** The DNS face: a DNS server on loopback answering from one DNS backend in Postgres. */
@Injectable()
export class DnsFaceService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly pool: Pool;
  private readonly server: DnsServer;
  private readonly source: PgRecordSource;
  private bound: DnsAddress | null = null;

  constructor(
    @Inject(FABRIC_CONFIG) config: FabricConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(DNS_SETTINGS) private readonly settings: DnsSettings,
  ) {
    // Short timeouts: a resolver gives up after a few seconds anyway, and SERVFAIL says more than silence.
    this.pool = createPool(config, logger, {
      applicationName: `plan-fabric-dns-${settings.backend}`,
      maxConnections: 4,
      connectionTimeoutMs: 2_000,
      statementTimeoutMs: 2_000,
    });
    this.source = new PgRecordSource(this.pool, settings.backend);
    const responder = new DnsResponder(this.source, {
      ...DEFAULT_RESPONDER_SETTINGS,
      zone: zoneName(settings.zone),
      negativeTtl: settings.negativeTtl,
    });
    this.server = new DnsServer(responder, { ...DEFAULT_DNS_SERVER_OPTIONS, host: settings.host, port: settings.port, tcp: settings.tcp }, logger);
  }

  async onApplicationBootstrap(): Promise<void> {
    try {
      this.bound = await this.server.listen();
    } catch (error) {
      await this.pool.end().catch(() => undefined);
      throw error;
    }
    // Answers need the backend's tables; say so now rather than with the first SERVFAIL.
    await this.source.lookup('plan-fabric-dns-startup-check').catch((error: unknown) =>
      this.logger.warn('the DNS backend cannot be read yet; queries get SERVFAIL until it can (are the migrations applied? the projector or `npm run demo` applies them)', {
        backend: this.settings.backend,
        error,
      }),
    );
    const { host, udpPort, tcpPort } = this.bound;
    this.logger.info('dns started', {
      host,
      udpPort,
      tcpPort,
      backend: this.settings.backend,
      zone: zoneName(this.settings.zone).join('.') + '.',
      try: `dig @${host} -p ${udpPort} <endpoint>.${zoneName(this.settings.zone).join('.')} A`,
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.server.close();
    await this.pool.end().catch(() => undefined);
    this.logger.info('dns stopped', { queries: this.server.stats.queries, byRcode: this.server.stats.byRcode, dropped: this.server.stats.dropped });
  }

  /** Where it listens (after bootstrap). */
  address(): DnsAddress {
    if (this.bound === null) throw new Error('the DNS face is not listening yet');
    return this.bound;
  }
}
