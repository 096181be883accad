import { Kafka, logLevel as KafkaLogLevel, type LogEntry } from 'kafkajs';
import type { FabricConfig, KafkaPrincipal, Logger } from '@plan-fabric/config';

/**
 * A kafkajs client whose own logs go through our structured logger. It
 * authenticates as `principal` (SASL/SCRAM-SHA-512; the password from
 * config.kafkaAuth: KAFKA_USERNAME/KAFKA_PASSWORD, or the credentials file the
 * stack wrote), or as KAFKA_PRINCIPAL when the caller names none; without
 * configured credentials it does not authenticate.
 */
export function createKafka(config: FabricConfig, clientId: string, logger: Logger, principal?: KafkaPrincipal): Kafka {
  const sasl = config.kafkaAuth.saslFor(principal);
  return new Kafka({
    clientId,
    brokers: [...config.kafkaBrokers],
    ...(sasl !== null && { sasl: { ...sasl } }),
    connectionTimeout: 5_000,
    requestTimeout: 30_000,
    retry: { retries: 8, initialRetryTime: 100, maxRetryTime: 5_000 },
    logLevel: KafkaLogLevel.WARN,
    logCreator:
      () =>
      ({ level, log }: LogEntry) => {
        const { message, ...fields } = log;
        // Bounded retries are deliberate: a send that gives up aborts its transaction (sequencer)
        // or is resent under the same command id and decided as a duplicate (publishers).
        if (message.startsWith('Limiting retries for the idempotent producer')) return;
        const text = `kafkajs: ${message}`;
        if (level <= KafkaLogLevel.ERROR) logger.error(text, fields);
        else logger.warn(text, fields);
      },
  });
}

/**
 * The config with `principal` as the Kafka principal of clients whose code names
 * none: for code that makes its own clients from a config (the actors'
 * connectFabricIo, the fuzzer).
 */
export function withKafkaPrincipal(config: FabricConfig, principal: KafkaPrincipal): FabricConfig {
  return { ...config, kafkaAuth: config.kafkaAuth.withDefaultPrincipal(principal) };
}
