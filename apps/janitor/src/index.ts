import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { FabricConfig, Logger } from '@plan-fabric/config';
import type { JanitorOptions, RunningActor } from '@plan-fabric/actors';
import { JanitorModule } from './janitor.module';

export { readJanitorSettings, JANITOR_USAGE } from './janitor.settings';

/** Starts a janitor in this process; `stop` closes it. */
export async function startJanitor(
  config: FabricConfig,
  settings: JanitorOptions,
  logger: Logger,
  onFatal: (error: unknown) => void,
): Promise<RunningActor> {
  const app = await NestFactory.createApplicationContext(JanitorModule.register(config, logger, settings, onFatal), { logger: false });
  await app.init();
  return { stop: () => app.close() };
}
