import type { FabricConfig } from '@plan-fabric/config';

/** The Postgres role the dashboard reads as (created by libs/db migration 003_reader_role.sql). */
export const READER_ROLE = 'fabric_reader';

/** Header an operator names themselves with on POSTs; the actor id of their commands. */
export const OPERATOR_HEADER = 'x-fabric-operator';

export interface DashboardSettings {
  /** Address the HTTP server listens on; loopback unless asked otherwise (the API can publish operator commands). */
  readonly host: string;
  /** 0: any free port. */
  readonly port: number;
  /** Connection string of the read-only role. */
  readonly readerDatabaseUrl: string;
  /** Actor id of operator commands sent without an X-Fabric-Operator header. */
  readonly operatorId: string;
  /** How often the live stream looks for projection changes. */
  readonly changePollIntervalMs: number;
  /** A comment-like event on idle streams, so proxies keep them open. */
  readonly heartbeatIntervalMs: number;
  /** Event streams open at once; one more is answered 503. */
  readonly streamsMax: number;
  /** How long POST …/activate waits for the command's outcome in the projection before answering 202. */
  readonly outcomeWaitMs: number;
  /** Between two looks for that outcome. */
  readonly outcomePollMs: number;
}

export const DEFAULT_DASHBOARD_PORT = 8080;

/**
 * The read-only twin of DATABASE_URL: same server and database, the user
 * replaced by fabric_reader and no password (trust auth locally; elsewhere
 * give the full URL of the reader role as DASHBOARD_DATABASE_URL).
 */
export function readerDatabaseUrl(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  url.username = READER_ROLE;
  url.password = '';
  return url.toString();
}

/**
 * Settings of one dashboard: defaults, then DASHBOARD_DATABASE_URL if set,
 * then what the caller (CLI flags, a test) says. FabricConfig (libs/config)
 * stays the loader of everything shared; this adds the dashboard's own.
 */
export function dashboardSettings(
  config: FabricConfig,
  overrides: Partial<DashboardSettings> = {},
  env: NodeJS.ProcessEnv = process.env,
): DashboardSettings {
  const fromEnv = env['DASHBOARD_DATABASE_URL'];
  return {
    host: '127.0.0.1',
    port: DEFAULT_DASHBOARD_PORT,
    readerDatabaseUrl: fromEnv !== undefined && fromEnv !== '' ? fromEnv : readerDatabaseUrl(config.databaseUrl),
    operatorId: 'dashboard',
    changePollIntervalMs: 500,
    heartbeatIntervalMs: 15_000,
    streamsMax: 64,
    outcomeWaitMs: 30_000,
    outcomePollMs: 100,
    ...overrides,
  };
}
