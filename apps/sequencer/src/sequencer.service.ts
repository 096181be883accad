import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Admin, Kafka } from 'kafkajs';
import { servesEndpoint, type FabricConfig, type Logger } from '@plan-fabric/config';
import { createKafka, ensureEndpointTopics, topicNames, TopicWatcher } from '@plan-fabric/kafka';
import { EndpointSequencer, type SequencerLimits } from './endpoint-sequencer';
import { FABRIC_CONFIG, LOGGER, SEQUENCER_LIMITS } from './sequencer.constants';

/** Runs one EndpointSequencer per endpoint command topic, found as topics are created. */
@Injectable()
export class SequencerService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly kafka: Kafka;
  private readonly admin: Admin;
  private readonly workers = new Map<string, EndpointSequencer>();
  private readonly instanceId = randomUUID().slice(0, 8);
  private watcher: TopicWatcher | null = null;

  constructor(
    @Inject(FABRIC_CONFIG) private readonly config: FabricConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(SEQUENCER_LIMITS) private readonly limits: SequencerLimits,
  ) {
    this.kafka = createKafka(config, `sequencer-${this.instanceId}`, logger);
    this.admin = this.kafka.admin();
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.admin.connect();
    const names = topicNames(this.config.topicPrefix);
    const endpointOf = (topic: string) => {
      const endpointId = names.endpointOfCommands(topic);
      return endpointId !== null && servesEndpoint(this.config, endpointId) ? endpointId : null;
    };
    this.watcher = new TopicWatcher(this.admin, endpointOf, (endpointId) => this.serve(endpointId), this.logger);
    await this.watcher.start();
    this.logger.info('sequencer started', { instanceId: this.instanceId, brokers: this.config.kafkaBrokers });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.watcher?.stop();
    await Promise.all([...this.workers.values()].map((worker) => worker.stop()));
    await this.admin.disconnect();
    this.logger.info('sequencer stopped', { instanceId: this.instanceId, endpoints: this.workers.size });
  }

  private async serve(endpointId: string): Promise<void> {
    await ensureEndpointTopics(this.admin, this.config, endpointId);
    const names = topicNames(this.config.topicPrefix);
    const prefix = this.config.topicPrefix;
    const worker = new EndpointSequencer(
      this.kafka,
      this.admin,
      {
        endpointId,
        commands: names.commands(endpointId),
        events: names.events(endpointId),
        deadLetters: names.deadLetters(endpointId),
        groupId: `${prefix}.sequencer.${endpointId}`,
        transactionalId: `${prefix}.sequencer.${names.commands(endpointId)}-0`,
        rebuildGroupId: `${prefix}.sequencer-rebuild.${endpointId}.${this.instanceId}`,
      },
      this.limits,
      this.logger.child({ endpointId }),
    );
    this.workers.set(endpointId, worker);
    await worker.start();
    this.logger.info('serving endpoint', { endpointId });
  }
}
