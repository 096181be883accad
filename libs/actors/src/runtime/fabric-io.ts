import type { FabricConfig, Logger } from '@plan-fabric/config';
import type { Actor } from '@plan-fabric/domain';
import { KeyStore, KeyStoreSigner } from '@plan-fabric/identity';
import { CommandPublisher, createKafka } from '@plan-fabric/kafka';
import { signingSink, type CommandSink } from '../command-sink';
import { KafkaEventSource } from '../event-source';

/** What an actor of the fabric talks to: the endpoint's command topic and events topic. */
export interface FabricIo {
  readonly publisher: CommandPublisher;
  /** The command topic, every command signed with the actor's key (from the key directory, FABRIC_KEYS_DIR). */
  readonly commands: CommandSink;
  readonly source: KafkaEventSource;
  close(): Promise<void>;
}

export async function connectFabricIo(
  config: FabricConfig,
  logger: Logger,
  clientName: string,
  endpointId: string,
  actor: Actor,
  onFatal: (error: unknown) => void,
): Promise<FabricIo> {
  const signer = new KeyStoreSigner(new KeyStore(config.keysDir));
  const key = signer.keyOf(actor);
  logger.info('signing commands', { actor: `${actor.role}:${actor.id}`, publicKey: key.publicKey, keysDir: config.keysDir });
  const kafka = createKafka(config, clientName, logger);
  const publisher = new CommandPublisher(kafka, config);
  await publisher.connect();
  // Creates the topics if the endpoint is new, so the event consumer has something to subscribe to.
  await publisher.ensureEndpoint(endpointId);
  const source = new KafkaEventSource(kafka, config, endpointId, logger, { clientName, onFatal });
  return {
    publisher,
    commands: signingSink(publisher, signer),
    source,
    async close() {
      await source.stop().catch((error: unknown) => logger.warn('closing the event consumer failed', { error }));
      await publisher.disconnect().catch((error: unknown) => logger.warn('closing the command producer failed', { error }));
    },
  };
}
