import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Pool } from 'pg';
import type { FabricConfig, Logger } from '@plan-fabric/config';
import { jsonLinesReporter, NaiveEnactor, NaiveJanitor, NaivePlanner, NaiveStore } from '@plan-fabric/actors';
import { createPool } from '@plan-fabric/db';
import { FABRIC_CONFIG, LOGGER, NAIVE_SETTINGS } from './naive.constants';
import { naiveActorId, type NaiveSettings } from './naive.settings';

/** One naive actor (planner, enactor or janitor) working directly on the shared tables of schema `naive`. */
@Injectable()
export class NaiveService implements OnApplicationBootstrap, OnApplicationShutdown {
  private pool: Pool | null = null;
  private actor: NaivePlanner | NaiveEnactor | NaiveJanitor | null = null;

  constructor(
    @Inject(FABRIC_CONFIG) private readonly config: FabricConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(NAIVE_SETTINGS) private readonly settings: NaiveSettings,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const actorId = naiveActorId(this.settings);
    const reporter = jsonLinesReporter(actorId);
    this.pool = createPool(this.config, this.logger, { applicationName: `naive-${this.settings.role}-${actorId}`, maxConnections: 4 });
    await this.pool.query('SELECT 1 FROM naive.plans LIMIT 1').catch((error: unknown) => {
      throw new Error(`the naive schema is missing (the demo creates it: libs/actors/src/naive/naive-schema.sql): ${String(error)}`);
    });
    const store = new NaiveStore(this.pool);
    const settings = this.settings;
    this.actor =
      settings.role === 'planner'
        ? new NaivePlanner(settings.planner, store, reporter, this.logger)
        : settings.role === 'enactor'
          ? new NaiveEnactor(settings.enactor, store, reporter, this.logger)
          : new NaiveJanitor(settings.janitor, store, reporter, this.logger);
    this.actor.start();
    reporter.report('ready', { role: settings.role, naive: true });
    this.logger.info('naive actor started', { role: settings.role, actorId });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.actor?.stop();
    await this.pool?.end();
    this.logger.info('naive actor stopped', { role: this.settings.role });
  }
}
