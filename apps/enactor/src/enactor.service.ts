import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Pool } from 'pg';
import type { FabricConfig, Logger } from '@plan-fabric/config';
import { connectFabricIo, Enactor, jsonLinesReporter, PgDnsBackend, type EnactorOptions, type FabricIo } from '@plan-fabric/actors';
import { withKafkaPrincipal } from '@plan-fabric/kafka';
import { createPool } from '@plan-fabric/db';
import { ENACTOR_SETTINGS, FABRIC_CONFIG, LOGGER, ON_FATAL } from './enactor.constants';

/** One enactor of one endpoint: follows its events, writes the fenced DNS backend, confirms. */
@Injectable()
export class EnactorService implements OnApplicationBootstrap, OnApplicationShutdown {
  private pool: Pool | null = null;
  private io: FabricIo | null = null;
  private enactor: Enactor | null = null;

  constructor(
    @Inject(FABRIC_CONFIG) private readonly config: FabricConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(ENACTOR_SETTINGS) private readonly settings: EnactorOptions,
    @Inject(ON_FATAL) private readonly onFatal: (error: unknown) => void,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { endpointId, enactorId } = this.settings;
    const reporter = jsonLinesReporter(enactorId);
    this.pool = createPool(this.config, this.logger, { applicationName: `enactor-${enactorId}`, maxConnections: 4 });
    this.io = await connectFabricIo(withKafkaPrincipal(this.config, 'enactor'), this.logger, `enactor-${enactorId}`, endpointId, { role: 'enactor', id: enactorId }, this.onFatal);
    this.enactor = new Enactor(this.settings, this.io.commands, new PgDnsBackend(this.pool), reporter, this.logger);
    await this.io.source.start(this.enactor.onEvent);
    this.enactor.start();
    reporter.report('ready', { role: 'enactor', endpointId });
    this.logger.info('enactor started', { ...this.settings });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.enactor?.stop();
    await this.io?.close();
    await this.pool?.end();
    this.logger.info('enactor stopped', { enactorId: this.settings.enactorId, ...this.enactor?.stats });
  }
}
