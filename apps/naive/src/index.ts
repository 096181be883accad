import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { FabricConfig, Logger } from '@plan-fabric/config';
import type { RunningActor } from '@plan-fabric/actors';
import { NaiveModule } from './naive.module';
import type { NaiveSettings } from './naive.settings';

export { readNaiveSettings, NAIVE_USAGE, type NaiveSettings } from './naive.settings';

/** Starts one naive actor in this process; `stop` closes it. */
export async function startNaiveActor(config: FabricConfig, settings: NaiveSettings, logger: Logger): Promise<RunningActor> {
  const app = await NestFactory.createApplicationContext(NaiveModule.register(config, logger, settings), { logger: false });
  await app.init();
  return { stop: () => app.close() };
}
