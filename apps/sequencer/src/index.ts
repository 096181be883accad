import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { createLogger, type FabricConfig, type Logger } from '@plan-fabric/config';
import type { SequencerLimits } from './endpoint-sequencer';
import { SequencerModule } from './sequencer.module';

export { EndpointSequencer, DEFAULT_SEQUENCER_LIMITS, type SequencerLimits, type CommittedBatch } from './endpoint-sequencer';
export { readEndpointState } from './event-log-reader';

/** Starts a sequencer in this process; `stop` closes it. */
export async function startSequencer(
  config: FabricConfig,
  logger: Logger = createLogger('sequencer', config.logLevel),
  limits: Partial<SequencerLimits> = {},
): Promise<{ stop(): Promise<void> }> {
  const app = await NestFactory.createApplicationContext(SequencerModule.register(config, logger, limits), { logger: false });
  await app.init();
  return { stop: () => app.close() };
}
