import { Module, type DynamicModule } from '@nestjs/common';
import type { Pool } from 'pg';
import type { FabricConfig, Logger } from '@plan-fabric/config';
import { KeyStore, KeyStoreSigner } from '@plan-fabric/identity';
import { DASHBOARD_SETTINGS, FABRIC_CONFIG, LOGGER, OPERATOR_ACTIONS, READER_POOL } from './dashboard.constants';
import { DashboardLifecycle } from './dashboard-lifecycle';
import type { DashboardSettings } from './dashboard-settings';
import { ChangeStreamService } from './live/change-stream.service';
import { StreamController } from './live/stream.controller';
import { KafkaPublisherSource } from './operator/kafka-publisher-source';
import { OperatorActions } from './operator/operator-actions';
import { OperatorController } from './operator/operator.controller';
import { PageController } from './page/page.controller';
import { ProjectionsController } from './projections/projections.controller';
import { ProjectionsService } from './projections/projections.service';
import { createReaderPool } from './reader-pool';

@Module({})
export class DashboardModule {
  static register(config: FabricConfig, logger: Logger, settings: DashboardSettings): DynamicModule {
    return {
      module: DashboardModule,
      controllers: [PageController, ProjectionsController, StreamController, OperatorController],
      providers: [
        { provide: FABRIC_CONFIG, useValue: config },
        { provide: LOGGER, useValue: logger },
        { provide: DASHBOARD_SETTINGS, useValue: settings },
        { provide: READER_POOL, useFactory: () => createReaderPool(config, settings.readerDatabaseUrl, logger) },
        { provide: KafkaPublisherSource, useFactory: () => new KafkaPublisherSource(config, logger) },
        {
          provide: OPERATOR_ACTIONS,
          inject: [READER_POOL, KafkaPublisherSource],
          useFactory: (pool: Pool, publishers: KafkaPublisherSource) =>
            new OperatorActions(pool, publishers, settings, new KeyStoreSigner(new KeyStore(config.keysDir))),
        },
        ProjectionsService,
        ChangeStreamService,
        DashboardLifecycle,
      ],
    };
  }
}
