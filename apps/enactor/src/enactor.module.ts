import { Module, type DynamicModule } from '@nestjs/common';
import type { FabricConfig, Logger } from '@plan-fabric/config';
import type { EnactorOptions } from '@plan-fabric/actors';
import { ENACTOR_SETTINGS, FABRIC_CONFIG, LOGGER, ON_FATAL } from './enactor.constants';
import { EnactorService } from './enactor.service';

@Module({})
export class EnactorModule {
  static register(config: FabricConfig, logger: Logger, settings: EnactorOptions, onFatal: (error: unknown) => void): DynamicModule {
    return {
      module: EnactorModule,
      providers: [
        { provide: FABRIC_CONFIG, useValue: config },
        { provide: LOGGER, useValue: logger },
        { provide: ENACTOR_SETTINGS, useValue: settings },
        { provide: ON_FATAL, useValue: onFatal },
        EnactorService,
      ],
    };
  }
}
