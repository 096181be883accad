import { Module, type DynamicModule } from '@nestjs/common';
import type { FabricConfig, Logger } from '@plan-fabric/config';
import { DEFAULT_SEQUENCER_LIMITS, type SequencerLimits } from './endpoint-sequencer';
import { DEFAULT_SEQUENCER_METRICS_OPTIONS, SequencerMetrics, type SequencerMetricsOptions } from './sequencer-metrics';
import { FABRIC_CONFIG, LOGGER, SEQUENCER_LIMITS, SEQUENCER_METRICS, SEQUENCER_METRICS_OPTIONS } from './sequencer.constants';
import { SequencerService } from './sequencer.service';

@Module({})
export class SequencerModule {
  static register(
    config: FabricConfig,
    logger: Logger,
    limits: Partial<SequencerLimits> = {},
    metrics: Partial<SequencerMetricsOptions> = {},
  ): DynamicModule {
    return {
      module: SequencerModule,
      providers: [
        { provide: FABRIC_CONFIG, useValue: config },
        { provide: LOGGER, useValue: logger },
        { provide: SEQUENCER_LIMITS, useValue: { ...DEFAULT_SEQUENCER_LIMITS, ...limits } },
        { provide: SEQUENCER_METRICS, useValue: new SequencerMetrics() },
        { provide: SEQUENCER_METRICS_OPTIONS, useValue: { ...DEFAULT_SEQUENCER_METRICS_OPTIONS, ...metrics } },
        SequencerService,
      ],
    };
  }
}
