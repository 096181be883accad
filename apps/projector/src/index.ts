import 'reflect-metadata';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createLogger, type FabricConfig, type Logger } from '@plan-fabric/config';
import type { ProjectorSettings } from './endpoint-projector';
import type { ProjectorMetricsOptions } from './projector-metrics';
import { ProjectorModule } from './projector.module';
import { ProjectorService } from './projector.service';

export { EndpointProjector, DEFAULT_PROJECTOR_SETTINGS, type ProjectorSettings, type EndpointEvents } from './endpoint-projector';
export { ProjectorMetrics, DEFAULT_PROJECTOR_METRICS_OPTIONS, type ProjectorMetricsOptions, type ProjectedBatch } from './projector-metrics';

/** The projector as a Nest application context (no HTTP); it has migrated and is projecting when this resolves. */
export async function createProjectorApp(
  config: FabricConfig,
  logger: Logger = createLogger('projector', config.logLevel),
  settings: Partial<ProjectorSettings> = {},
  metrics: Partial<ProjectorMetricsOptions> = {},
): Promise<INestApplicationContext> {
  // Our structured logger reports; Nest's own would print plain text to stdout.
  const app = await NestFactory.createApplicationContext(ProjectorModule.register(config, logger, settings, metrics), {
    logger: false,
    abortOnError: false,
  });
  await app.init();
  return app;
}

/** Starts a projector in this process (tests, the CLI); `stop` closes it. */
export async function startProjector(
  config: FabricConfig,
  logger?: Logger,
  settings: Partial<ProjectorSettings> = {},
  metrics: Partial<ProjectorMetricsOptions> = {},
): Promise<{ stop(): Promise<void>; metricsUrl: string | null }> {
  const app = await createProjectorApp(config, logger, settings, metrics);
  return { stop: () => app.close(), metricsUrl: app.get(ProjectorService).metricsUrl() };
}
