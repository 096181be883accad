import 'reflect-metadata';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createLogger, type FabricConfig, type Logger } from '@plan-fabric/config';
import type { ProjectorSettings } from './endpoint-projector';
import { ProjectorModule } from './projector.module';

export { EndpointProjector, DEFAULT_PROJECTOR_SETTINGS, type ProjectorSettings, type EndpointEvents } from './endpoint-projector';

/** The projector as a Nest application context (no HTTP); it has migrated and is projecting when this resolves. */
export async function createProjectorApp(
  config: FabricConfig,
  logger: Logger = createLogger('projector', config.logLevel),
  settings: Partial<ProjectorSettings> = {},
): Promise<INestApplicationContext> {
  // Our structured logger reports; Nest's own would print plain text to stdout.
  const app = await NestFactory.createApplicationContext(ProjectorModule.register(config, logger, settings), {
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
): Promise<{ stop(): Promise<void> }> {
  const app = await createProjectorApp(config, logger, settings);
  return { stop: () => app.close() };
}
