import { Module, type DynamicModule } from '@nestjs/common';
import type { FabricConfig, Logger } from '@plan-fabric/config';
import type { PlannerOptions } from '@plan-fabric/actors';
import { FABRIC_CONFIG, LOGGER, ON_FATAL, PLANNER_SETTINGS } from './planner.constants';
import { PlannerService } from './planner.service';

@Module({})
export class PlannerModule {
  static register(config: FabricConfig, logger: Logger, settings: PlannerOptions, onFatal: (error: unknown) => void): DynamicModule {
    return {
      module: PlannerModule,
      providers: [
        { provide: FABRIC_CONFIG, useValue: config },
        { provide: LOGGER, useValue: logger },
        { provide: PLANNER_SETTINGS, useValue: settings },
        { provide: ON_FATAL, useValue: onFatal },
        PlannerService,
      ],
    };
  }
}
