import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Admin, Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import { servesEndpoint, type FabricConfig, type Logger } from '@plan-fabric/config';
import { createPool, migrate, ProjectionWriter, projectorDatabaseUrl, PROJECTOR_ROLE } from '@plan-fabric/db';
import { createKafka, topicNames, TopicWatcher } from '@plan-fabric/kafka';
import { startMetricsServer, type MetricsServer } from '@plan-fabric/metrics';
import { EndpointProjector, type ProjectorSettings } from './endpoint-projector';
import type { ProjectionTarget, ProjectorMetrics, ProjectorMetricsOptions } from './projector-metrics';
import { FABRIC_CONFIG, LOGGER, PROJECTOR_METRICS, PROJECTOR_METRICS_OPTIONS, PROJECTOR_SETTINGS } from './projector.constants';

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
  private metricsServer: MetricsServer | null = null;
  private lagTimer: NodeJS.Timeout | null = null;
  private readonly lagTargets = new Map<string, ProjectionTarget>();

  constructor(
    @Inject(FABRIC_CONFIG) private readonly config: FabricConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(PROJECTOR_SETTINGS) private readonly settings: ProjectorSettings,
    @Inject(PROJECTOR_METRICS) private readonly metrics: ProjectorMetrics,
    @Inject(PROJECTOR_METRICS_OPTIONS) private readonly metricsOptions: ProjectorMetricsOptions,
  ) {
    this.kafka = createKafka(config, `projector-${this.instanceId}`, logger, 'projector');
    this.admin = this.kafka.admin();
    // The projection is written as fabric_projector (rows of schema fabric only); the owner only migrates.
    this.pool = createPool({ ...config, databaseUrl: projectorDatabaseUrl(config.databaseUrl) }, logger, { applicationName: 'plan-fabric-projector' });
    const names = topicNames(config.topicPrefix);
    const pauseMs = settings.faultPauseBeforeCommitMs;
    this.writer = new ProjectionWriter(this.pool, logger, {
      endpointOfTopic: (topic) => names.endpointOfEvents(topic),
      // Fault injection for `fabric chaos` only (off by default): a kill lands between the inserts and COMMIT.
      ...(pauseMs > 0 && {
        beforeCommit: async (batch) => {
          logger.info('fault hook: rows written, pausing before COMMIT', { ...batch });
          await new Promise((resolve) => setTimeout(resolve, pauseMs));
        },
      }),
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    try {
      // Migrations are DDL: as the owner (DATABASE_URL), on a connection of their own, before the writer connects.
      const owner = createPool(this.config, this.logger, { maxConnections: 1, applicationName: 'plan-fabric-projector-migrate' });
      try {
        await migrate(owner, this.logger);
      } finally {
        await owner.end().catch(() => undefined);
      }
      const { rows } = await this.pool.query<{ role: string }>('SELECT current_user AS role');
      if (rows[0]?.role !== PROJECTOR_ROLE) this.logger.warn('the projector writes as a role other than fabric_projector', { role: rows[0]?.role });
      await this.admin.connect();
      await this.startMetrics();
      const names = topicNames(this.config.topicPrefix);
      const endpointOf = (topic: string) => {
        const endpointId = names.endpointOfEvents(topic);
        return endpointId !== null && servesEndpoint(this.config, endpointId) ? endpointId : null;
      };
      this.watcher = new TopicWatcher(this.admin, endpointOf, (endpointId) => this.project(endpointId), this.logger, this.settings.topicScanIntervalMs);
      await this.watcher.start();
      this.logger.info('projector started', {
        instanceId: this.instanceId,
        brokers: this.config.kafkaBrokers,
        topicPrefix: this.config.topicPrefix,
        metrics: this.metricsServer?.url ?? null,
      });
    } catch (error) {
      await this.onApplicationShutdown();
      throw error;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    if (this.lagTimer !== null) clearInterval(this.lagTimer);
    await this.metricsServer?.close();
    await this.watcher?.stop();
    await Promise.all([...this.workers.values()].map((worker) => worker.stop()));
    await this.admin.disconnect().catch(() => undefined);
    await this.pool.end().catch(() => undefined);
    this.logger.info('projector stopped', { instanceId: this.instanceId, endpoints: this.workers.size });
  }

  private async project(endpointId: string): Promise<void> {
    if (this.stopping) return;
    const prefix = this.config.topicPrefix;
    const topic = topicNames(prefix).events(endpointId);
    const worker = new EndpointProjector(
      this.kafka,
      this.pool,
      this.writer,
      { endpointId, topic, groupId: `${prefix}.projector.${endpointId}` },
      this.settings,
      this.logger.child({ endpointId }),
      (batch) => this.metrics.recordProjected(batch),
    );
    this.workers.set(endpointId, worker);
    this.lagTargets.set(endpointId, { endpointId, topic });
    try {
      await worker.start();
    } catch (error) {
      // The watcher tries this endpoint again on its next scan.
      this.workers.delete(endpointId);
      this.lagTargets.delete(endpointId);
      await worker.stop();
      throw error;
    }
    this.logger.info('projecting endpoint', { endpointId });
  }

  /** Where /metrics is served, once started (null when FABRIC_METRICS_PORT is unset). */
  metricsUrl(): string | null {
    return this.metricsServer?.url ?? null;
  }

  /**
   * The /metrics listener and the projection-lag polling, when a port is set.
   * A port that cannot be bound is logged and the projector runs on without metrics.
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
      if (refreshing || this.stopping) return;
      refreshing = true;
      this.metrics
        .refreshLag(this.admin, this.pool, [...this.lagTargets.values()])
        .then((errors) => {
          if (errors.length > 0 && Date.now() - lastErrorLogAt > 60_000) {
            lastErrorLogAt = Date.now();
            this.logger.warn('reading projection lag failed for some endpoints (logged at most once a minute)', { failed: errors.length, error: errors[0] });
          }
        })
        .finally(() => {
          refreshing = false;
        });
    }, lagRefreshMs);
    this.lagTimer.unref();
  }
}
