import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Pool } from 'pg';
import type { Logger } from '@plan-fabric/config';
import { LOGGER, READER_POOL } from './dashboard.constants';
import { KafkaPublisherSource } from './operator/kafka-publisher-source';
import { assertReadOnly } from './reader-pool';

/** Checks at start that the database role cannot write; closes the pool and the producer at shutdown. */
@Injectable()
export class DashboardLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(READER_POOL) private readonly pool: Pool,
    @Inject(KafkaPublisherSource) private readonly publishers: KafkaPublisherSource,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const role = await assertReadOnly(this.pool);
    this.logger.info('dashboard reads the projections as a read-only role', { role: role.role });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.publishers.close();
    await this.pool.end().catch(() => undefined);
  }
}
