import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { createLogger, KAFKA_PRINCIPALS, loadConfig } from '@plan-fabric/config';
import { createKafka, grantFabricAcls, upsertScramUsers } from '@plan-fabric/kafka';
import { SIM_ROOT } from '@plan-fabric/domain';
import { KeyStore } from '@plan-fabric/identity';

/**
 * Test infrastructure: real Kafka and real Postgres, never mocks.
 * - With a Docker engine that answers: testcontainers starts both.
 * - Otherwise: the project's local stack (scripts/stack.sh starts Kafka;
 *   Postgres is this machine's server at DATABASE_URL).
 * If neither can be had the run fails and says why; no test is skipped.
 * Kafka authenticates (SASL/SCRAM-SHA-512) and authorizes (ACLs) either way:
 * the run's topic prefix gets the standard ACL set, services authenticate as
 * their own principals, and test code that names none as admin (KAFKA_PRINCIPAL).
 */
export default async function setup(): Promise<() => Promise<void>> {
  const teardown: Array<() => Promise<unknown>> = [];
  // Every topic has one partition: kafkajs's notice about its default partitioner is noise here.
  process.env['KAFKAJS_NO_PARTITIONER_WARNING'] = '1';
  if (dockerAnswers() && process.env['FABRIC_TEST_INFRA'] !== 'local') {
    log('a Docker engine answers: starting Kafka and Postgres with testcontainers');
    const { GenericContainer, Wait } = await import('testcontainers');
    // Passwords of this run only, in a file of its own (mode 0600) that the services read.
    const credentials = join(mkdtempSync(join(tmpdir(), 'plan-fabric-test-')), 'kafka-credentials');
    const passwords = new Map(KAFKA_PRINCIPALS.map((name) => [name, randomBytes(24).toString('base64url')]));
    writeFileSync(credentials, [...passwords].map(([name, password]) => `${name}=${password}\n`).join(''), { mode: 0o600 });
    const kafka = await new GenericContainer('apache/kafka:4.4.0')
      .withExposedPorts({ container: 9092, host: 19092 }, 9093)
      .withEnvironment({
        KAFKA_NODE_ID: '1',
        KAFKA_PROCESS_ROLES: 'broker,controller',
        // as scripts/stack.sh: SASL/SCRAM for clients, ACLs, the PLAINTEXT controller listener's ANONYMOUS a super user
        KAFKA_LISTENERS: 'SASL_PLAINTEXT://:9092,CONTROLLER://:9093',
        KAFKA_ADVERTISED_LISTENERS: 'SASL_PLAINTEXT://127.0.0.1:19092',
        KAFKA_INTER_BROKER_LISTENER_NAME: 'SASL_PLAINTEXT',
        KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
        KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT',
        KAFKA_SASL_ENABLED_MECHANISMS: 'SCRAM-SHA-512',
        KAFKA_SASL_MECHANISM_INTER_BROKER_PROTOCOL: 'SCRAM-SHA-512',
        KAFKA_LISTENER_NAME_SASL__PLAINTEXT_SCRAM___SHA___512_SASL_JAAS_CONFIG: `org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="${passwords.get('admin')}";`,
        KAFKA_AUTHORIZER_CLASS_NAME: 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
        KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND: 'false',
        KAFKA_SUPER_USERS: 'User:admin;User:ANONYMOUS',
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
    await upsertScramUsers(`127.0.0.1:${kafka.getMappedPort(9093)}`, [...passwords].map(([name, password]) => ({ name, password })));
    process.env['KAFKA_BROKERS'] = '127.0.0.1:19092';
    process.env['KAFKA_CREDENTIALS_FILE'] = credentials;
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
  trustTestKeys();
  await grantTestAcls(process.env['FABRIC_TOPIC_PREFIX']);
  return async () => {
    for (const stop of teardown) await stop();
  };
}

/**
 * Signing keys of this run: a fresh key directory (its root signs what the CLI's
 * operator sends; actor keys are made there on first use), and the trust roots
 * every sequencer of the run decides with — that root and the simulation root
 * (libs/domain sim-identities), with which tests sign commands they build by hand.
 */
function trustTestKeys(): void {
  process.env['FABRIC_KEYS_DIR'] ??= mkdtempSync(join(tmpdir(), 'plan-fabric-test-keys-'));
  const root = new KeyStore(process.env['FABRIC_KEYS_DIR']).init();
  process.env['FABRIC_TRUST_ROOTS'] ??= `${root},${SIM_ROOT.publicKey}`;
  log(`keys in ${process.env['FABRIC_KEYS_DIR']}, trust roots ${process.env['FABRIC_TRUST_ROOTS'].split(',').length}`);
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

/** The standard ACL set for the run's prefix, granted as admin, when the broker authenticates (credentials configured). */
async function grantTestAcls(prefix: string): Promise<void> {
  // Test code that makes its own clients (and forges events on purpose) runs as the super user.
  process.env['KAFKA_PRINCIPAL'] ??= 'admin';
  const config = loadConfig();
  if (!config.kafkaAuth.enabled()) {
    // The tests prove that Kafka refuses what the ACLs forbid: a broker without authentication cannot show it.
    throw new Error(
      `no Kafka credentials for ${config.kafkaBrokers.join(',')}: the tests need a broker that authenticates (SASL/SCRAM) and enforces ACLs. ` +
        'A local broker started before authentication was added has none: restart it with `npm run stack:down && npm run stack:up` ' +
        '(its old topics are moved aside); for another broker set KAFKA_CREDENTIALS_FILE.',
    );
  }
  const admin = createKafka(config, 'test-setup', createLogger('test-setup', 'error'), 'admin').admin();
  await admin.connect();
  try {
    const count = await grantFabricAcls(admin, prefix);
    log(`Kafka: SASL/SCRAM credentials from ${config.kafkaAuth.credentialsFile}; ${count} ACLs granted for prefix ${prefix}`);
  } finally {
    await admin.disconnect();
  }
}

async function kafkaAnswers(): Promise<boolean> {
  const brokers = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',');
  let sasl;
  try {
    sasl = loadConfig().kafkaAuth.saslFor('admin') ?? undefined;
  } catch {
    return false;
  }
  const admin = new Kafka({ brokers, ...(sasl && { sasl: { ...sasl } }), logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 2_000 }).admin();
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
      `Postgres does not answer at ${url.replace(/(:\/\/[^:/@]*):[^@/]*@/, '$1:***@')} (${(error as Error).message}); start it (pg_ctlcluster 15 main start) or set DATABASE_URL`,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}
