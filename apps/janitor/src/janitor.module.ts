import { Module, type DynamicModule } from '@nestjs/common';
import type { FabricConfig, Logger } from '@plan-fabric/config';
import type { JanitorOptions } from '@plan-fabric/actors';
import { FABRIC_CONFIG, LOGGER, ON_FATAL, JANITOR_SETTINGS } from './janitor.constants';
import { JanitorService } from './janitor.service';

@Module({})
export class JanitorModule {
  static register(config: FabricConfig, logger: Logger, settings: JanitorOptions, onFatal: (error: unknown) => void): DynamicModule {
    return {
      module: JanitorModule,
      providers: [
        { provide: FABRIC_CONFIG, useValue: config },
        { provide: LOGGER, useValue: logger },
        { provide: JANITOR_SETTINGS, useValue: settings },
        { provide: ON_FATAL, useValue: onFatal },
        JanitorService,
      ],
    };
  }
}
