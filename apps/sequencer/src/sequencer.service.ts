import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Admin, Kafka } from 'kafkajs';
import { servesEndpoint, type FabricConfig, type Logger } from '@plan-fabric/config';
import { createKafka, ensureEndpointTopics, topicNames, TopicWatcher } from '@plan-fabric/kafka';
import { startMetricsServer, type MetricsServer } from '@plan-fabric/metrics';
import type { Authority } from '@plan-fabric/domain';
import { authorityFrom } from '@plan-fabric/identity';
import { EndpointSequencer, type SequencerLimits } from './endpoint-sequencer';
import type { LagTarget, SequencerMetrics, SequencerMetricsOptions } from './sequencer-metrics';
import { FABRIC_CONFIG, LOGGER, SEQUENCER_LIMITS, SEQUENCER_METRICS, SEQUENCER_METRICS_OPTIONS } from './sequencer.constants';

/** Runs one EndpointSequencer per endpoint command topic, found as topics are created. */
@Injectable()
export class SequencerService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly kafka: Kafka;
  private readonly admin: Admin;
  private readonly workers = new Map<string, EndpointSequencer>();
  private readonly instanceId = randomUUID().slice(0, 8);
  private watcher: TopicWatcher | null = null;
  private metricsServer: MetricsServer | null = null;
  private lagTimer: NodeJS.Timeout | null = null;
  private readonly lagTargets = new Map<string, LagTarget>();
  private readonly authority: Authority;

  constructor(
    @Inject(FABRIC_CONFIG) private readonly config: FabricConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(SEQUENCER_LIMITS) private readonly limits: SequencerLimits,
    @Inject(SEQUENCER_METRICS) private readonly metrics: SequencerMetrics,
    @Inject(SEQUENCER_METRICS_OPTIONS) private readonly metricsOptions: SequencerMetricsOptions,
  ) {
    this.kafka = createKafka(config, `sequencer-${this.instanceId}`, logger, 'sequencer');
    this.admin = this.kafka.admin();
    // Fails at start, with what to do, when no trust roots are configured: nothing could be authenticated.
    this.authority = authorityFrom(config);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.admin.connect();
    const names = topicNames(this.config.topicPrefix);
    const endpointOf = (topic: string) => {
      const endpointId = names.endpointOfCommands(topic);
      return endpointId !== null && servesEndpoint(this.config, endpointId) ? endpointId : null;
    };
    // Metrics first: /metrics answers while the endpoints that already exist are being taken up.
    await this.startMetrics();
    this.watcher = new TopicWatcher(this.admin, endpointOf, (endpointId) => this.serve(endpointId), this.logger);
    await this.watcher.start();
    this.logger.info('sequencer started', { instanceId: this.instanceId, brokers: this.config.kafkaBrokers, metrics: this.metricsServer?.url ?? null });
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.lagTimer !== null) clearInterval(this.lagTimer);
    await this.metricsServer?.close();
    await this.watcher?.stop();
    await Promise.all([...this.workers.values()].map((worker) => worker.stop()));
    await this.admin.disconnect();
    this.logger.info('sequencer stopped', { instanceId: this.instanceId, endpoints: this.workers.size });
  }

  private async serve(endpointId: string): Promise<void> {
    await ensureEndpointTopics(this.admin, this.config, endpointId);
    const names = topicNames(this.config.topicPrefix);
    const prefix = this.config.topicPrefix;
    const groupId = `${prefix}.sequencer.${endpointId}`;
    const worker = new EndpointSequencer(
      this.kafka,
      this.admin,
      {
        endpointId,
        commands: names.commands(endpointId),
        events: names.events(endpointId),
        deadLetters: names.deadLetters(endpointId),
        groupId,
        transactionalId: `${prefix}.sequencer.${names.commands(endpointId)}-0`,
        rebuildGroupId: `${prefix}.sequencer-rebuild.${endpointId}.${this.instanceId}`,
      },
      this.limits,
      this.authority,
      this.logger.child({ endpointId }),
      (batch) => this.metrics.recordCommitted(batch),
    );
    this.workers.set(endpointId, worker);
    this.lagTargets.set(endpointId, { endpointId, commands: names.commands(endpointId), groupId });
    await worker.start();
    this.logger.info('serving endpoint', { endpointId });
  }

  /** Where /metrics is served, once started (null when FABRIC_METRICS_PORT is unset). */
  metricsUrl(): string | null {
    return this.metricsServer?.url ?? null;
  }

  /**
   * The /metrics listener and the consumer-lag polling, when a port is set.
   * A port that cannot be bound is logged and the sequencer runs on without
   * metrics: losing them must not stop the only writer of state.
   */
  private async startMetrics(): Promise<void> {
    const { port, host, lagRefreshMs } = this.metricsOptions;
    if (port === null) return;
    try {
      this.metricsServer = await startMetricsServer(this.metrics.registry, { port, host }, this.logger);
    } catch (error) {
      this.logger.error('the /metrics listener could not start; running without metrics', { port, host, error });
      return;
    }
    let refreshing = false;
    let lastErrorLogAt = 0;
    this.lagTimer = setInterval(() => {
      if (refreshing) return;
      refreshing = true;
      this.metrics
        .refreshLag(this.admin, [...this.lagTargets.values()])
        .then((errors) => {
          if (errors.length > 0 && Date.now() - lastErrorLogAt > 60_000) {
            lastErrorLogAt = Date.now();
            this.logger.warn('reading consumer lag failed for some endpoints (logged at most once a minute)', { failed: errors.length, error: errors[0] });
          }
        })
        .finally(() => {
          refreshing = false;
        });
    }, lagRefreshMs);
    this.lagTimer.unref();
  }
}
