import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { FabricConfig, Logger } from '@plan-fabric/config';
import { connectFabricIo, jsonLinesReporter, Planner, type FabricIo, type PlannerOptions } from '@plan-fabric/actors';
import { withKafkaPrincipal } from '@plan-fabric/kafka';
import { FABRIC_CONFIG, LOGGER, ON_FATAL, PLANNER_SETTINGS } from './planner.constants';

/** Proposes new plans for one endpoint on a schedule; SIGUSR2 asks for one now. */
@Injectable()
export class PlannerService implements OnApplicationBootstrap, OnApplicationShutdown {
  private io: FabricIo | null = null;
  private planner: Planner | null = null;
  private readonly onRequest = () => {
    this.planner?.proposeNow().catch((error: unknown) => this.logger.error('requested proposal failed', { error }));
  };

  constructor(
    @Inject(FABRIC_CONFIG) private readonly config: FabricConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(PLANNER_SETTINGS) private readonly settings: PlannerOptions,
    @Inject(ON_FATAL) private readonly onFatal: (error: unknown) => void,
  ) {}

  /** Proposes the next generation now (besides the schedule). */
  proposeNow(): Promise<number> {
    if (this.planner === null) return Promise.reject(new Error('the planner is not started'));
    return this.planner.proposeNow();
  }

  async onApplicationBootstrap(): Promise<void> {
    const { endpointId, plannerId } = this.settings;
    const reporter = jsonLinesReporter(plannerId);
    this.io = await connectFabricIo(withKafkaPrincipal(this.config, 'planner'), this.logger, `planner-${plannerId}`, endpointId, { role: 'planner', id: plannerId }, this.onFatal);
    this.planner = new Planner(this.settings, this.io.commands, reporter, this.logger);
    await this.io.source.start(this.planner.onEvent);
    this.planner.start();
    process.on('SIGUSR2', this.onRequest);
    reporter.report('ready', { role: 'planner', endpointId });
    this.logger.info('planner started', { ...this.settings });
  }

  async onApplicationShutdown(): Promise<void> {
    process.removeListener('SIGUSR2', this.onRequest);
    await this.planner?.stop();
    await this.io?.close();
    this.logger.info('planner stopped', { plannerId: this.settings.plannerId, ...this.planner?.stats });
  }
}
