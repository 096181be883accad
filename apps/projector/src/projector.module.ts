import { Module, type DynamicModule } from '@nestjs/common';
import type { FabricConfig, Logger } from '@plan-fabric/config';
import { DEFAULT_PROJECTOR_SETTINGS, type ProjectorSettings } from './endpoint-projector';
import { DEFAULT_PROJECTOR_METRICS_OPTIONS, ProjectorMetrics, type ProjectorMetricsOptions } from './projector-metrics';
import { FABRIC_CONFIG, LOGGER, PROJECTOR_METRICS, PROJECTOR_METRICS_OPTIONS, PROJECTOR_SETTINGS } from './projector.constants';
import { ProjectorService } from './projector.service';

@Module({})
export class ProjectorModule {
  static register(
    config: FabricConfig,
    logger: Logger,
    settings: Partial<ProjectorSettings> = {},
    metrics: Partial<ProjectorMetricsOptions> = {},
  ): DynamicModule {
    return {
      module: ProjectorModule,
      providers: [
        { provide: FABRIC_CONFIG, useValue: config },
        { provide: LOGGER, useValue: logger },
        { provide: PROJECTOR_SETTINGS, useValue: { ...DEFAULT_PROJECTOR_SETTINGS, ...settings } },
        { provide: PROJECTOR_METRICS, useValue: new ProjectorMetrics() },
        { provide: PROJECTOR_METRICS_OPTIONS, useValue: { ...DEFAULT_PROJECTOR_METRICS_OPTIONS, ...metrics } },
        ProjectorService,
      ],
    };
  }
}
