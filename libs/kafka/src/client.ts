import { Kafka, logLevel as KafkaLogLevel, type LogEntry } from 'kafkajs';
import type { FabricConfig, Logger } from '@plan-fabric/config';

/** A kafkajs client whose own logs go through our structured logger. */
export function createKafka(config: FabricConfig, clientId: string, logger: Logger): Kafka {
  return new Kafka({
    clientId,
    brokers: [...config.kafkaBrokers],
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
