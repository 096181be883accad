import { Module, type DynamicModule } from '@nestjs/common';
import type { FabricConfig, Logger } from '@plan-fabric/config';
import { FABRIC_CONFIG, LOGGER, NAIVE_SETTINGS } from './naive.constants';
import { NaiveService } from './naive.service';
import type { NaiveSettings } from './naive.settings';

@Module({})
export class NaiveModule {
  static register(config: FabricConfig, logger: Logger, settings: NaiveSettings): DynamicModule {
    return {
      module: NaiveModule,
      providers: [
        { provide: FABRIC_CONFIG, useValue: config },
        { provide: LOGGER, useValue: logger },
        { provide: NAIVE_SETTINGS, useValue: settings },
        NaiveService,
      ],
    };
  }
}
