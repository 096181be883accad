import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createLogger, type FabricConfig, type Logger } from '@plan-fabric/config';
import { DashboardErrorFilter } from './dashboard-error.filter';
import { DashboardModule } from './dashboard.module';
import { dashboardSettings, type DashboardSettings } from './dashboard-settings';

export { dashboardSettings, readerDatabaseUrl, READER_ROLE, OPERATOR_HEADER, DEFAULT_DASHBOARD_PORT, type DashboardSettings } from './dashboard-settings';
export { createReaderPool, assertReadOnly } from './reader-pool';
export { OperatorActions, OperatorInputError, type ActivateResult } from './operator/operator-actions';
export { KafkaPublisherSource } from './operator/kafka-publisher-source';
export { dryRun, dryRunRecord, type DryRun } from './operator/dry-run';

export interface RunningDashboard {
  /** http://host:port — the page is at /, the API under /api. */
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

/** The dashboard as a Nest HTTP application; listening when this resolves. */
export async function createDashboardApp(
  config: FabricConfig,
  settings: DashboardSettings = dashboardSettings(config),
  logger: Logger = createLogger('dashboard', config.logLevel),
): Promise<INestApplication> {
  // Our structured logger reports; Nest's own would print plain text to stdout.
  const app = await NestFactory.create(DashboardModule.register(config, logger, settings), {
    logger: false,
    abortOnError: false,
    // Open event streams would keep close() waiting forever.
    forceCloseConnections: true,
  });
  app.useGlobalFilters(new DashboardErrorFilter(logger));
  try {
    await app.listen(settings.port, settings.host);
  } catch (error) {
    await app.close().catch(() => undefined);
    throw error;
  }
  return app;
}

/** Starts a dashboard in this process (tests, the CLI); `stop` closes it. */
export async function startDashboard(
  config: FabricConfig,
  settings: DashboardSettings = dashboardSettings(config),
  logger?: Logger,
): Promise<RunningDashboard> {
  const log = logger ?? createLogger('dashboard', config.logLevel);
  const app = await createDashboardApp(config, settings, log);
  const address = app.getHttpServer().address() as AddressInfo;
  const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
  const url = `http://${host}:${address.port}`;
  log.info('dashboard started', { url });
  return { url, port: address.port, stop: () => app.close() };
}
