import { randomUUID } from 'node:crypto';
import type { FabricConfig, Logger } from '@plan-fabric/config';
import { CommandPublisher, createKafka } from '@plan-fabric/kafka';
import type { PublisherSource } from './operator-actions';

/**
 * The dashboard's one Kafka producer, connected on the first operator action:
 * the read views need only Postgres. A failed connect is forgotten, so the
 * next action tries again.
 */
export class KafkaPublisherSource implements PublisherSource {
  private connecting: Promise<CommandPublisher> | null = null;

  constructor(
    private readonly config: FabricConfig,
    private readonly logger: Logger,
    private readonly clientId = `dashboard-${randomUUID().slice(0, 8)}`,
  ) {}

  publisher(): Promise<CommandPublisher> {
    if (this.connecting === null) {
      const publisher = new CommandPublisher(createKafka(this.config, this.clientId, this.logger, 'operator'), this.config);
      this.connecting = publisher.connect().then(
        () => publisher,
        async (error: unknown) => {
          this.connecting = null;
          await publisher.disconnect().catch(() => undefined);
          throw new KafkaUnavailable(this.config, error);
        },
      );
    }
    return this.connecting;
  }

  async close(): Promise<void> {
    const connecting = this.connecting;
    this.connecting = null;
    if (connecting !== null) await (await connecting.catch(() => null))?.disconnect().catch(() => undefined);
  }
}

export class KafkaUnavailable extends Error {
  override readonly name = 'KafkaUnavailable';
  constructor(config: FabricConfig, cause: unknown) {
    super(
      `Kafka does not answer at ${config.kafkaBrokers.join(',')} (${(cause as Error).message}); nothing was sent — ` +
        'start it (`npm run stack:up`) or set KAFKA_BROKERS',
    );
  }
}
