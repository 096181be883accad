import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { FabricConfig, Logger } from '@plan-fabric/config';
import type { PlannerOptions, RunningActor } from '@plan-fabric/actors';
import { PlannerModule } from './planner.module';

export { readPlannerSettings, PLANNER_USAGE } from './planner.settings';

/** Starts a planner in this process; `stop` closes it. */
export async function startPlanner(
  config: FabricConfig,
  settings: PlannerOptions,
  logger: Logger,
  onFatal: (error: unknown) => void,
): Promise<RunningActor> {
  const app = await NestFactory.createApplicationContext(PlannerModule.register(config, logger, settings, onFatal), { logger: false });
  await app.init();
  return { stop: () => app.close() };
}
