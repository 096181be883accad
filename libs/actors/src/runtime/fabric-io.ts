import type { FabricConfig, Logger } from '@plan-fabric/config';
import { CommandPublisher, createKafka } from '@plan-fabric/kafka';
import { KafkaEventSource } from '../event-source';

/** What an actor of the fabric talks to: the endpoint's command topic and events topic. */
export interface FabricIo {
  readonly publisher: CommandPublisher;
  readonly source: KafkaEventSource;
  close(): Promise<void>;
}

export async function connectFabricIo(
  config: FabricConfig,
  logger: Logger,
  clientName: string,
  endpointId: string,
  onFatal: (error: unknown) => void,
): Promise<FabricIo> {
  const kafka = createKafka(config, clientName, logger);
  const publisher = new CommandPublisher(kafka, config);
  await publisher.connect();
  // Creates the topics if the endpoint is new, so the event consumer has something to subscribe to.
  await publisher.ensureEndpoint(endpointId);
  const source = new KafkaEventSource(kafka, config, endpointId, logger, { clientName, onFatal });
  return {
    publisher,
    source,
    async close() {
      await source.stop().catch((error: unknown) => logger.warn('closing the event consumer failed', { error }));
      await publisher.disconnect().catch((error: unknown) => logger.warn('closing the command producer failed', { error }));
    },
  };
}
