import { execFileSync, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';

/**
 * Test infrastructure: real Kafka and real Postgres, never mocks.
 * - With a Docker engine that answers: testcontainers starts both.
 * - Otherwise: the project's local stack (scripts/stack.sh starts Kafka;
 *   Postgres is this machine's server at DATABASE_URL).
 * If neither can be had the run fails and says why; no test is skipped.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const teardown: Array<() => Promise<unknown>> = [];
  // Every topic has one partition: kafkajs's notice about its default partitioner is noise here.
  process.env['KAFKAJS_NO_PARTITIONER_WARNING'] = '1';
  if (dockerAnswers() && process.env['FABRIC_TEST_INFRA'] !== 'local') {
    log('a Docker engine answers: starting Kafka and Postgres with testcontainers');
    const { GenericContainer, Wait } = await import('testcontainers');
    const kafka = await new GenericContainer('apache/kafka:4.4.0')
      .withExposedPorts({ container: 9092, host: 19092 })
      .withEnvironment({
        KAFKA_NODE_ID: '1',
        KAFKA_PROCESS_ROLES: 'broker,controller',
        KAFKA_LISTENERS: 'PLAINTEXT://:9092,CONTROLLER://:9093',
        KAFKA_ADVERTISED_LISTENERS: 'PLAINTEXT://127.0.0.1:19092',
        KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
        KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
        KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
        KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
        KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
        KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
        KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
        KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
      })
      .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
      .start();
    const postgres = await new GenericContainer('postgres:15')
      .withExposedPorts(5432)
      .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: 'trust' })
      .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
      .start();
    process.env['KAFKA_BROKERS'] = '127.0.0.1:19092';
    process.env['DATABASE_URL'] = `postgres://postgres@127.0.0.1:${postgres.getMappedPort(5432)}/postgres`;
    teardown.push(() => kafka.stop(), () => postgres.stop());
  } else {
    log('no Docker engine answers: using the local stack (scripts/stack.sh)');
    if (!(await kafkaAnswers())) {
      if (process.env['KAFKA_BROKERS'] !== undefined) {
        throw new Error(`Kafka does not answer at KAFKA_BROKERS=${process.env['KAFKA_BROKERS']}; start it or unset KAFKA_BROKERS to use the local stack`);
      }
      const root = resolve(__dirname, '..');
      const result = spawnSync('bash', [resolve(root, 'scripts/stack.sh'), 'up'], { stdio: 'inherit', cwd: root });
      if (result.status !== 0) {
        throw new Error('the local Kafka could not be started (see the stack: lines above) and no Docker engine answers: tests need a real Kafka');
      }
    }
  }
  await checkPostgres();
  // Topics of this run only: services started by tests serve this run's endpoints, not every earlier run's.
  process.env['FABRIC_TOPIC_PREFIX'] ??= `pftest-${Date.now().toString(36)}`;
  log(`topic prefix ${process.env['FABRIC_TOPIC_PREFIX']}`);
  return async () => {
    for (const stop of teardown) await stop();
  };
}

function log(message: string): void {
  process.stderr.write(`test infra: ${message}\n`);
}

function dockerAnswers(): boolean {
  try {
    execFileSync('docker', ['info', '--format', '{{.ServerVersion}}'], { stdio: 'ignore', timeout: 5_000 });
    return true;
  } catch {
    return false;
  }
}

async function kafkaAnswers(): Promise<boolean> {
  const brokers = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',');
  const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 2_000 }).admin();
  try {
    await admin.connect();
    await admin.listTopics();
    return true;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

async function checkPostgres(): Promise<void> {
  const url = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    await client.query('select 1');
  } catch (error) {
    throw new Error(
      `Postgres does not answer at ${url} (${(error as Error).message}); start it (pg_ctlcluster 15 main start) or set DATABASE_URL`,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}
