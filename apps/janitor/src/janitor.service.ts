import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { FabricConfig, Logger } from '@plan-fabric/config';
import { connectFabricIo, Janitor, jsonLinesReporter, type FabricIo, type JanitorOptions } from '@plan-fabric/actors';
import { withKafkaPrincipal } from '@plan-fabric/kafka';
import { FABRIC_CONFIG, JANITOR_SETTINGS, LOGGER, ON_FATAL } from './janitor.constants';

/** Sweeps one endpoint's old plans; the sequencer refuses the unsafe deletes. */
@Injectable()
export class JanitorService implements OnApplicationBootstrap, OnApplicationShutdown {
  private io: FabricIo | null = null;
  private janitor: Janitor | null = null;

  constructor(
    @Inject(FABRIC_CONFIG) private readonly config: FabricConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(JANITOR_SETTINGS) private readonly settings: JanitorOptions,
    @Inject(ON_FATAL) private readonly onFatal: (error: unknown) => void,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { endpointId, janitorId } = this.settings;
    const reporter = jsonLinesReporter(janitorId);
    this.io = await connectFabricIo(withKafkaPrincipal(this.config, 'janitor'), this.logger, `janitor-${janitorId}`, endpointId, { role: 'janitor', id: janitorId }, this.onFatal);
    this.janitor = new Janitor(this.settings, this.io.commands, reporter, this.logger);
    await this.io.source.start(this.janitor.onEvent);
    this.janitor.start();
    reporter.report('ready', { role: 'janitor', endpointId });
    this.logger.info('janitor started', { ...this.settings });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.janitor?.stop();
    await this.io?.close();
    this.logger.info('janitor stopped', { janitorId: this.settings.janitorId, ...this.janitor?.stats });
  }
}
