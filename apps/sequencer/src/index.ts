import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { createLogger, type FabricConfig, type Logger } from '@plan-fabric/config';
import type { SequencerLimits } from './endpoint-sequencer';
import type { SequencerMetricsOptions } from './sequencer-metrics';
import { SequencerModule } from './sequencer.module';
import { SequencerService } from './sequencer.service';

export { EndpointSequencer, DEFAULT_SEQUENCER_LIMITS, type SequencerLimits, type CommittedBatch } from './endpoint-sequencer';
export { readEndpointState } from './event-log-reader';
export { SequencerMetrics, DEFAULT_SEQUENCER_METRICS_OPTIONS, type SequencerMetricsOptions } from './sequencer-metrics';

/** Starts a sequencer in this process; `stop` closes it. */
export async function startSequencer(
  config: FabricConfig,
  logger: Logger = createLogger('sequencer', config.logLevel),
  limits: Partial<SequencerLimits> = {},
  metrics: Partial<SequencerMetricsOptions> = {},
): Promise<{ stop(): Promise<void>; metricsUrl: string | null }> {
  const app = await NestFactory.createApplicationContext(SequencerModule.register(config, logger, limits, metrics), { logger: false });
  await app.init();
  return { stop: () => app.close(), metricsUrl: app.get(SequencerService).metricsUrl() };
}
