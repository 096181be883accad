import { Module, type DynamicModule } from '@nestjs/common';
import type { FabricConfig, Logger } from '@plan-fabric/config';
import { DEFAULT_SEQUENCER_LIMITS, type SequencerLimits } from './endpoint-sequencer';
import { FABRIC_CONFIG, LOGGER, SEQUENCER_LIMITS } from './sequencer.constants';
import { SequencerService } from './sequencer.service';

@Module({})
export class SequencerModule {
  static register(config: FabricConfig, logger: Logger, limits: Partial<SequencerLimits> = {}): DynamicModule {
    return {
      module: SequencerModule,
      providers: [
        { provide: FABRIC_CONFIG, useValue: config },
        { provide: LOGGER, useValue: logger },
        { provide: SEQUENCER_LIMITS, useValue: { ...DEFAULT_SEQUENCER_LIMITS, ...limits } },
        SequencerService,
      ],
    };
  }
}
