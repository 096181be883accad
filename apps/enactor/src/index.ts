import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { FabricConfig, Logger } from '@plan-fabric/config';
import type { EnactorOptions, RunningActor } from '@plan-fabric/actors';
import { EnactorModule } from './enactor.module';

export { readEnactorSettings, ENACTOR_USAGE } from './enactor.settings';

/** Starts an enactor in this process; `stop` closes it. */
export async function startEnactor(
  config: FabricConfig,
  settings: EnactorOptions,
  logger: Logger,
  onFatal: (error: unknown) => void,
): Promise<RunningActor> {
  const app = await NestFactory.createApplicationContext(EnactorModule.register(config, logger, settings, onFatal), { logger: false });
  await app.init();
  return { stop: () => app.close() };
}
