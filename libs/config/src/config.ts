import { homedir } from 'node:os';
import { join } from 'node:path';
import { KafkaAuthSettings } from './kafka-credentials';

/** The one place that reads the environment. */
export interface FabricConfig {
  /** Kafka bootstrap servers, from KAFKA_BROKERS (comma-separated). */
  readonly kafkaBrokers: readonly string[];
  /** Postgres connection string, from DATABASE_URL. */
  readonly databaseUrl: string;
  /** Prefix of every topic name, from FABRIC_TOPIC_PREFIX. */
  readonly topicPrefix: string;
  /** Replication factor and min.insync.replicas of endpoint topics (1/1 locally, 3/2 on a cluster). */
  readonly replicationFactor: number;
  readonly minInsyncReplicas: number;
  /** Log level: debug, info, warn or error, from LOG_LEVEL. */
  readonly logLevel: LogLevel;
  /**
   * Which endpoints a service serves, from FABRIC_ENDPOINTS (a regular expression
   * over endpoint ids; all when unset). Lets a demo or a test run its own
   * services without starting workers for every endpoint the broker holds.
   */
  readonly endpointFilter: RegExp | null;
  /**
   * Where actor and operator signing keys live, from FABRIC_KEYS_DIR (default
   * $PLAN_FABRIC_HOME/keys, outside the repository). See libs/identity.
   */
  readonly keysDir: string;
  /**
   * Public keys of the deployment's trust roots, from FABRIC_TRUST_ROOTS
   * (comma-separated, base64url); null: read them from the keys directory.
   */
  readonly trustRoots: readonly string[] | null;
  /** Kafka SASL credentials: KAFKA_USERNAME/KAFKA_PASSWORD(_FILE), KAFKA_CREDENTIALS_FILE, KAFKA_PRINCIPAL (kafka-credentials.ts). */
  readonly kafkaAuth: KafkaAuthSettings;
}

export function servesEndpoint(config: FabricConfig, endpointId: string): boolean {
  return config.endpointFilter === null || config.endpointFilter.test(endpointId);
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export function loadConfig(env: NodeJS.ProcessEnv = process.env): FabricConfig {
  return {
    kafkaBrokers: (env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',').map((broker) => broker.trim()).filter(Boolean),
    databaseUrl: env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    topicPrefix: env['FABRIC_TOPIC_PREFIX'] ?? 'planfabric',
    replicationFactor: positiveInt(env, 'FABRIC_REPLICATION_FACTOR', 1),
    minInsyncReplicas: positiveInt(env, 'FABRIC_MIN_INSYNC_REPLICAS', 1),
    logLevel: logLevel(env['LOG_LEVEL']),
    endpointFilter: endpointFilter(env['FABRIC_ENDPOINTS']),
    kafkaAuth: KafkaAuthSettings.fromEnv(env),
    keysDir: env['FABRIC_KEYS_DIR'] || join(env['PLAN_FABRIC_HOME'] || join(homedir(), '.cache', 'plan-fabric'), 'keys'),
    trustRoots: env['FABRIC_TRUST_ROOTS'] ? env['FABRIC_TRUST_ROOTS'].split(',').map((key) => key.trim()).filter(Boolean) : null,
  };
}

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name}=${text} must be a positive integer`);
  return value;
}

function logLevel(text: string | undefined): LogLevel {
  if (text === undefined || text === '') return 'info';
  if (text === 'debug' || text === 'info' || text === 'warn' || text === 'error') return text;
  throw new Error(`LOG_LEVEL=${text} must be one of debug, info, warn, error`);
}

function endpointFilter(text: string | undefined): RegExp | null {
  if (text === undefined || text === '') return null;
  try {
    return new RegExp(text);
  } catch (error) {
    throw new Error(`FABRIC_ENDPOINTS=${text} is not a regular expression: ${(error as Error).message}`);
  }
}
