import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Admin, Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import { servesEndpoint, type FabricConfig, type Logger } from '@plan-fabric/config';
import { createPool, migrate, ProjectionWriter } from '@plan-fabric/db';
import { createKafka, topicNames, TopicWatcher } from '@plan-fabric/kafka';
import { EndpointProjector, type ProjectorSettings } from './endpoint-projector';
import { FABRIC_CONFIG, LOGGER, PROJECTOR_SETTINGS } from './projector.constants';

/** Migrates the database, then runs one EndpointProjector per endpoint events topic, found as topics appear. */
@Injectable()
export class ProjectorService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly instanceId = randomUUID().slice(0, 8);
  private readonly kafka: Kafka;
  private readonly admin: Admin;
  private readonly pool: Pool;
  private readonly writer: ProjectionWriter;
  private readonly workers = new Map<string, EndpointProjector>();
  private watcher: TopicWatcher | null = null;
  private stopping = false;

  constructor(
    @Inject(FABRIC_CONFIG) private readonly config: FabricConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(PROJECTOR_SETTINGS) private readonly settings: ProjectorSettings,
  ) {
    this.kafka = createKafka(config, `projector-${this.instanceId}`, logger);
    this.admin = this.kafka.admin();
    this.pool = createPool(config, logger, { applicationName: 'plan-fabric-projector' });
    const names = topicNames(config.topicPrefix);
    this.writer = new ProjectionWriter(this.pool, logger, { endpointOfTopic: (topic) => names.endpointOfEvents(topic) });
  }

  async onApplicationBootstrap(): Promise<void> {
    try {
      await migrate(this.pool, this.logger);
      await this.admin.connect();
      const names = topicNames(this.config.topicPrefix);
      const endpointOf = (topic: string) => {
        const endpointId = names.endpointOfEvents(topic);
        return endpointId !== null && servesEndpoint(this.config, endpointId) ? endpointId : null;
      };
      this.watcher = new TopicWatcher(this.admin, endpointOf, (endpointId) => this.project(endpointId), this.logger, this.settings.topicScanIntervalMs);
      await this.watcher.start();
      this.logger.info('projector started', { instanceId: this.instanceId, brokers: this.config.kafkaBrokers, topicPrefix: this.config.topicPrefix });
    } catch (error) {
      await this.onApplicationShutdown();
      throw error;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    await this.watcher?.stop();
    await Promise.all([...this.workers.values()].map((worker) => worker.stop()));
    await this.admin.disconnect().catch(() => undefined);
    await this.pool.end().catch(() => undefined);
    this.logger.info('projector stopped', { instanceId: this.instanceId, endpoints: this.workers.size });
  }

  private async project(endpointId: string): Promise<void> {
    if (this.stopping) return;
    const prefix = this.config.topicPrefix;
    const worker = new EndpointProjector(
      this.kafka,
      this.pool,
      this.writer,
      { endpointId, topic: topicNames(prefix).events(endpointId), groupId: `${prefix}.projector.${endpointId}` },
      this.settings,
      this.logger.child({ endpointId }),
    );
    this.workers.set(endpointId, worker);
    try {
      await worker.start();
    } catch (error) {
      // The watcher tries this endpoint again on its next scan.
      this.workers.delete(endpointId);
      await worker.stop();
      throw error;
    }
    this.logger.info('projecting endpoint', { endpointId });
  }
}
